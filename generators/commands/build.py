"""`build`: policy texts → model → pages → site, with progress and a report of what needs a look."""
from __future__ import annotations

import datetime as dt
import json

from generators.calendar import work_calendar
from generators.pages import handbook_pages, navigation
from generators.policy import build_policy_model
from generators.progress import Progress
from generators.render import make_environment
from generators.settings import Settings
from generators.site import build_site, render_pages, search_dictionary, write_tree

STATIC_PAGES = [("guide.md", "使用说明")]


def build_date(model) -> int:
    """The build's timestamp, from the inputs (the newest document date), never from the clock."""
    dates = [d.meta.date for d in model.documents if d.meta.date]
    day = dt.date.fromisoformat(max(dates)) if dates else dt.date(2000, 1, 1)
    return int(dt.datetime(day.year, day.month, day.day, tzinfo=dt.timezone.utc).timestamp())


def report(model) -> dict:
    """What the build found that a person should look at: unmatched unit strings, stale overrides."""
    return {
        "unmatched_units": [{"text": m.text, "source": str(m.source)} for m in model.unmatched],
        "explained_units": [{"text": m.text, "unit": m.unit, "source": str(m.source)}
                            for m in model.mentions if m.how == "explained"],
        "warnings": list(model.warnings),
    }


def run(settings: Settings, quiet: bool = False) -> dict:
    progress = Progress(total=4, quiet=quiet)
    with progress.stage("读取政策文本并抽取职责") as step:
        model = build_policy_model(settings.data_paths)
        step.note = (f"{len(model.documents)} 份文件，{sum(len(d.clauses) for d in model.documents)} 个条款，"
                     f"{len(model.assignments)} 条职责")
    with progress.stage("生成页面") as step:
        env = make_environment(settings.templates)
        tasks = handbook_pages(model, work_calendar(model))
        pages = render_pages(env, tasks)
        found = report(model)
        settings.build.mkdir(parents=True, exist_ok=True)
        (settings.build / "policy-model.json").write_text(
            json.dumps(model.to_json(), ensure_ascii=False, indent=1, sort_keys=True) + "\n", encoding="utf-8")
        (settings.build / "report.json").write_text(
            json.dumps(found, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        (settings.build / "search-dict.txt").write_text(search_dictionary(model), encoding="utf-8")
        write_tree(pages, settings.static_docs, settings.docs_out)
        step.note = f"{len(pages)} 页"
    with progress.stage("构建站点（mkdocs）"):
        build_site(settings.mkdocs_config, settings.docs_out, settings.site,
                   navigation(tasks, STATIC_PAGES), settings.build / "search-dict.txt", build_date(model))
    with progress.stage("检查"):
        for w in found["warnings"]:
            progress.say(f"  警告：{w}")
        for m in found["unmatched_units"]:
            progress.say(f"  未识别的单位名称：{m['text']}（{m['source']}）")
    progress.finish(f"站点已生成：{settings.site}")
    return found
