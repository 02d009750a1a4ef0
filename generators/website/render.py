"""Render: jinja2 templates → Markdown pages. Each page is an independent task that can run on its own.

Every value a Markdown template prints is escaped for Markdown and HTML unless the template says what
else it is: `md` (the same, explicitly), `e` (inside raw HTML such as the SVG charts), `attr` (an attribute
value in `{ ... }` or a link title), `id` (an id or class name), `url` (a link target), `yaml` (a
front-matter value), `code` (inline code) or `safe` (markup the template itself made). Text
from data therefore shows as text — markup, links and scripts in it never take effect.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
import unicodedata
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

import jinja2
import yaml
from markupsafe import Markup

from generators.core.cache import KeyedFiles, source_digest
from generators.core.errors import InputError, Problem
from generators.core.yamlio import parse_yaml

MD_SPECIAL = re.compile(r"([\\`*_{}\[\]#|!+\-.()])")
ATTR_SPECIAL = re.compile(r"[\"'<>&{}\[\]()!*_`\\#|=~^]")
# Line and paragraph separators and control characters: in a Markdown line or a YAML scalar they would
# start a new block or key.
BREAKS = re.compile(r"[\r\n\u0085\u2028\u2029\t\v\f]+")
# Front-matter keys the templates may set; anything else means a value broke out of its line.
FRONT_MATTER_KEYS = {"title", "hide", "search", "description"}


def _plain(text: object) -> str:
    """One line of text: breaks become spaces, other control and format characters are dropped."""
    text = BREAKS.sub(" ", str(text))
    if text.isprintable():  # no control or format character (nearly every value): nothing to drop
        return text
    return "".join(ch for ch in text if not unicodedata.category(ch).startswith("C") or ch == " ")


def md_escape(text: object) -> Markup:
    """Text made inert inside Markdown (tables and headings included) and the HTML it becomes: every
    character that could start Markdown syntax is backslash-escaped, &<>"' become character references."""
    if text is None:
        return Markup("")
    escaped = html.escape(_plain(text), quote=True)
    return Markup(MD_SPECIAL.sub(r"\\\1", escaped))


def attr_escape(text: object) -> Markup:
    """Text for an attribute value in quotes (a Markdown link title or `{ key="..." }`): every character
    that could end the quotes or the braces, or start Markdown inside them, as a character reference."""
    return Markup(ATTR_SPECIAL.sub(lambda m: f"&#{ord(m.group(0))};", _plain(text)))


def html_escape(text: object) -> Markup:
    """Text inside raw HTML (the SVG charts, `<small>`): tags and references become text."""
    return Markup(html.escape(_plain(text), quote=True))


SAFE_URL_CHARS = "/#.-_~%"


def url_escape(target: object) -> Markup:
    """A link target: a path within the site, or an http(s) address. Anything else (`javascript:`,
    `data:`, `//host`) is percent-encoded into a harmless relative path, so no scheme comes out of data."""
    text = _plain(target).strip()
    parts = urllib.parse.urlsplit(text) if re.match(r"^https?://", text, re.IGNORECASE) else None
    if parts is not None and parts.netloc:
        rest = urllib.parse.quote(
            text[len(parts.scheme) + 3 + len(parts.netloc) :], safe=SAFE_URL_CHARS + "?&="
        )
        netloc = urllib.parse.quote(parts.netloc, safe=".-:[]@")
        return Markup(html.escape(f"{parts.scheme.lower()}://{netloc}{rest}", quote=True))
    quoted = urllib.parse.quote(text, safe=SAFE_URL_CHARS)
    if quoted.startswith("/"):
        quoted = "." + quoted  # never an absolute or protocol-relative (//host) address
    return Markup(html.escape(quoted, quote=True))


def yaml_escape(text: object) -> Markup:
    """A front-matter value: one double-quoted YAML scalar. The theme prints the page title into HTML
    unescaped (mkdocs' templates do not autoescape), so the title is HTML-escaped inside the scalar."""
    return Markup(json.dumps(html.escape(_plain(text), quote=True), ensure_ascii=False))


def id_escape(text: object) -> Markup:
    """An id or class name (`{ #id .class }`): letters, digits, "_" and "-" only — a space or "=" would
    start another attribute."""
    return Markup(re.sub(r"[^\w-]", "-", _plain(text)) or "-")


def code_escape(text: object) -> Markup:
    """Inline code: a backtick fence longer than any run of backticks in the text."""
    text = _plain(text)
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    return Markup(f"{fence} {text} {fence}")


def cn_date(iso: str | None) -> str:
    if not iso:
        return "无日期"
    parts = str(iso).split("-")
    labels = ["年", "月", "日"]
    try:
        return "".join(f"{int(p)}{labels[i]}" for i, p in enumerate(parts[:3]))
    except ValueError:
        return str(iso)


