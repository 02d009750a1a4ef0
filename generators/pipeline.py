"""The build as a list of stages. Each stage is a function of the settings and the results of the stages
before it, and returns a small dataclass, so that it can be run, tested or cached on its own:

    policies → registry → month → pages → public print → restricted print → site → publish

Nothing reaches `site/` or `restricted/` before the last stage: the site and the month's restricted
folder are built aside (staging folders next to them) and swapped in together at the end.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import jinja2

from generators.assessment.criteria import Criteria, PilotList, read_criteria, read_pilots
from generators.assessment.definition import form_definition
from generators.assessment.forms import assessment_workbook, xlsform_workbook
from generators.assessment.ingest import read_submissions
from generators.assessment.scoring import Assessment, assess, not_submitted, registry_facts
from generators.config.paths import DataPaths
from generators.config.settings import Settings
from generators.core.errors import InputError, Problem, display_path
from generators.core.files import (
    fill_folder,
    make_private,
    remove_leftovers,
    staging_folder,
    swap_in,
    write_tree,
)
from generators.core.months import Month
from generators.policy.build import build_policy_model
from generators.policy.editions import Edition, read_editions
from generators.policy.model import PolicyModel
from generators.policy.review import review_report
from generators.policy.work_calendar import WorkCalendar, work_calendar
from generators.printing.fonts import PrintFonts, prepare_print_fonts
from generators.printing.handbook import handbook_jobs
from generators.printing.jobs import PrintJob, assessment_print_jobs, briefing_jobs
from generators.printing.pdf import PdfWriter
from generators.privacy.guard import guard, read_allowlist
from generators.privacy.pseudonyms import KEY_ENV, Pseudonymizer, load_key
from generators.registry.briefings import TownshipPack, briefing_packs
from generators.registry.config import RegistryConfig, read_registry_config
from generators.registry.figures import PublicFigures, on_place_list, public_figures
from generators.registry.local_rules import CountyRules, county_rules
from generators.registry.monthly import AreaMonth, default_report_month, month_tasks, monthly_areas
from generators.registry.pii import personal_values, place_words
from generators.registry.places import PlaceList, read_places
from generators.registry.rejected import rejected_workbook
from generators.registry.schema import RegistrySchema, read_schema
from generators.registry.synthetic import SyntheticSettings, write_synthetic_registry
from generators.registry.template import registry_workbook
from generators.registry.validate import RegistryImport, import_registry, import_summary
from generators.website.assessment_pages import assessment_pages
from generators.website.assessment_pages import downloads as form_downloads
from generators.website.edition_pages import edition_tasks, mark_outdated, redirect_page, versions_json
from generators.website.mkdocs_build import VersionBuild, build_site, search_dictionary
from generators.website.pages import COVERAGE_PAGE, navigation, unit_pdf
from generators.website.registry_pages import registry_pages
from generators.website.render import PageTask, make_environment, render_pages

TEMPLATE_PATH = "downloads/registry-template.xlsx"
NOT_PRINTED = ("guide.md", COVERAGE_PAGE)  # pages for reading on screen, not in the printed handbook


def handbook_pdf_path(edition: Edition) -> str:
    return f"downloads/手册-{edition.number}.pdf"


# --- 1. policies ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Policies:
    """Every edition's policy model and work calendar; the working data is the last edition."""

    editions: list[Edition]
    models: dict[str, PolicyModel]
    calendars: dict[str, WorkCalendar]

    @property
    def current(self) -> Edition:
        return self.editions[-1]  # the newest edition, or the draft after it

    @property
    def latest(self) -> Edition:
        """What the `latest` alias points to: the newest published edition."""
        published = [e for e in self.editions if e.published]
        return published[-1] if published else self.editions[-1]

    @property
    def model(self) -> PolicyModel:
        return self.models[self.current.number]

    @property
    def calendar(self) -> WorkCalendar:
        return self.calendars[self.current.number]


def load_policies(settings: Settings) -> Policies:
    editions = read_editions(settings.data)
    models = {e.number: build_policy_model(DataPaths(e.data)) for e in editions}
    return Policies(editions, models, {n: work_calendar(m) for n, m in models.items()})


