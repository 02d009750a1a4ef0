"""Render: jinja2 templates → Markdown pages. Each page is an independent task that can run on its own."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import jinja2

MD_SPECIAL = re.compile(r"([\\`*_{}\[\]#|])")


def md_escape(text: str | None) -> str:
    """Plain policy text made safe inside Markdown (and Markdown tables)."""
    if text is None:
        return ""
    return MD_SPECIAL.sub(r"\\\1", str(text)).replace("<", "&lt;").replace(">", "&gt;")


def attr_escape(text: str | None) -> str:
    """Text for a link title in quotes."""
    return md_escape(text).replace('"', "&quot;")


def cn_date(iso: str | None) -> str:
    if not iso:
        return "无日期"
    parts = iso.split("-")
    labels = ["年", "月", "日"]
    return "".join(f"{int(p)}{labels[i]}" for i, p in enumerate(parts))


def make_environment(templates: Path) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates)),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        # Markdown pages escape text with the md filter where it is placed; print HTML is autoescaped.
        autoescape=jinja2.select_autoescape(
            enabled_extensions=("html.j2",), default_for_string=False, default=False
        ),
    )
    env.filters["md"] = md_escape
    env.filters["attr"] = attr_escape
    env.filters["cn_date"] = cn_date
    return env


@dataclass(frozen=True)
class PageTask:
    """One page to write: where, with which template, from which (JSON-able) context."""

    path: str  # relative to the docs folder, e.g. "units/police.md"
    template: str
    title: str
    context: dict = field(default_factory=dict, compare=False)


def render_page(env: jinja2.Environment, task: PageTask) -> str:
    return env.get_template(task.template).render(page_path=task.path, title=task.title, **task.context)


def render_pages(env: jinja2.Environment, tasks: list[PageTask]) -> dict[str, str]:
    """Every task on its own; the result does not depend on the order they run in."""
    return {task.path: render_page(env, task) for task in tasks}
