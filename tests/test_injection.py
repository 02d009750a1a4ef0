"""Injection, as an attacker would try it: every string that data can put into a page — policy metadata and
text, unit and group names, place names, pilot names, edition notes — replaced by markup, Markdown links,
attribute lists, line breaks and `javascript:` URLs. The pages must come out with nothing of it in effect:
no new element or attribute, no event handler, no non-http(s) link, front matter with its own keys only."""

from __future__ import annotations

import html
import re
import urllib.parse
from html.parser import HTMLParser

import markdown
import pytest
import yaml

from generators.website.render import (
    FRONT_MATTER_KEYS,
    attr_escape,
    code_escape,
    id_escape,
    make_environment,
    md_escape,
    render_page,
    url_escape,
    yaml_escape,
)
from tests.conftest import ROOT

PAYLOADS = [
    "<img src=x onerror=alert(1)>\"'",
    "[点我](javascript:alert(1)) ![x](javascript:alert(2)) <javascript:alert(3)>",
    "{: onclick=alert(4) } {#x onmouseover=alert(5)} `</code><script>alert(6)</script>`",
    "甲\ntitle: 注入\n---\n# 标题 <!-- x --> </script><svg onload=alert(7)>",
    "&lt;b&gt;&#60;i&#62; %3Cscript%3Ealert(8)%3C/script%3E \u2028\u2029\x00 | a | b |",
    '" onfocus="alert(9)" x="} { .c onclick=alert(10) }',
    "JaVaScRiPt:alert(11)",
    "//evil.example/x",
]
MD = markdown.Markdown(
    extensions=["attr_list", "md_in_html", "admonition", "tables", "toc"],
    extension_configs={"toc": {"permalink": "¶"}},
)


class Elements(HTMLParser):
    """Tags and attributes of a page, and any link whose scheme is not http(s)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags: set[str] = set()
        self.attrs: set[tuple[str, str]] = set()
        self.bad: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        for name, value in attrs:
            self.attrs.add((tag, name))
            if name.startswith("on"):
                self.bad.append(f"<{tag} {name}={value!r}>")
            if name in ("href", "src", "action", "formaction", "xlink:href") and value:
                scheme = urllib.parse.urlsplit(value.strip()).scheme.lower()
                if scheme not in ("", "http", "https") or value.strip().startswith("//"):
                    self.bad.append(f"<{tag} {name}={value!r}>")


def elements(page_markdown: str) -> Elements:
    body = page_markdown.split("\n---\n", 1)[1] if page_markdown.startswith("---\n") else page_markdown
    MD.reset()
    parser = Elements()
    parser.feed(MD.convert(body))
    return parser


# Fields that choose a template branch (a block's kind), not text: replacing them would only select a branch
# whose other fields are absent.
SWITCHES = {"kind"}


def hostile(value, payload: str):
    """The context with every string replaced by the payload (numbers and flags left as they are)."""
    if isinstance(value, str):
        return payload
    if isinstance(value, dict):
        return {k: v if k in SWITCHES else hostile(v, payload) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(hostile(v, payload) for v in value)
    return value


@pytest.fixture(scope="module")
def page_tasks(tmp_path_factory):
    from generators import pipeline
    from generators.config.settings import Settings

    out = tmp_path_factory.mktemp("injection")
    settings = Settings.from_args(ROOT, build=out / "build", site=out / "site", restricted=out / "restricted")
    policies = pipeline.load_policies(settings)
    registry = pipeline.import_registries(settings, policies)
    figures = pipeline.derive_month(settings, policies, registry)
    editions, _ = pipeline.site_page_tasks(settings, policies, registry, figures)
    tasks = {t.template: t for tasks in editions.values() for t in tasks}  # one page per template
    return make_environment(settings.templates), list(tasks.values())


@pytest.mark.parametrize("payload", PAYLOADS)
def test_no_template_lets_data_become_markup(page_tasks, payload):
    env, tasks = page_tasks
    problems = []
    for task in tasks:
        # the same branches, with harmless text: what the template itself makes
        plain = elements(
            render_page(env, type(task)(task.path, task.template, "甲", hostile(task.context, "甲")))
        )
        attacked_task = type(task)(task.path, task.template, payload, hostile(task.context, payload))
        page = render_page(env, attacked_task)  # raises if the front matter were broken open
        front = (
            yaml.safe_load(page.split("\n---\n", 1)[0].removeprefix("---\n"))
            if page.startswith("---")
            else {}
        )
        if set(front) - FRONT_MATTER_KEYS:
            problems.append(f"{task.template}: front matter keys {sorted(front)}")
        attacked = elements(page)
        new_tags = attacked.tags - plain.tags
        new_attrs = {a for a in attacked.attrs - plain.attrs if a[0] in plain.tags}
        if new_tags or new_attrs or attacked.bad:
            problems.append(f"{task.template}: tags {new_tags} attrs {new_attrs} links {attacked.bad[:3]}")
    assert problems == []


def test_filters_make_each_context_inert():
    evil = '<img src=x onerror=alert(1)>"\n{ .x onclick=y }`'
    assert "<" not in md_escape(evil) and "\n" not in md_escape(evil)
    assert '"' not in attr_escape(evil) and "}" not in attr_escape(evil)
    assert re.fullmatch(r"[\w-]+", id_escape(evil))
    assert yaml.safe_load(f"title: {yaml_escape(evil)}") == {"title": html.escape(evil.replace("\n", " "))}
    assert str(url_escape("javascript:alert(1)")).startswith("javascript%3A")
    assert str(url_escape("//evil.example/x")).startswith("./")
    assert str(url_escape("https://example.org/a b")) == "https://example.org/a%20b"
    assert str(url_escape("../units/派出所.md#c-1")) == "../units/%E6%B4%BE%E5%87%BA%E6%89%80.md#c-1"
    assert code_escape("a``b").startswith("``` ")


def test_environment_escapes_what_a_template_forgets(tmp_path):
    (tmp_path / "page.md.j2").write_text(
        "---\ntitle: {{ t | yaml }}\n---\n# {{ t }}\n[{{ t }}]({{ u | url }})\n"
    )
    env = make_environment(tmp_path)
    out = env.get_template("page.md.j2").render(t="<b>*x*</b>", u="javascript:alert(1)")
    assert "<b>" not in out and "\\*x\\*" in out and "](javascript%3Aalert" in out