# --- 2. registry ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Registry:
    config: RegistryConfig
    schema: RegistrySchema
    rules: CountyRules  # per township, from the documents data/places.yaml says it follows
    imported: RegistryImport
    folder: Path
    month: Month  # the report month
    places: PlaceList

    @property
    def summary(self) -> dict:
        return import_summary(self.imported)


def import_registries(settings: Settings, policies: Policies) -> Registry:
    """The registry's files (the synthetic default is generated into build/), imported and validated."""
    config = read_registry_config(settings.registry_config)
    schema = read_schema(settings.registry_schema)
    places = read_places(settings.places)
    rules = county_rules(policies.model, places, config.periodic_contact_days, display_path(settings.places))
    data_month = settings.month.shift(-1) if settings.month else None
    if settings.registry is not None or config.source != "synthetic":
        folder = settings.registry or (settings.data / config.source)
    else:
        synthetic = SyntheticSettings.from_config(config.synthetic, **dict(settings.synthetic_size))
        folder = settings.build / "registry-default"
        write_tree({}, None, folder)  # start empty: no stale villages
        files = write_synthetic_registry(synthetic, rules.narrowest_ages(), schema, folder)
        # the generated county's places (its files are named 乡镇-村.xlsx) join the list: made by our code
        places = places.with_places([tuple(p.stem.split("-", 1)) for p in files])  # type: ignore[misc]
        data_month = data_month or Month.of(synthetic.as_of)
    # Dates are checked against the end of the data month. Real files without --month decide their own
    # month (the one after their newest date), so the only bound left is that nothing lies after today.
    as_of = data_month.end if data_month else dt.date.today()
    imported = import_registry(folder, schema, places, policies.model, rules, as_of)
    if settings.month is None and not (imported.cases or imported.contacts):
        raise InputError(
            Problem(display_path(folder), "台账中没有可用的行，无法确定报表月份：请用 --month 指定")
        )
    month = settings.month or default_report_month(imported.contacts, imported.cases)
    return Registry(config, schema, rules, imported, folder, month, places)


# --- 3. the month: figures per area, and the 双零 self-assessments ------------------------------------
@dataclass(frozen=True)
class MonthFigures:
    county: AreaMonth
    criteria: Criteria
    pilots: PilotList
    assessments: dict[str, Assessment]
    submitted: int


def derive_month(settings: Settings, policies: Policies, registry: Registry) -> MonthFigures:
    model, month = policies.model, registry.month
    # Places as the county's list spells them: the registry's own spelling never reaches a page or a path.
    cases = on_place_list(registry.imported.cases, registry.places)
    county = monthly_areas(cases, registry.imported.contacts, month, registry.rules)
    criteria = read_criteria(settings.assessment / "criteria.yaml", model)
    pilots = read_pilots(settings.assessment / "pilots.yaml")
    submissions = {
        s.pilot.key: s for s in read_submissions(settings.assessment / "submissions", criteria, pilots)
    }
    data_end = month.shift(-1).end
    assessments = {
        p.key: assess(criteria, submissions[p.key], registry_facts(registry.imported.cases, p, data_end))
        if p.key in submissions
        else not_submitted(criteria, p)
        for p in pilots.pilots
    }
    return MonthFigures(county, criteria, pilots, assessments, len(submissions))


# --- 4. pages and workbooks --------------------------------------------------------------------------
@dataclass(frozen=True)
class Pages:
    env: jinja2.Environment
    versions: dict[str, tuple[list[PageTask], dict[str, str]]]  # edition → (page tasks, rendered Markdown)
    live_paths: set[str]  # pages only the latest edition has (registry, pilots)
    downloads: dict[str, bytes]  # workbooks published with the latest edition
    report: dict  # what a person should look at (build/report.json)


