"""`build`: policy texts and registry → model → pages → site and restricted outputs, with progress."""
from __future__ import annotations

import datetime as dt
import json
import os
import tempfile
from pathlib import Path

from generators.assessment import read_criteria, read_pilots
from generators.assessment_forms import assessment_workbook, xlsform_workbook
from generators.assessment_ingest import read_submissions
from generators.assessment_pages import assessment_pages, assessment_print_jobs
from generators.assessment_pages import downloads as form_downloads
from generators.briefing_sheets import briefing_jobs, briefing_packs
from generators.briefings import Month, contact_rules, default_report_month, month_tasks, monthly_areas
from generators.calendar import work_calendar
from generators.edition_pages import edition_tasks, redirect_page, versions_json
from generators.editions import read_editions
from generators.errors import display_path
from generators.fonts import prepare_print_fonts
from generators.handbook_pdf import handbook_jobs
from generators.pages import navigation, unit_pdf
from generators.policy import DataPaths, build_policy_model
from generators.pdf import PdfWriter
from generators.privacy import KEY_ENV, Pseudonymizer, guard, load_key
from generators.progress import Progress
from generators.registry import (
    age_rules, import_registry, import_summary, read_registry_config, read_schema, registry_files,
)
from generators.registry_pages import registry_pages
from generators.render import make_environment
from generators.scoring import assess, not_submitted, registry_facts
from generators.settings import Settings
from generators.site import VersionBuild, build_site, render_pages, search_dictionary, write_tree
from generators.synthetic import SyntheticSettings, write_synthetic_registry
from generators.workbooks import registry_workbook, rejected_workbook

TEMPLATE_PATH = "downloads/registry-template.xlsx"


def workbook_bytes(write) -> bytes:
    """The bytes of a workbook that `write(path)` saves (openpyxl writes to paths)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "book.xlsx"
        write(path)
        return path.read_bytes()


def handbook_pdf_path(edition) -> str:
    return f"downloads/手册-{edition.number}.pdf"


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


def load_registry(settings: Settings, model, config, schema, rules):
    """The registry's files (the synthetic default is generated into build/) and their import."""
    if settings.registry is not None or config.source != "synthetic":
        folder = settings.registry or (settings.data / config.source)
        files = registry_files(folder)
        as_of_month = Month.parse(settings.month).shift(-1) if settings.month else None
    else:
        synthetic = SyntheticSettings.from_config(config.synthetic, **dict(settings.synthetic_size))
        folder = settings.build / "registry-default"
        write_tree({}, None, folder)  # start empty: no stale villages
        files = write_synthetic_registry(synthetic, rules, schema, folder)
        as_of_month = Month.parse(settings.month).shift(-1) if settings.month else Month.of(synthetic.as_of)
    # Dates are checked against the end of the data month. Real files without --month decide their own
    # month (the one after their newest date), so the only bound left is that nothing lies after today.
    as_of = as_of_month.end if as_of_month else dt.date.today()
    return import_registry(files, schema, model, rules, as_of), files