@jinja2.pass_context
def _finalize(context: jinja2.runtime.Context, value: object) -> object:
    """Markdown templates escape whatever they print unless it was already made safe (a filter above, a
    macro's output); print HTML templates are autoescaped by jinja2 itself."""
    if isinstance(value, Markup) or value is None:
        return value
    if context.name is not None and context.name.endswith(".md.j2"):
        return md_escape(value)
    return value


def _autoescaped(name: str | None) -> bool:
    return name is not None and (name.endswith((".md.j2", ".html.j2")) or name.startswith("partials/"))


def compiled_templates() -> jinja2.BytecodeCache | None:
    """Compiled templates kept between builds, by each template's source (jinja2's own cache, in a folder
    of the temporary directory that only this user may use): a build compiles only the templates that
    changed. None where there is no such folder (jinja2 refuses one that others could write to)."""
    try:
        return jinja2.FileSystemBytecodeCache()
    except (OSError, RuntimeError):
        return None


def make_environment(templates: Path) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates)),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=_autoescaped,
        finalize=_finalize,
        bytecode_cache=compiled_templates(),
    )
    env.filters["md"] = md_escape
    env.filters["attr"] = attr_escape
    env.filters["e"] = env.filters["escape"] = html_escape
    env.filters["url"] = url_escape
    env.filters["yaml"] = yaml_escape
    env.filters["code"] = code_escape
    env.filters["id"] = id_escape
    env.filters["cn_date"] = cn_date
    return env


@dataclass(frozen=True)
class PageTask:
    """One page to write: where, with which template, from which (JSON-able) context."""

    path: str  # relative to the docs folder, e.g. "units/police.md"
    template: str
    title: str
    context: dict = field(default_factory=dict, compare=False)
    # Out of the navigation: a page reached from another page's links. Every page carries the whole
    # navigation, so a county's hundreds of village pages in it would make every page of the site large.
    in_nav: bool = True


def front_matter_problem(page: str) -> str | None:
    """Why the page's front matter is not what templates write (a mapping of known keys), or None."""
    if not page.startswith("---\n"):
        return None
    end = page.find("\n---\n", 3)
    if end < 0:
        return "页面头没有结束行"
    try:
        data = parse_yaml(page[4:end])
    except yaml.YAMLError as exc:
        return f"页面头不是有效的 YAML：{str(exc).splitlines()[0]}"
    if not isinstance(data, dict) or not set(data) <= FRONT_MATTER_KEYS:
        return f"页面头只能有 {'、'.join(sorted(FRONT_MATTER_KEYS))}"
    if any(isinstance(v, str) and BREAKS.search(v) for v in data.values()):
        return "页面头的值中有换行"
    return None


def render_page(env: jinja2.Environment, task: PageTask) -> str:
    page = env.get_template(task.template).render(page_path=task.path, title=task.title, **task.context)
    why = front_matter_problem(page)
    if why:  # a value that escaped its line would set keys of its own: stop, name the page
        raise InputError(Problem(task.path, f"生成的页面有误（{task.template}）：{why}"))
    return page


def render_pages(
    env: jinja2.Environment, tasks: list[PageTask], kept: KeyedFiles | None = None
) -> dict[str, str]:
    """Every task on its own; the result does not depend on the order they run in. `kept`: pages rendered
    before, by their template code, path, title and context (a monthly rebuild changes a few village
    pages of hundreds); a context that is not plain JSON is rendered every time."""
    if kept is None:
        return {task.path: render_page(env, task) for task in tasks}
    code = template_code(env, "generators.website")
    pages = {}
    for task in tasks:
        try:
            source = json.dumps([code, task.path, task.template, task.title, task.context], sort_keys=True)
        except (TypeError, ValueError):
            pages[task.path] = render_page(env, task)
            continue
        key = hashlib.sha256(source.encode()).hexdigest()
        found = kept.get(key)
        if found is None:
            pages[task.path] = render_page(env, task)
            kept.put(key, pages[task.path].encode())
        else:
            pages[task.path] = found.decode()
    return pages


def template_code(env: jinja2.Environment, *modules: str) -> str:
    """What pages are made with besides their data: every template, our `modules` that render them
    (filters, contexts) and jinja2's version."""
    from importlib.metadata import version

    digest = hashlib.sha256(version("jinja2").encode())
    digest.update(source_digest(*modules).encode())
    for folder in getattr(env.loader, "searchpath", []):
        for path in sorted(Path(folder).rglob("*")):
            if path.is_file():
                digest.update(path.relative_to(folder).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()