def render_site_pages(
    settings: Settings, policies: Policies, registry: Registry, figures: MonthFigures
) -> Pages:
    model = policies.model
    env = make_environment(settings.templates)
    live = registry_pages(
        model,
        registry_figures(policies, registry, figures),
        registry.schema,
        "../" + TEMPLATE_PATH,
        registry.summary,
        registry.imported.unreadable,
        registry.places,
    )
    live += assessment_pages(
        figures.criteria, figures.pilots, figures.assessments, model, registry.month.year
    )
    tasks = edition_tasks(
        policies.editions, policies.models, policies.calendars, policies.latest, live, handbook_pdf_path
    )
    rendered = mark_outdated(
        {number: render_pages(env, pages) for number, pages in tasks.items()},
        policies.editions,
        policies.latest,
    )
    versions = {number: (pages, rendered[number]) for number, pages in tasks.items()}
    report = review_report(model)
    settings.build.mkdir(parents=True, exist_ok=True)
    (settings.build / "policy-model.json").write_text(
        json.dumps(model.to_json(), ensure_ascii=False, indent=1, sort_keys=True) + "\n", encoding="utf-8"
    )
    (settings.build / "report.json").write_text(
        json.dumps({**report, "registry": registry.summary}, ensure_ascii=False, indent=1) + "\n",
        encoding="utf-8",
    )
    for e in policies.editions:
        search_dict(settings, e).write_text(search_dictionary(policies.models[e.number]), encoding="utf-8")
    downloads = {TEMPLATE_PATH: registry_workbook(registry.schema)}
    for p in figures.pilots.pilots:
        files = form_downloads(p)
        definition = form_definition(figures.criteria, p)
        downloads[files["xlsx"]] = assessment_workbook(definition)
        downloads[files["xlsform"]] = xlsform_workbook(definition)
    return Pages(env, versions, {t.path for t in live}, downloads, report)


def registry_figures(policies: Policies, registry: Registry, figures: MonthFigures) -> PublicFigures:
    """Every number the public registry pages show, suppressed and audited as one system."""
    model = policies.model
    return public_figures(
        figures.county,
        list(model.groups),
        {g: model.groups[g].short for g in model.groups},
        registry.config.suppress_below,
    )


def search_dict(settings: Settings, edition: Edition) -> Path:
    return settings.build / f"search-dict-{edition.number}.txt"


# --- 5. print: every PDF's HTML, the fonts they need, and the public PDFs ----------------------------
@dataclass(frozen=True)
class PrintPlan:
    """The print jobs of this build and the writer that lays them out with fonts cut for their text."""

    public: list[PrintJob]  # fillable forms, the pilots' summary
    editions: dict[str, list[PrintJob]]  # the handbook and unit PDFs of each edition
    restricted: list[PrintJob]  # briefing sheets and packs, assessment reports
    report_jobs: list[PrintJob]
    packs: list[TownshipPack]
    fonts: PrintFonts
    writer: PdfWriter
    new_key: bool  # a pseudonym key was made by this build


def plan_print(
    settings: Settings, policies: Policies, registry: Registry, figures: MonthFigures, pages: Pages
) -> PrintPlan:
    model, month, env = policies.model, registry.month, pages.env
    new_key = not os.environ.get(KEY_ENV) and not settings.key_file.exists()
    packs = briefing_packs(
        figures.county,
        model,
        Pseudonymizer(load_key(settings.key_file)),
        month_tasks(policies.calendar, model, month),
        registry.rules,
        registry.imported.unreadable,
    )
    public, report_jobs = assessment_print_jobs(
        env, figures.criteria, figures.pilots, figures.assessments, model, month.year
    )
    restricted = briefing_jobs(env, packs) + report_jobs
    editions = {}
    for e in policies.editions:
        tasks, rendered = pages.versions[e.number]
        printed = [t for t in tasks if t.path not in pages.live_paths and t.path not in NOT_PRINTED]
        editions[e.number] = handbook_jobs(
            env,
            {
                "number": e.number,
                "label": e.label,
                "title": e.title,
                "notes": e.notes,
                "date": (e.date or month.start).isoformat(),
            },
            printed,
            rendered,
            handbook_pdf_path(e),
            unit_pdf,
        )
    every_job = public + restricted + [j for jobs in editions.values() for j in jobs]
    fonts = prepare_print_fonts(settings.cache / "fonts", [j.html for j in every_job])
    writer = PdfWriter(env, fonts, cache=settings.cache / "pdf")
    return PrintPlan(public, editions, restricted, report_jobs, packs, fonts, writer, new_key)