def run(settings: Settings, quiet: bool = False) -> dict:
    progress = Progress(total=7, quiet=quiet)
    with progress.stage("读取政策文本并抽取职责（各版本）") as step:
        editions = read_editions(settings.data)
        models = {e.number: build_policy_model(DataPaths(e.data)) for e in editions}
        calendars = {number: work_calendar(m) for number, m in models.items()}
        model = models[editions[-1].number]  # the working data: the newest edition, or the draft after it
        calendar = calendars[editions[-1].number]
        published = [e for e in editions if e.published]
        latest = published[-1] if published else editions[-1]
        step.note = (f"版本 {'、'.join(e.number for e in editions)}；当前 {len(model.documents)} 份文件，"
                     f"{sum(len(d.clauses) for d in model.documents)} 个条款，{len(model.assignments)} 条职责")
    with progress.stage("导入台账") as step:
        config = read_registry_config(settings.registry_config)
        schema = read_schema(settings.registry_schema)
        rules = age_rules(model, list(config.age_rules_from))
        imported, files = load_registry(settings, model, config, schema, rules)
        summary = import_summary(imported)
        month = Month.parse(settings.month) if settings.month else default_report_month(imported.contacts, imported.cases)
        step.note = (f"{summary['files']} 个文件，个案接收 {summary['cases_accepted']}/退回 {summary['cases_rejected']}，"
                     f"联系记录接收 {summary['contacts_accepted']}/退回 {summary['contacts_rejected']}；报表月份 {month}")
    with progress.stage("月度汇总与双零试点自评") as step:
        crules = contact_rules(model, config.periodic_contact_days)
        county = monthly_areas(imported.cases, imported.contacts, month, rules, crules)
        criteria = read_criteria(settings.assessment / "criteria.yaml", model)
        pilots = read_pilots(settings.assessment / "pilots.yaml")
        submissions = {s.pilot.key: s for s in read_submissions(settings.assessment / "submissions", criteria, pilots)}
        data_end = month.shift(-1).end
        assessments = {p.key: assess(criteria, submissions[p.key], registry_facts(imported.cases, p, data_end))
                       if p.key in submissions else not_submitted(criteria, p) for p in pilots.pilots}
        step.note = (f"{len(pilots.pilots)} 个试点单位，收到自评表 {len(submissions)} 份："
                     + "、".join(f"{p.community}{assessments[p.key].result}" for p in pilots.pilots))
    with progress.stage("生成页面和表单") as step:
        env = make_environment(settings.templates)
        live = registry_pages(model, county, schema, config.suppress_below, "../" + TEMPLATE_PATH, summary)
        live += assessment_pages(criteria, pilots, assessments, model, month.year)
        live_paths = {t.path for t in live}
        versions = {number: (tasks, render_pages(env, tasks))
                    for number, tasks in edition_tasks(editions, models, calendars, latest, live, handbook_pdf_path).items()}
        found = report(model)
        settings.build.mkdir(parents=True, exist_ok=True)
        (settings.build / "policy-model.json").write_text(
            json.dumps(model.to_json(), ensure_ascii=False, indent=1, sort_keys=True) + "\n", encoding="utf-8")
        (settings.build / "report.json").write_text(
            json.dumps({**found, "registry": summary}, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        for e in editions:
            (settings.build / f"search-dict-{e.number}.txt").write_text(search_dictionary(models[e.number]),
                                                                       encoding="utf-8")
        downloads = {TEMPLATE_PATH: workbook_bytes(lambda path: registry_workbook(schema, path))}
        for p in pilots.pilots:
            files = form_downloads(p)
            downloads[files["xlsx"]] = workbook_bytes(lambda path, p=p: assessment_workbook(criteria, p, model, path))
            downloads[files["xlsform"]] = workbook_bytes(lambda path, p=p: xlsform_workbook(criteria, p, model, path))
        step.note = (f"{len(editions)} 个版本共 {sum(len(pages) for _, pages in versions.values())} 页，"
                     f"{len(downloads)} 个 Excel 表")
    with progress.stage("准备打印字体，生成公开的 PDF（手册、单位职责、自评表、试点汇总）") as step:
        new_key = not os.environ.get(KEY_ENV) and not settings.key_file.exists()
        packs = briefing_packs(county, model, Pseudonymizer(load_key(settings.key_file)),
                               month_tasks(calendar, model, month), crules)
        public_jobs, report_jobs = assessment_print_jobs(env, criteria, pilots, assessments, model, month.year)
        restricted_jobs = briefing_jobs(env, packs) + report_jobs
        print_editions = {e.number: handbook_jobs(
            env, {"number": e.number, "label": e.label, "title": e.title, "notes": e.notes,
                  "date": (e.date or month.start).isoformat()},
            [t for t in versions[e.number][0] if t.path not in live_paths and t.path != "guide.md"],
            versions[e.number][1], handbook_pdf_path(e), unit_pdf) for e in editions}
        every_job = public_jobs + restricted_jobs + [j for jobs in print_editions.values() for j in jobs]
        fonts = prepare_print_fonts(settings.cache / "fonts", [j.html for j in every_job])
        writer = PdfWriter(env, fonts, cache=settings.cache / "pdf")
        downloads.update(writer.render_all(public_jobs, progress=step.tick, forms=True))
        for e in editions:
            pages = {**versions[e.number][1],
                     **writer.render_all(print_editions[e.number], progress=step.tick, public=True)}
            write_tree({**pages, **downloads} if e is latest else pages, settings.static_docs,
                       settings.docs_out / e.number)
        step.note = (f"{len(public_jobs) + sum(len(j) for j in print_editions.values())} 份 PDF；" + (f"首次从 Noto Sans CJK SC 裁出打印字体并缓存于 "
                     f"{display_path(settings.cache / 'fonts')}" if fonts.made else "打印字体已缓存"))
    with progress.stage("构建站点并检查隐私（mkdocs，各版本）"):
        builds = [VersionBuild(e.number, settings.docs_out / e.number, navigation(versions[e.number][0]),
                               settings.build / f"search-dict-{e.number}.txt") for e in editions]
        public_texts = [d.text for m in models.values() for d in m.documents]
        build_site(settings.mkdocs_config, builds, settings.site, build_date(model),
                   {"versions.json": versions_json(editions, latest),
                    "index.html": redirect_page("latest/index.html")}, {"latest": latest.number},
                   check=lambda staged: guard(staged, imported.cases, public_texts, settings.cache / "pii-clean"))
    with progress.stage("生成简报和评估报告 PDF，写入受限目录（个人信息）") as step:
        outputs = writer.render_all(restricted_jobs, progress=step.tick)
        outputs["台账退回.xlsx"] = workbook_bytes(lambda path: rejected_workbook(schema, path, imported.rejected))
        outputs["说明.txt"] = env.get_template("print/restricted_readme.txt.j2").render(
            month=month.label, packs=packs, rejected=len(imported.rejected), reports=[j.path for j in report_jobs])
        # One folder per report month, replaced whole: earlier months' packs stay as they were.
        write_tree(outputs, None, settings.restricted / str(month))
        step.note = (f"{sum(len(p.sheets) for p in packs)} 份村（社区）简报，{len(packs)} 份乡镇汇编，"
                     f"{len(report_jobs)} 份试点评估报告，退回 {len(imported.rejected)} 行")
        if fonts.missing:
            found["warnings"].append(f"字体中没有这些字，PDF 中可能显示为方框：{''.join(fonts.missing)}")
    if new_key:
        progress.say(f"  已生成化名密钥 {display_path(settings.key_file)}（git 不跟踪）：请备份，换密钥会改变全部化名编号")
    for w in found["warnings"]:
        progress.say(f"  警告：{w}")
    for m in found["unmatched_units"]:
        progress.say(f"  未识别的单位名称：{m['text']}（{m['source']}）")
    for a in assessments.values():
        for problem in a.problems:
            progress.say(f"  自评表问题：{problem}")
    for note in imported.notes:
        progress.say(f"  台账提示：{note}")
    for row in imported.rejected[:20]:
        progress.say(f"  台账退回：{'；'.join(str(p) for p in row.problems)}")
    if len(imported.rejected) > 20:
        progress.say(f"  ……另有 {len(imported.rejected) - 20} 行退回，详见 {settings.restricted / str(month) / '台账退回.xlsx'}")
    progress.finish(f"站点已生成：{settings.site}；简报等个人信息输出（勿公开）：{settings.restricted / str(month)}")
    return {**found, "registry": summary, "month": str(month)}
