"""The build as a list of stages. Each stage is a function of the settings and the results of the stages
before it, and returns a small dataclass, so that it can be run, tested or cached on its own:

    policies → registry → month → handbook pages, public print → site pages → print plan
             → public and restricted PDFs, site → publish

The public PDFs are handed to the workers as soon as they are planned (they do not depend on the
registry's pages), while this process goes on with the registry's pages and the sheets.

Nothing reaches `site/` or `restricted/` before the last stage: the site and the month's restricted
folder are built aside (staging folders next to them) and swapped in together at the end.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import itertools
import json
import os
import re
import shutil
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import Any, TypeVar

import jinja2

from generators.assessment.criteria import Criteria, PilotList, read_criteria, read_pilots
from generators.assessment.definition import form_definition
from generators.assessment.forms import assessment_workbook, xlsform_workbook
from generators.assessment.ingest import Submission, read_submissions
from generators.assessment.scoring import Assessment, assess, not_submitted, registry_facts
from generators.config.paths import DataPaths
from generators.config.settings import Settings
from generators.core.cache import KeyedFiles, SignedFiles, SignedPickles, source_digest
from generators.core.errors import InputError, Problem, display_path
from generators.core.executor import LATER, Executor, SerialExecutor
from generators.core.files import (
    fill_folder,
    link_files,
    make_private,
    remove_leftovers,
    staging_folder,
    swap_in,
    sync_folder,
    write_tree,
)
from generators.core.memory import made_anew
from generators.core.months import Month
from generators.policy.build import build_policy_model
from generators.policy.citations import clause_label
from generators.policy.editions import Edition, read_editions
from generators.policy.model import PolicyModel
from generators.policy.model_cache import models_key
from generators.policy.review import review_report
from generators.policy.work_calendar import WorkCalendar, work_calendar
from generators.printing.fonts import PrintFonts, fonts_for, printed_chars, with_made
from generators.printing.handbook import handbook_jobs, handbook_key, jobs_from_json, jobs_to_json
from generators.printing.jobs import (
    PrintJob,
    assessment_public_jobs,
    assessment_report_jobs,
    briefing_jobs,
    pack_job,
    sheet_jobs,
)
from generators.printing.packs import SheetPrint, TownshipPrint, joiner, print_township
from generators.printing.pdf import PdfCache, PrintSetup, document_key, print_setup, render_document
from generators.privacy.guard import guard, read_allowlist
from generators.privacy.pseudonyms import KEY_ENV, Pseudonymizer, load_key
from generators.registry.briefings import KeptPacks, TownshipPack, briefing_packs, sheet_count
from generators.registry.config import RegistryConfig, read_registry_config
from generators.registry.figures import PublicFigures, on_place_list, public_figures
from generators.registry.local_rules import CountyRules, county_rules
from generators.registry.monthly import AreaTally, default_report_month, month_tasks, monthly_areas
from generators.registry.pii import PersonalValues, personal_values, place_words
from generators.registry.places import PlaceList, read_places
from generators.registry.read_cache import ReadCache, reader_code
from generators.registry.rejected import rejected_workbook
from generators.registry.schema import RegistrySchema, read_schema
from generators.registry.synthetic import (
    NOTHING_PRINTED,
    PrintedWords,
    SyntheticSettings,
    place_list_yaml,
    synthetic_places,
    with_synthetic_places,
    write_synthetic_registry,
)
from generators.registry.template import registry_workbook
from generators.registry.validate import (
    FileContext,
    RegistryImport,
    import_reads,
    import_summary,
    read_folder,
)
from generators.website.assessment_pages import assessment_pages
from generators.website.assessment_pages import downloads as form_downloads
from generators.website.edition_pages import (
    LIVE_SECTIONS,
    edition_tasks,
    mark_outdated,
    redirect_page,
    versions_json,
)
from generators.website.mkdocs_build import VersionBuild, build_site, search_dictionary
from generators.website.pages import COVERAGE_PAGE, navigation, not_in_nav, unit_pdf
from generators.website.registry_pages import registry_pages
from generators.website.render import (
    PageTask,
    compiled_templates,
    make_environment,
    render_pages,
    template_code,
)

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
    """Every edition's model and calendar: kept from the last build while its texts and our code are the
    same (signed with the pseudonym key; no key yet, nothing kept)."""
    editions = read_editions(settings.data)
    secret = pseudonym_key(settings)
    kept = SignedPickles(settings.cache / "policy-models", secret, b"policy models") if secret else None
    key = models_key(editions)
    found = kept.load(key) if kept else None
    if isinstance(found, tuple) and len(found) == 2:
        models, calendars = found
    else:
        models = {e.number: build_policy_model(DataPaths(e.data)) for e in editions}
        calendars = {n: work_calendar(m) for n, m in models.items()}
        if kept:
            kept.store_object(key, (models, calendars))
    if kept:
        kept.prune()  # one entry: the models of the data as it is now
    return Policies(editions, models, calendars)


def pseudonym_key(settings: Settings) -> bytes | None:
    """The pseudonym key, which signs what builds keep as pickles; None before one exists (not made here:
    `plan_print` makes it and says so)."""
    if not (os.environ.get(KEY_ENV) or settings.key_file.exists()):
        return None
    return load_key(settings.key_file)


# --- 2. registry ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Registry:
    config: RegistryConfig
    schema: RegistrySchema
    rules: CountyRules  # per township, from the documents data/places.yaml says it follows
    imported: RegistryImport
    folder: Path
    month: Month  # the report month
    places: PlaceList  # the county's place list; for a synthetic county, with its generated places
    reads: ReadCache | None = None  # the files' reads, pruned with the restricted output once published

    @cached_property
    def summary(self) -> dict:
        return import_summary(self.imported)

    @cached_property
    def personal(self) -> PersonalValues:
        """Its personal values: masked on the console and looked for in everything published. Found once
        (a county's rows take a second or so), before the site's thread starts."""
        return personal_values(self.imported, self.schema)


def import_registries(
    settings: Settings, policies: Policies, executor: Executor | None = None, tick=None
) -> Registry:
    """The registry's files (the synthetic default is generated into build/), read in parallel, one task
    per file (in this process without an executor), then validated together."""
    executor = executor or SerialExecutor()
    config = read_registry_config(settings.registry_config)
    schema = read_schema(settings.registry_schema)
    places = read_places(settings.places)
    data_month = settings.month.shift(-1) if settings.month else None
    synthetic = sized = None
    printed = NOTHING_PRINTED
    if settings.registry is not None or config.source != "synthetic":
        folder = settings.registry or (settings.data / config.source)
    else:
        synthetic = SyntheticSettings.from_config(config.synthetic, **dict(settings.synthetic_size))
        folder = settings.build / "registry-default"
        default = synthetic == SyntheticSettings.from_config(config.synthetic)
        sized, places, printed = synthetic_county(settings, policies, synthetic, places, default)
    rules = county_rules(policies.model, places, config.periodic_contact_days, display_path(settings.places))
    if synthetic is not None and sized is not None:
        write_tree({}, None, folder)  # start empty: no stale villages
        write_synthetic_registry(
            synthetic, rules.narrowest_ages(), schema, folder, sized, executor.run, printed
        )
        (settings.build / "registry-default-places.yaml").write_text(
            place_list_yaml(places), encoding="utf-8"
        )
        data_month = data_month or Month.of(synthetic.as_of)
    # Dates are checked against the end of the data month. Real files without --month decide their own
    # month (the one after their newest date), so the only bound left is that nothing lies after today.
    as_of = data_month.end if data_month else dt.date.today()
    cache = read_cache(settings)
    # what each file's rows are validated against, where the file is read
    context = FileContext.of(places, policies.model, rules, as_of, folder)
    listing, reads = read_folder(folder, schema, executor.run, tick, cache, context)
    imported = import_reads(folder, listing, reads, places, policies.model, rules, as_of)
    if settings.month is None and not (imported.cases or imported.contacts):
        raise InputError(
            Problem(display_path(folder), "台账中没有可用的行，无法确定报表月份：请用 --month 指定")
        )
    month = settings.month or default_report_month(imported.contacts, imported.cases)
    return Registry(config, schema, rules, imported, folder, month, places, cache)


def read_cache(settings: Settings) -> ReadCache | None:
    """The files' reads kept from the last build, inside the restricted output; none before there is a
    pseudonym key (its entries are signed with it)."""
    secret = _restricted_secret(settings)
    if secret is None:
        return None
    return ReadCache(settings.restricted / ".read-cache", secret, reader_code(settings.registry_schema))


def _restricted_secret(settings: Settings) -> bytes | None:
    """The pseudonym key for what a build keeps in the restricted output (made private here, when it is
    made); None before there is a key."""
    secret = pseudonym_key(settings)
    if secret is not None:
        settings.restricted.mkdir(mode=0o700, parents=True, exist_ok=True)
    return secret


Signed = TypeVar("Signed", SignedPickles, SignedFiles)


def _kept_signed(settings: Settings, store: type[Signed], folder: str, purpose: bytes) -> Signed | None:
    """A store of what a build keeps for the next inside the restricted output, private, its entries
    signed with the pseudonym key; None before there is a key."""
    secret = _restricted_secret(settings)
    if secret is None:
        return None
    return store(settings.restricted / folder, secret, purpose, private=True)


def synthetic_county(
    settings: Settings,
    policies: Policies,
    synthetic: SyntheticSettings,
    listed: PlaceList,
    default: bool = False,
) -> tuple[PlaceList, PlaceList, PrintedWords]:
    """The synthetic county at its size: its places, the county's list with the generated ones joined
    (made by our code), and the words its made-up people avoid. A county of any other size than the
    `default` has made-up places and people that are no words the site prints, so that the privacy guard
    finds none of them on a page, whatever the size (within the list, more people per village draw other
    names: one of them could be 张明, whom the guide's 张*明 would show). The default county is drawn
    as it always was: its builds are checked by the tests, and a row of it pasted into a policy text must
    still be found, not drawn anew."""
    texts = site_texts(settings, policies)
    sized = synthetic_places(synthetic, listed, PrintedWords.of(texts, place_words(listed)))
    places = with_synthetic_places(listed, sized)
    if places == listed and default:
        return sized, places, NOTHING_PRINTED
    return sized, places, PrintedWords.of([*texts, *place_texts(places)], place_words(places))


TEXT_SUFFIXES = (".txt", ".yaml", ".yml", ".md", ".j2", ".html", ".js", ".css", ".json")


def site_texts(settings: Settings, policies: Policies) -> list[str]:
    """Every text the site prints whatever the registry holds: the data folder's texts (policies of every
    edition, vocabularies, unit and group names), each clause as document pages print it (its label, then
    its text), the templates, the static files, mkdocs.yml and the theme's Chinese interface words."""
    files = [settings.mkdocs_config, *_theme_words()]
    for folder in (settings.data, settings.templates, settings.static_docs):
        files += sorted(p for p in folder.rglob("*") if p.suffix in TEXT_SUFFIXES and p.is_file())
    texts = [p.read_text(encoding="utf-8", errors="ignore") for p in files]
    for model in policies.models.values():
        for doc in model.documents:
            texts.append("\n".join(f"{clause_label(doc, c)} {c.text}" for c in doc.clauses.values()))
    return texts


def _theme_words() -> list[Path]:
    import importlib.util

    spec = importlib.util.find_spec("material")
    if spec is None or not spec.submodule_search_locations:
        return []
    found = Path(next(iter(spec.submodule_search_locations))) / "templates/partials/languages/zh.html"
    return [found] if found.exists() else []


def place_texts(places: PlaceList) -> list[str]:
    """The place names as lists print them, one after the other (a name may read across two of them);
    each name also begins and ends a stretch of text, as in a table's first column after its header
    (合计 | 宁滩村: a name may read across that edge too)."""
    townships = ["、".join((t.name, *(v.name for v in t.villages))) for t in places.townships]
    villages = "、".join(v.name for t in places.townships for v in t.villages)
    return ["、".join((places.county, *townships)), villages]


# --- 3. the month: figures per area, and the 双零 self-assessments ------------------------------------
@dataclass(frozen=True)
class PilotForms:
    """The 双零 pilots, the criteria they are assessed by, and the self-assessment forms they sent in."""

    criteria: Criteria
    pilots: PilotList
    submissions: dict[str, Submission]  # by pilot


def load_forms(settings: Settings, policies: Policies) -> PilotForms:
    """Read before the registry is (the build does): reading an exported form imports pandas, some
    hundreds of modules whose objects, made while a county's cases were held, stood scattered among them
    once they went, and held the memory the cases had taken."""
    criteria = read_criteria(settings.assessment / "criteria.yaml", policies.model)
    pilots = read_pilots(settings.assessment / "pilots.yaml")
    submissions = read_submissions(settings.assessment / "submissions", criteria, pilots)
    return PilotForms(criteria, pilots, {s.pilot.key: s for s in submissions})


@dataclass(frozen=True)
class MonthFigures:
    county: AreaTally  # the county, its townships and villages, counted
    packs: Sequence[TownshipPack]  # each township's briefing sheets (kept pickled: `KeptPacks`)
    criteria: Criteria
    pilots: PilotList
    assessments: dict[str, Assessment]
    submitted: int
    new_key: bool  # the pseudonym key the sheets are made with was made by this build


def derive_month(
    settings: Settings,
    policies: Policies,
    registry: Registry,
    executor: Executor | None = None,
    forms: PilotForms | None = None,
) -> MonthFigures:
    """The month's figures per village, township (one task each) and county, and the townships' briefing
    packs; the pilots' assessments (of `forms`, read here when not given). Everything that reads the
    county's cases is made here: afterwards they can go (`forget_cases`), before the pages and PDFs."""
    model, month = policies.model, registry.month
    # Places as the county's list spells them: the registry's own spelling never reaches a page or a path.
    cases = on_place_list(registry.imported.cases, registry.places)
    kept = derive_cache(settings)
    county = monthly_areas(
        cases,
        registry.imported.contacts,
        month,
        registry.rules,
        run=executor.run if executor else None,
        kept=kept,
    )
    if kept is not None:
        kept.prune()  # the townships' figures of this build only
    new_key = not os.environ.get(KEY_ENV) and not settings.key_file.exists()
    packs = KeptPacks(
        briefing_packs(
            county,
            model,
            Pseudonymizer(load_key(settings.key_file)),
            month_tasks(policies.calendar, model, month),
            registry.rules,
            registry.imported.unreadable,
        )
    )
    forms = forms or load_forms(settings, policies)
    criteria, pilots, submissions = forms.criteria, forms.pilots, forms.submissions
    data_end = month.shift(-1).end
    assessments = {
        p.key: assess(criteria, submissions[p.key], registry_facts(registry.imported.cases, p, data_end))
        if p.key in submissions
        else not_submitted(criteria, p)
        for p in pilots.pilots
    }
    return MonthFigures(AreaTally.of(county), packs, criteria, pilots, assessments, len(submissions), new_key)


def derive_cache(settings: Settings) -> SignedPickles | None:
    """Each township's figures kept from the last build (inside the restricted output: they hold the
    villages' small counts), so that a monthly rebuild derives only the townships whose cases changed."""
    return _kept_signed(settings, SignedPickles, ".derive-cache", b"township figures")


def forget_contacts(registry: Registry) -> None:
    """Once the month's figures and the personal values are made, nothing needs the contacts' dates (a W1
    county has 350,000) or their visitors and notes (the personal values hold them): they are let go, so
    that printing and the site run without them."""
    _ = (registry.summary, registry.personal)  # counted and looked through first
    registry.imported.contacts.forget_dates()
    registry.imported.contacts.forget_values()


def forget_cases(registry: Registry, figures: MonthFigures | None = None) -> None:
    """Once the month's figures and packs are made (`derive_month`: they hold what the pages and the
    townships print), nothing needs the county's cases (a W1 county has 24,000, with everything the
    registry says of each): they are let go, so that pages, printing and the site run without them.
    What is kept of each file's rows (its counts, outcome, refused rows, where its personal values stand)
    and the county's figures (`figures.county`) were made among the cases: they are made again apart from
    the memory the cases took (`made_anew`)."""
    _ = (registry.summary, registry.personal)  # counted and looked through first
    imported = registry.imported
    imported.cases.clear()
    kept: list[tuple[object, str]] = [
        (imported, name) for name in ("contacts", "rejected", "notes", "read", "warnings", "files")
    ]
    kept += [(imported, "unreadable"), (registry, "personal")]  # (a cached property: its own value)
    made_anew(*kept, *([(figures, "county")] if figures is not None else []))


# --- 4. the handbook's pages, and the public PDFs made of them ------------------------------------------
@dataclass(frozen=True)
class HandbookPages:
    """Every edition's own pages (all but the live ones), rendered. They do not depend on the registry's
    content (only on the latest edition having live sections, `LIVE_SECTIONS`), so that the public PDFs
    made of them go to the workers before the registry's pages are made."""

    env: jinja2.Environment
    versions: dict[str, tuple[list[PageTask], dict[str, str]]]  # edition → (page tasks, rendered Markdown)


def render_handbook_pages(settings: Settings, policies: Policies) -> HandbookPages:
    env = make_environment(settings.templates)
    tasks = edition_tasks(
        policies.editions, policies.models, policies.calendars, policies.latest, [], handbook_pdf_path
    )
    rendered = mark_outdated(
        {number: render_pages(env, pages) for number, pages in tasks.items()},
        policies.editions,
        policies.latest,
    )
    # Rendered: the pages' contexts are not read again.
    return HandbookPages(
        env, {n: ([replace(t, context={}) for t in pages], rendered[n]) for n, pages in tasks.items()}
    )


@dataclass(frozen=True)
class PublicPrint:
    """The public PDFs' jobs, and the setup they are written with: fonts for their own text only (a rare
    character in a name of the registry changes no public PDF, nor its cache key)."""

    jobs: list[PrintJob]  # fillable forms, the pilots' summary
    editions: dict[str, list[PrintJob]]  # the handbook and unit PDFs of each edition
    fonts: PrintFonts
    setup: PrintSetup
    used: frozenset[int]  # the characters they print (`printed_chars`): the restricted fonts hold them too

    def all_jobs(self) -> list[tuple[PrintJob, bool]]:
        """(job, its HTML inputs made fillable) in the order they are printed and published."""
        return [(j, True) for j in self.jobs] + [(j, False) for e in self.editions.values() for j in e]


def plan_public_print(
    settings: Settings, policies: Policies, handbook: HandbookPages, figures: MonthFigures, month: Month
) -> PublicPrint:
    env = handbook.env
    jobs = assessment_public_jobs(env, figures.criteria, figures.pilots, figures.assessments, month.year)
    editions = {}
    made = handbook_cache(settings)  # public: each edition's print HTML, by everything it is made from
    for e in policies.editions:
        tasks, rendered = handbook.versions[e.number]
        printed = [t for t in tasks if t.path not in NOT_PRINTED]
        about = {
            "number": e.number,
            "label": e.label,
            "title": e.title,
            "notes": e.notes,
            "date": (e.date or month.start).isoformat(),
        }
        paths = [handbook_pdf_path(e)] + [unit_pdf(t.path) for t in printed if t.path.startswith("units/")]
        key = handbook_key(env, {**about, "paths": paths}, printed, rendered)
        found = made.get(key)
        if found is None:
            editions[e.number] = handbook_jobs(env, about, printed, rendered, handbook_pdf_path(e), unit_pdf)
            made.put(key, jobs_to_json(editions[e.number]))
        else:
            editions[e.number] = jobs_from_json(found)
    used = printed_chars([j.html for j in jobs] + [j.html for e in editions.values() for j in e])
    fonts = fonts_for(settings.cache / "fonts", used)
    return PublicPrint(jobs, editions, fonts, print_setup(env, fonts), frozenset(used))


# --- 5. the site's pages and workbooks ------------------------------------------------------------------
@dataclass(frozen=True)
class Pages:
    env: jinja2.Environment
    versions: dict[str, tuple[list[PageTask], dict[str, str]]]  # edition → (page tasks, rendered Markdown)
    live_paths: set[str]  # pages only the latest edition has (registry, pilots)
    downloads: dict[str, bytes]  # workbooks published with the latest edition
    report: dict  # what a person should look at (build/report.json)

    def forget_rendered(self) -> None:
        """Let the rendered Markdown go once it is written for mkdocs (`write_public`), which reads it there
        and holds it as it builds: a county's village pages, held twice otherwise."""
        for number, (tasks, _) in list(self.versions.items()):
            self.versions[number] = (tasks, {})

    def handbook(self) -> HandbookPages:
        """The editions' own pages, as `render_handbook_pages` made them."""
        return HandbookPages(
            self.env,
            {
                n: (
                    [t for t in tasks if t.path not in self.live_paths],
                    {p: r for p, r in rendered.items() if p not in self.live_paths},
                )
                for n, (tasks, rendered) in self.versions.items()
            },
        )


def site_page_tasks(
    settings: Settings, policies: Policies, registry: Registry, figures: MonthFigures
) -> tuple[dict[str, list[PageTask]], list[PageTask]]:
    """Every edition's pages to render, each with its context; and the pages only the latest has."""
    model = policies.model
    live = registry_pages(
        model,
        registry_figures(settings, policies, registry, figures),
        registry.schema,
        "../" + TEMPLATE_PATH,
        registry.summary,
        registry.imported.unreadable,
        registry.places,
    )
    live += assessment_pages(
        figures.criteria, figures.pilots, figures.assessments, model, registry.month.year
    )
    missing = set(LIVE_SECTIONS) - {t.path for t in live}
    if missing:  # the handbook's home page, rendered and printed before these, links them
        raise RuntimeError(f"live sections without a first page: {sorted(missing)}")
    tasks = edition_tasks(
        policies.editions, policies.models, policies.calendars, policies.latest, live, handbook_pdf_path
    )
    return tasks, live


def render_site_pages(
    settings: Settings,
    policies: Policies,
    registry: Registry,
    figures: MonthFigures,
    handbook: HandbookPages | None = None,
) -> Pages:
    """The live pages rendered, joined to the editions' own (`handbook`, rendered here when not given);
    report.json, the search dictionaries and the workbooks published with the latest edition."""
    model = policies.model
    handbook = handbook or render_handbook_pages(settings, policies)
    env = handbook.env
    tasks, live = site_page_tasks(settings, policies, registry, figures)
    live_paths = {t.path for t in live}
    # Beside build/docs, which holds the same pages: before the privacy guard has passed them, they are not
    # what .cache/ may keep.
    kept = KeyedFiles(settings.build / "page-cache")
    rendered_live = render_pages(env, live, kept)
    kept.prune()
    versions = {}
    for number, pages in tasks.items():
        own, rendered = handbook.versions[number]
        if [t.path for t in pages if t.path not in live_paths] != [t.path for t in own]:
            raise RuntimeError(f"edition {number}: its pages are not those rendered before the registry's")
        versions[number] = (
            [replace(t, context={}) for t in pages],  # rendered: the contexts are not read again
            {t.path: rendered[t.path] if t.path in rendered else rendered_live[t.path] for t in pages},
        )
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
        words = search_dictionary(policies.models[e.number], registry.places.names())
        search_dict(settings, e).write_text(words, encoding="utf-8")
    kept = KeyedFiles(settings.cache / "workbooks")
    downloads = {TEMPLATE_PATH: made_once(kept, registry_workbook, registry.schema)}
    for p in figures.pilots.pilots:
        files = form_downloads(p)
        definition = form_definition(figures.criteria, p)
        downloads[files["xlsx"]] = made_once(kept, assessment_workbook, definition)
        downloads[files["xlsform"]] = made_once(kept, xlsform_workbook, definition)
    kept.prune()
    return Pages(env, versions, live_paths, downloads, report)


def made_once(kept: KeyedFiles, make: Callable[[Any], bytes], source: Any) -> bytes:
    """`make(source)`, a workbook, kept by its source (a dataclass, written out whole by its repr), the
    code that writes workbooks and openpyxl: built again only when one of them changed."""
    parts = [_workbook_code(), f"{make.__module__}.{make.__qualname__}", repr(source)]
    key = hashlib.sha256("\n".join(parts).encode()).hexdigest()
    found = kept.get(key)
    if found is None:
        found = make(source)
        kept.put(key, found)
    return found


@functools.cache
def _workbook_code() -> str:
    """The code that writes the published workbooks, and openpyxl's version: read once, not per workbook."""
    from importlib.metadata import version

    code = source_digest("generators.assessment", "generators.registry", "generators.core.xlsx")
    return f"{code}\n{version('openpyxl')}"


def registry_figures(
    settings: Settings, policies: Policies, registry: Registry, figures: MonthFigures
) -> PublicFigures:
    """Every number the public registry pages show, suppressed and audited as one system."""
    model = policies.model
    kept = KeyedFiles(settings.cache / "suppression")  # public: which figures the site shows as hidden
    solved = audit_cache(settings)
    shown = public_figures(
        figures.county,
        list(model.groups),
        {g: model.groups[g].short for g in model.groups},
        registry.config.suppress_below,
        kept,
        solved,
    )
    kept.prune()  # this build's month only
    if solved is not None:
        solved.prune()  # the groups of this build's figures only
    return shown


def audit_cache(settings: Settings) -> SignedPickles | None:
    """The suppression audit's answers for each group of hidden figures, kept from the last build: they
    hold true small counts, so inside the restricted output, signed like the other kept pickles there."""
    return _kept_signed(settings, SignedPickles, ".audit-cache", b"suppression audit")


def guard_cache(settings: Settings) -> SignedFiles | None:
    """The privacy guard's automata of the last build (made of the registry's personal values): inside the
    restricted output, signed like the other kept pickles there; reused while the values are the same."""
    return _kept_signed(settings, SignedFiles, ".guard-cache", b"privacy guard automata")


def search_dict(settings: Settings, edition: Edition) -> Path:
    return settings.build / f"search-dict-{edition.number}.txt"


# --- 6. print: the restricted PDFs' HTML, and the fonts every PDF of the build needs --------------------
@dataclass(frozen=True)
class PrintPlan:
    """The print jobs of this build and the setup (stylesheet, fonts cut for their text) to write them."""

    public_print: PublicPrint  # the public PDFs, planned first
    packs: Sequence[TownshipPack]  # briefing sheets per township (their HTML made township by township)
    report_jobs: list[PrintJob]  # assessment reports (restricted)
    fonts: PrintFonts  # for every PDF of the build
    setup: PrintSetup  # the restricted PDFs'
    new_key: bool  # a pseudonym key was made by this build

    @property
    def public(self) -> list[PrintJob]:
        return self.public_print.jobs

    @property
    def editions(self) -> dict[str, list[PrintJob]]:
        return self.public_print.editions

    @property
    def public_setup(self) -> PrintSetup:
        return self.public_print.setup

    @property
    def township_documents(self) -> int:
        """The village sheets and township packs: what the restricted stage's progress counts."""
        return sheet_count(self.packs) + len(self.packs)


def plan_print(
    settings: Settings,
    policies: Policies,
    registry: Registry,
    figures: MonthFigures,
    pages: Pages,
    public: PublicPrint | None = None,
) -> PrintPlan:
    """The sheets' packs and the reports, with fonts for every PDF of the build; `public` as planned
    before (planned here when not given)."""
    model, month, env = policies.model, registry.month, pages.env
    public = public or plan_public_print(settings, policies, pages.handbook(), figures, month)
    packs = figures.packs
    report_jobs = assessment_report_jobs(env, figures.pilots, figures.assessments, model)
    # The fonts must hold every character printed; the sheets' text is their data (a sheet's HTML is
    # made only when it is printed), the template's own text is that of the first pack.
    texts = [j.html for j in report_jobs] + [j.html for j in briefing_jobs(env, list(packs[:1]))]
    used = printed_chars(itertools.chain(texts, (repr(pack) for pack in packs)))
    fonts = fonts_for(settings.cache / "fonts", set(public.used) | used)
    setup = public.setup if fonts.extra == public.fonts.extra else print_setup(env, fonts)
    return PrintPlan(public, packs, report_jobs, with_made(fonts, public.fonts), setup, figures.new_key)


def handbook_cache(settings: Settings) -> KeyedFiles:
    return KeyedFiles(settings.cache / "handbook-html")


def _remote(executor: Executor, setup: PrintSetup) -> PrintSetup:
    """The setup as sent to the executor's workers: with the fonts' bytes when they run elsewhere."""
    return setup.portable() if executor.name == "dask" else setup


def render_cached(
    executor: Executor,
    setup: PrintSetup,
    jobs: list[tuple[PrintJob, bool]],
    cache: PdfCache,
    tick=None,
    handed_over: threading.Event | None = None,
    stop: threading.Event | None = None,
) -> list[bytes]:
    """PDFs of (job, forms) pairs, in their order (editions share paths: never key by path): from the
    cache where it has them, the others laid out in parallel, one task per document, and cached. A job
    that places its own form fields is keyed by what they are made from as well. The longest documents
    are handed to the workers first (a whole handbook lays out for a quarter of a minute: started last, it
    would keep one worker busy while the others wait); `handed_over` is set once every one is. Once `stop`
    is set no more are handed over (the build failed elsewhere), and what was made is returned."""
    keys = [document_key(setup, job.html, forms, job.fields.key if job.fields else "") for job, forms in jobs]
    found = {key: cache.get(key) for key in dict.fromkeys(keys)}
    first = {key: jobs[i] for i, key in reversed(list(enumerate(keys)))}
    missing = [key for key, data in found.items() if data is None]  # each distinct document once
    missing.sort(key=lambda key: -len(first[key][0].html))  # stable: the same order for the same jobs
    items = [(first[key][0].html, first[key][1], first[key][0].fields) for key in missing]
    for index, data in executor.run(
        render_document, _then_set(items, handed_over, stop), _remote(executor, setup), len(items), tick
    ):
        cache.put(missing[index], data)
        found[missing[index]] = data
    return [data for data in (found[key] for key in keys) if data is not None]


def _then_set(items: list, event: threading.Event | None, stop: threading.Event | None = None):
    """The items until `stop` is set, then `event` set (when the executor asks for one more)."""
    for item in items:
        if stop is not None and stop.is_set():
            break
        yield item
    if event is not None:
        event.set()


def print_public_pdfs(
    settings: Settings,
    public: PublicPrint,
    executor: Executor,
    tick=None,
    handed_over: threading.Event | None = None,
    stop: threading.Event | None = None,
) -> tuple[list[bytes], int]:
    """The public PDFs, in the order of `public.all_jobs()`, and how many were made (the others came from
    the content-keyed cache). `handed_over`, `stop`: see `render_cached`."""
    jobs = public.all_jobs()
    cache = PdfCache(settings.cache / "pdf")
    pdfs = render_cached(executor, public.setup, jobs, cache, tick, handed_over, stop)
    return pdfs, len(jobs) - cache.hits


def write_public(
    settings: Settings, policies: Policies, pages: Pages, public: PublicPrint, pdfs: list[bytes]
) -> None:
    """Each edition's pages and PDFs (`pdfs` from `print_public_pdfs`) into build/docs/<edition> for mkdocs;
    the workbooks and forms with the latest."""
    made = iter(pdfs)
    downloads: dict[str, bytes | str] = dict(pages.downloads)
    downloads.update({j.path: next(made) for j in public.jobs})
    for e in policies.editions:
        files: dict[str, bytes | str] = {
            **pages.versions[e.number][1],
            **{j.path: next(made) for j in public.editions[e.number]},
        }
        # Only what changed is written: mkdocs is told which files changed by their content (`build_site`).
        sync_folder(
            {**files, **downloads} if e is policies.latest else files,
            settings.static_docs,
            settings.docs_out / e.number,
        )


def print_public(
    settings: Settings,
    policies: Policies,
    pages: Pages,
    plan: PrintPlan,
    executor: Executor,
    tick=None,
    handed_over: threading.Event | None = None,
) -> int:
    """`print_public_pdfs`, then `write_public`; how many PDFs were made."""
    pdfs, made = print_public_pdfs(settings, plan.public_print, executor, tick, handed_over)
    write_public(settings, policies, pages, plan.public_print, pdfs)
    return made


# --- 7. restricted output, built aside -----------------------------------------------------------------
@dataclass
class Staged:
    """Folders built aside, swapped in by `publish` (or removed when the build fails)."""

    folders: list[tuple[Path, Path]] = field(default_factory=list)  # (staging, destination)
    caches: list[KeyedFiles] = field(default_factory=list)  # pruned once published

    def discard(self) -> None:
        for staging, _ in self.folders:
            shutil.rmtree(staging, ignore_errors=True)


def restricted_folder(settings: Settings, registry: Registry) -> Path:
    """One folder per report month, replaced whole: earlier months' packs stay as they were."""
    return settings.restricted / str(registry.month)


def restricted_cache(settings: Settings) -> PdfCache:
    """Person-level PDFs of the last build, for the next one to reuse: inside the restricted output only,
    never in .cache/ (a hidden folder beside the months)."""
    return PdfCache(settings.restricted / ".pdf-cache", private=True)


@dataclass(frozen=True)
class RestrictedPrint:
    sheets: int  # village sheets
    packs: int  # township packs
    written: int  # sheets and packs made by this build; the others were unchanged and came from the cache
    townships: int  # townships with a sheet or pack made (a pack takes its unchanged sheets' cached PDFs)


def township_prints(
    env: jinja2.Environment,
    plan: PrintPlan,
    cache: PdfCache,
    done: dict[str, Path],
    known: KeyedFiles | None = None,
):
    """What each township needs printed, made township by township (only one township's HTML at a time):
    nothing when its sheets and pack are cached (where their cached files lie goes to `done`). `known`: the
    keys of a township's PDFs by everything its HTML is made from (its pack's data, the templates, the code
    that renders them): a township whose data is as last month's is not rendered again to find its keys."""
    joined_by = joiner()
    code = template_code(env, "generators.printing", "generators.website") if known is not None else ""
    for pack in plan.packs:
        source = hashlib.sha256(f"{plan.setup.key}\n{joined_by}\n{code}\n{pack!r}".encode()).hexdigest()
        files = _known_files(known.get(source), cache, len(pack.sheets) + 1) if known is not None else None
        if files is not None:
            done.update(files)
            yield None
            continue
        sheets = sheet_jobs(env, pack)
        front = pack_job(env, pack)
        keys = [document_key(plan.setup, j.html) for j in sheets]
        pack_key = document_key(plan.setup, "\n".join(["pack", joined_by, front.html, *keys]))
        if known is not None:
            paths = [j.path for j in sheets] + [front.path]
            known.put(source, json.dumps(list(zip(paths, [*keys, pack_key], strict=True))).encode())
        cached = {j.path: cache.file(k) for j, k in zip(sheets, keys, strict=True)}
        cached[front.path] = cache.file(pack_key)
        todo = {path for path, found in cached.items() if found is None}
        done.update({path: found for path, found in cached.items() if found is not None})
        if not todo:
            yield None
            continue
        yield (
            TownshipPrint(
                pack.township,
                tuple(
                    SheetPrint(j.path, j.html)
                    if j.path in todo
                    else SheetPrint(j.path, "", cached[j.path].read_bytes())  # type: ignore[union-attr]
                    for j in sheets
                ),
                front.path if front.path in todo else None,
                front.html if front.path in todo else "",
            ),
            dict(zip([j.path for j in sheets] + [front.path], keys + [pack_key], strict=True)),
        )


def _known_files(listed: bytes | None, cache: PdfCache, count: int) -> dict[str, Path] | None:
    """The cached PDFs of a township's `count` listed keys (path, key), when every one of them is there.
    (Paths are checked again where the files are linked.)"""
    try:
        keys = [(str(path), str(key)) for path, key in json.loads(listed)] if listed else []
    except (ValueError, TypeError):  # not what this build writes there: found again by rendering
        return None
    if len(keys) != count or not all(re.fullmatch("[0-9a-f]{64}", key) for _, key in keys):
        return None
    files = {path: cache.file(key) for path, key in keys}
    if None in files.values():
        return None
    return files  # type: ignore[return-value]  # none is None


# Village sheets a task lays out: about a second's work, so that the build's last tasks leave a core idle
# for a second at most (a township's twenty sheets and pack in one task took five).
SHEETS_PER_TASK = 5


class TownshipTasks:
    """The tasks of the townships' printing, from what each township needs printed (`township_prints`): its
    sheets a few to a task, and its pack once they are in, made from their PDFs (`read`: a sheet's PDF as
    written by this build) and its cached ones. Only the pack's front HTML waits with the pack."""

    def __init__(self, needed, read: Callable[[str], bytes], workers: int = 1):
        self._needed = needed  # (TownshipPrint, keys of its PDFs) of each township with anything to print
        self._read = read
        self._warm_ups = workers - 1
        self._sent: dict[int, tuple[str, bool, dict[str, str]]] = {}  # task → township, a pack?, keys
        self._waiting: dict[str, list] = {}  # township → [its pack's TownshipPrint, sheet tasks still out]
        self._ready: list[str] = []  # townships whose packs can go
        self._count = 0  # tasks handed out: the executor's index of the next
        self.townships = 0

    def __iter__(self):
        for item, keys in self._needed:
            self.townships += 1
            todo = [s for s in item.sheets if s.pdf is None]
            tasks = [todo[i : i + SHEETS_PER_TASK] for i in range(0, len(todo), SHEETS_PER_TASK)]
            if item.pack_path is not None:
                light = replace(item, sheets=tuple(replace(s, html="") for s in item.sheets))
                self._waiting[item.township] = [light, keys, len(tasks)]
                if not tasks:
                    self._ready.append(item.township)
            for sheets in tasks:
                yield self._send(replace(item, sheets=tuple(sheets), pack_path=None, pack_html=""), keys)
                yield from self._warmed()
                yield from self._packs()
            yield from self._packs()
        while self._waiting:  # the last packs wait for sheets still being printed
            yield from self._packs() if self._ready else [LATER]

    def _warmed(self):
        """After the first task, one per other worker that only makes its writer (`print_township` of no
        sheet), while the first lays out its sheets. A worker's first PDF of the build makes it (its
        stylesheet and fonts, a few tenths of a second); in a monthly rebuild the one sheet's pack goes to
        the worker that has waited longest, not to the one that laid out the sheet, and made it after the
        sheet."""
        for _ in range(self._warm_ups):
            yield self._send(TownshipPrint("", (), None), {})
        self._warm_ups = 0

    def finished(self, index: int) -> dict[str, str]:
        """A task's result is in: the keys of its PDFs. (Its sheets are written: a pack may go.)"""
        township, pack, keys = self._sent.pop(index)
        if not pack and township in self._waiting:
            waiting = self._waiting[township]
            waiting[2] -= 1
            if waiting[2] == 0:
                self._ready.append(township)
        return keys

    def _packs(self):
        while self._ready:
            item, keys, _ = self._waiting.pop(self._ready.pop(0))
            sheets = tuple(
                s if s.pdf is not None else replace(s, pdf=self._read(s.path)) for s in item.sheets
            )
            yield self._send(replace(item, sheets=sheets), keys)

    def _send(self, item: TownshipPrint, keys: dict[str, str]) -> TownshipPrint:
        self._sent[self._count] = (item.township, item.pack_path is not None, keys)
        self._count += 1
        return item


def print_restricted(
    settings: Settings,
    registry: Registry,
    pages: Pages,
    plan: PrintPlan,
    staged: Staged,
    executor: Executor,
    tick=None,
) -> RestrictedPrint:
    """Briefing sheets (a few to a task) and packs (a task each, once its sheets are in), reusing the
    person-level PDFs of the last build whose inputs are unchanged; assessment reports. Each PDF is written
    to the staging folder as it arrives."""
    dest = restricted_folder(settings, registry)
    settings.restricted.mkdir(mode=0o700, parents=True, exist_ok=True)  # private when we make it
    remove_leftovers(dest)
    staging = staging_folder(dest)
    staged.folders.append((staging, dest))
    cache = restricted_cache(settings)
    staged.caches.append(cache)
    if registry.reads is not None:
        staged.caches.append(registry.reads)  # this build's reads are what the next one may reuse
    # The assessment reports first: a few documents, which at the end would leave a worker idle meanwhile.
    reports = render_cached(executor, plan.setup, [(j, False) for j in plan.report_jobs], cache)
    fill_folder(staging, {j.path: data for j, data in zip(plan.report_jobs, reports, strict=True)})
    setup = _remote(executor, plan.setup)
    known = KeyedFiles(settings.restricted / ".pack-keys", private=True)  # each township's PDFs' keys
    staged.caches.append(known)
    written = counted = 0
    done: dict[str, Path] = {}

    def needed():
        nonlocal counted
        for entry in township_prints(pages.env, plan, cache, done, known):
            link_files(staging, done)  # cached PDFs of this township, linked: not read, not written again
            counted += len(done)
            done.clear()
            if entry is not None:
                yield entry

    tasks = TownshipTasks(needed(), lambda path: (staging / path).read_bytes(), executor.workers)
    for index, outputs in executor.run(print_township, tasks, setup):
        keys = tasks.finished(index)
        for path, data in outputs.items():
            cache.put(keys[path], data)
        written += len(outputs)
        fill_folder(staging, outputs)
        counted += len(outputs)
        if tick:
            tick(counted, plan.township_documents)
    if tick:  # those cached after the last task, too
        tick(counted, plan.township_documents)
    imported = registry.imported
    source = (registry.schema, imported.rejected, imported.warnings, imported.files, imported.notes)
    workbooks = KeyedFiles(settings.restricted / ".workbook-cache", private=True)
    staged.caches.append(workbooks)
    fill_folder(staging, {"台账退回.xlsx": made_once(workbooks, _rejected_rows, source)})
    readme = pages.env.get_template("print/restricted_readme.txt.j2").render(
        month=registry.month.label,
        packs=plan.packs,
        rejected=len(imported.rejected),
        warnings=len(imported.warnings),
        unreadable=[t + v for t, v in imported.unreadable],
        unused=[str(f.problem) for f in imported.files if f.outcome in ("file-error", "superseded")],
        reports=[j.path for j in plan.report_jobs],
    )
    fill_folder(staging, {"说明.txt": readme})
    make_private(staging)
    sheets = sheet_count(plan.packs)
    return RestrictedPrint(sheets, len(plan.packs), written, tasks.townships)


def _rejected_rows(source: tuple) -> bytes:
    """The rejected rows' workbook of (schema, rejected rows, warnings, file outcomes, notices): kept in
    the restricted cache (it holds the rows as read), made again only when one of them changed."""
    return rejected_workbook(*source)


# --- 8. the site ----------------------------------------------------------------------------------------
def build_date(model: PolicyModel) -> int:
    """The build's timestamp, from the inputs (the newest document date), never from the clock."""
    dates = [d.meta.date for d in model.documents if d.meta.date]
    day = dt.date.fromisoformat(max(dates)) if dates else dt.date(2000, 1, 1)
    return int(dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC).timestamp())


def build_handbook_site(settings: Settings, policies: Policies, registry: Registry, pages: Pages) -> Path:
    """mkdocs for every edition into a staging folder, checked for registry PII before it may be published;
    returns the staging folder (for `Staged`). Reads only what the stages before printing made, so that it
    may run while the restricted PDFs are made."""
    builds = [
        VersionBuild(
            e.number,
            settings.docs_out / e.number,
            navigation(pages.versions[e.number][0]),
            search_dict(settings, e),
            not_in_nav(pages.versions[e.number][0]),
        )
        for e in policies.editions
    ]
    needles = registry.personal
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
            folder,
            needles,
            public_words,
            allowlist,
            hint,
            settings.cache / "pii-clean",
            guard_cache(settings),
        ),
        reuse=settings.cache / "site",
        compiled=compiled_templates(),  # (in a folder only this user may use, as our own templates are)
    )
    return staging


# --- 9. publish -----------------------------------------------------------------------------------------
def publish(staged: Staged) -> None:
    """Swap every staged folder in; each swap is atomic where the system allows. Then the person-level
    PDF cache keeps only what this build used."""
    for staging, dest in staged.folders:
        swap_in(staging, dest)
    staged.folders.clear()
    for cache in staged.caches:
        cache.prune()