def print_public(settings: Settings, policies: Policies, pages: Pages, plan: PrintPlan, tick=None) -> None:
    """Public PDFs, written with each edition's pages into build/docs/<edition> for mkdocs."""
    downloads: dict[str, bytes | str] = dict(pages.downloads)
    downloads.update(plan.writer.render_all(plan.public, progress=tick, forms=True))
    for e in policies.editions:
        files: dict[str, bytes | str] = {
            **pages.versions[e.number][1],
            **plan.writer.render_all(plan.editions[e.number], progress=tick, public=True),
        }
        write_tree(
            {**files, **downloads} if e is policies.latest else files,
            settings.static_docs,
            settings.docs_out / e.number,
        )


# --- 6. restricted output, built aside -----------------------------------------------------------------
@dataclass
class Staged:
    """Folders built aside, swapped in by `publish` (or removed when the build fails)."""

    folders: list[tuple[Path, Path]] = field(default_factory=list)  # (staging, destination)

    def discard(self) -> None:
        for staging, _ in self.folders:
            shutil.rmtree(staging, ignore_errors=True)


def restricted_folder(settings: Settings, registry: Registry) -> Path:
    """One folder per report month, replaced whole: earlier months' packs stay as they were."""
    return settings.restricted / str(registry.month)


def print_restricted(
    settings: Settings, registry: Registry, pages: Pages, plan: PrintPlan, staged: Staged, tick=None
) -> None:
    dest = restricted_folder(settings, registry)
    settings.restricted.mkdir(mode=0o700, parents=True, exist_ok=True)  # private when we make it
    remove_leftovers(dest)
    staging = staging_folder(dest)
    staged.folders.append((staging, dest))
    outputs: dict[str, bytes | str] = dict(plan.writer.render_all(plan.restricted, progress=tick))
    imported = registry.imported
    outputs["台账退回.xlsx"] = rejected_workbook(
        registry.schema, imported.rejected, imported.warnings, imported.files, imported.notes
    )
    outputs["说明.txt"] = pages.env.get_template("print/restricted_readme.txt.j2").render(
        month=registry.month.label,
        packs=plan.packs,
        rejected=len(imported.rejected),
        warnings=len(imported.warnings),
        unreadable=[t + v for t, v in imported.unreadable],
        unused=[str(f.problem) for f in imported.files if f.outcome in ("file-error", "superseded")],
        reports=[j.path for j in plan.report_jobs],
    )
    fill_folder(staging, outputs)
    make_private(staging)


# --- 7. the site ----------------------------------------------------------------------------------------
def build_date(model: PolicyModel) -> int:
    """The build's timestamp, from the inputs (the newest document date), never from the clock."""
    dates = [d.meta.date for d in model.documents if d.meta.date]
    day = dt.date.fromisoformat(max(dates)) if dates else dt.date(2000, 1, 1)
    return int(dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC).timestamp())


def build_handbook_site(
    settings: Settings, policies: Policies, registry: Registry, pages: Pages, staged: Staged
) -> None:
    """mkdocs for every edition into a staging folder, checked for registry PII before it may be published."""
    builds = [
        VersionBuild(
            e.number,
            settings.docs_out / e.number,
            navigation(pages.versions[e.number][0]),
            search_dict(settings, e),
        )
        for e in policies.editions
    ]
    needles = personal_values(registry.imported, registry.schema)
    public_words = place_words(registry.places)  # the list is shown on the guide page
    allowlist = read_allowlist(settings.privacy_allowlists)
    hint = " 或 ".join(display_path(p) for p in settings.privacy_allowlists)
    staging = build_site(
        settings.mkdocs_config,
        builds,
        settings.site,
        build_date(policies.model),
        {
            "versions.json": versions_json(policies.editions, policies.latest),
            "index.html": redirect_page("latest/index.html"),
        },
        {"latest": policies.latest.number},
        check=lambda folder: guard(
            folder, needles, public_words, allowlist, hint, settings.cache / "pii-clean"
        ),
    )
    staged.folders.append((staging, settings.site))


# --- 8. publish -----------------------------------------------------------------------------------------
def publish(staged: Staged) -> None:
    """Swap every staged folder in; each swap is atomic where the system allows."""
    for staging, dest in staged.folders:
        swap_in(staging, dest)
    staged.folders.clear()
