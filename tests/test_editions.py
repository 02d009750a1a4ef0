"""Editions: immutable snapshots, cutting a new one, the semantic changelog, the versioned site layout."""

from __future__ import annotations

import datetime as dt
import json
import shutil

import pytest

from generators.config.paths import DataPaths
from generators.core.errors import InputError
from generators.policy.build import build_policy_model
from generators.policy.changelog import changelog
from generators.policy.editions import SNAPSHOT, cut_edition, read_editions
from tests.conftest import ROOT

EDITIONS = ROOT / "data" / "editions"


@pytest.fixture(scope="module")
def models():
    return {n: build_policy_model(DataPaths(EDITIONS / n)) for n in ("2024.1", "2024.2")}


def test_changelog_finds_exactly_the_known_differences(models):
    """2024.1 lacks 002 (金元镇片段) and the 社保所 aliases; nothing else differs."""
    cl = changelog("2024.1", models["2024.1"], "2024.2", models["2024.2"])
    assert [(c.change, c.new.doc) for c in cl.of("document")] == [("added", "jinyuan-fragment")]
    assert all(c.change == "added" for c in cl.changes)  # nothing was lost or altered
    outside_002 = [c for c in cl.changes if c.new.doc != "jinyuan-fragment"]
    assert sorted(
        (c.subject if not c.subject.startswith("任务") else "task", str(c.new), c.text.split("（")[0])
        for c in outside_002
    ) == [
        ("task", "dunji-2023#3-2-2", "社保所成为承办单位"),
        ("task", "dunji-2023#3-2-3", "社保所成为承办单位"),
        ("task", "dunji-2023#3-4-2", "社保所成为承办单位"),
        ("task", "dunji-2023#3-4-3", "社保所成为承办单位"),
        ("服刑人员未成年子女", "dunji-2023#3-4-p3", "社保所成为责任单位"),
        ("闲散青少年", "dunji-2023#3-2-p2", "社保所成为牵头单位"),
    ]
    jinyuan = [c for c in cl.changes if c.new.doc == "jinyuan-fragment"]
    assert {c.kind for c in jinyuan} == {"document", "role", "definition", "cadence"}
    assert ("流浪乞讨未成年人", "民政成为牵头单位") in {(c.subject, c.text.split("（")[0]) for c in jinyuan}


def test_reverse_changelog_withdraws(models):
    cl = changelog("2024.2", models["2024.2"], "2024.1", models["2024.1"])
    assert [(c.change, c.old.doc) for c in cl.of("document")] == [("removed", "jinyuan-fragment")]
    assert all(c.change == "removed" and c.new is None for c in cl.changes)


def test_changed_age_bound_and_cadence_are_reported(tmp_path, models):
    data = tmp_path / "data"
    shutil.copytree(EDITIONS / "2024.2", data)
    dunji = data / "policies" / "001-dunji-2023.txt"
    text = dunji.read_text(encoding="utf-8")
    assert "每个月至少接触一次" in text
    text = text.replace(
        "无法与父母共同生活的未满16周岁的未成年人", "无法与父母共同生活的未满18周岁的未成年人"
    )
    dunji.write_text(text.replace("每个月至少接触一次", "每季度至少接触一次"), encoding="utf-8")
    cl = changelog("2024.2", models["2024.2"], "draft", build_policy_model(DataPaths(data)))
    age = cl.of("age")
    assert [(c.subject, c.text, str(c.old), str(c.new)) for c in age] == [
        (
            "农村留守儿童",
            "墩集镇方案的年龄界限：不满16周岁 → 不满18周岁",
            "dunji-2023#3-5-p1",
            "dunji-2023#3-5-p1",
        )
    ]
    assert [c.subject for c in cl.of("definition")] == ["农村留守儿童"]  # the wording changed too
    cadence = [c for c in cl.of("cadence") if c.change == "changed"]
    assert len(cadence) == 1 and "每月（每个月至少接触一次）→ 每季度（每季度至少接触一次）" in cadence[0].text
    assert str(cadence[0].old) == str(cadence[0].new) == "dunji-2023#3-2-4"


def test_a_changed_snapshot_stops_the_build(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(ROOT / "data", data)
    units = data / "editions" / "2024.1" / "units.yaml"
    units.write_text(units.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    with pytest.raises(InputError) as e:
        read_editions(data)
    assert "已发布的版本 2024.1 被改动：units.yaml" in str(e.value)


def as_newest_edition(data):
    """Make a copy of data/ hold exactly what the newest edition (2024.2) recorded."""
    for name in SNAPSHOT:
        target = data / name
        if target.is_dir():
            shutil.rmtree(target)
        elif target.exists():
            target.unlink()
        source = EDITIONS / "2024.2" / name
        if source.is_dir():
            shutil.copytree(source, target)
        elif source.exists():
            shutil.copy2(source, target)


def test_cut_an_edition(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(ROOT / "data", data)
    as_newest_edition(data)
    assert [e.number for e in read_editions(data)] == ["2024.1", "2024.2"]  # data/ is 2024.2: no draft
    with pytest.raises(InputError, match="没有任何改动"):
        cut_edition(data, "2025.1", dt.date(2025, 1, 1), "第三版")
    (data / "policies" / "002-jinyuan-fragment.txt").unlink()
    assert [e.number for e in read_editions(data)][-1] == "draft"
    with pytest.raises(InputError, match="版本 2024.2 已经发布，不能覆盖"):
        cut_edition(data, "2024.2", dt.date(2025, 1, 1), "第三版")
    with pytest.raises(InputError, match="新版本号应大于最新的 2024.2"):
        cut_edition(data, "2023.9", dt.date(2025, 1, 1), "第三版")
    edition = cut_edition(data, "2025.1", dt.date(2025, 1, 1), "第三版", "撤回金元镇片段")
    assert edition.label == "2025.1（2025-01-01）" and (edition.data / "manifest.sha256").exists()
    assert not (edition.data / "policies" / "002-jinyuan-fragment.txt").exists()
    assert [e.number for e in read_editions(data)] == ["2024.1", "2024.2", "2025.1"]


def test_site_holds_every_edition_with_mikes_layout(site_root):
    versions = json.loads((site_root / "versions.json").read_text(encoding="utf-8"))
    assert [v for v in versions if v["version"] != "draft"] == [
        {"version": "2024.2", "title": "2024.2", "aliases": ["latest"]},
        {"version": "2024.1", "title": "2024.1", "aliases": []},
    ]
    # data/ holds unpublished changes (a draft) exactly when it differs from the newest edition
    has_draft = read_editions(ROOT / "data")[-1].number == "draft"
    assert [v for v in versions if v["version"] == "draft"] == (
        [{"version": "draft", "title": "草稿", "aliases": []}] if has_draft else []
    )
    assert "../2024.2/documents/dunji-2023.html" in (
        site_root / "latest/documents/dunji-2023.html"
    ).read_text(encoding="utf-8")
    assert "latest/index.html" in (site_root / "index.html").read_text(encoding="utf-8")
    assert (site_root / "2024.1" / "documents" / "dunji-2023.html").exists()  # an old link keeps working
    assert not (site_root / "2024.1" / "documents" / "jinyuan-fragment.html").exists()
    assert not (site_root / "2024.1" / "registry").exists() and (site_root / "2024.2" / "registry").exists()
    assert not (site_root / "2024.1" / "changelog.html").exists()
    page = (site_root / "2024.2" / "changelog.html").read_text(encoding="utf-8")
    assert "社保所成为牵头单位" in page and 'href="../2024.1/documents/' not in page  # added: new side only
    assert 'href="documents/jinyuan-fragment.html#c-5-7-p1"' in page
    home = (site_root / "2024.2" / "index.html").read_text(encoding="utf-8")
    assert (
        "本手册版本：2024.2（2024-09-01）" in home
        and "changelog.html" in home
        and "这不是最新版本" not in home
    )
    # every page of an older edition says so, and links to the same page in the latest (or its home)
    old_unit = (site_root / "2024.1" / "units" / "police.html").read_text(encoding="utf-8")
    assert "旧版本：2024.1" in old_unit and 'href="../../2024.2/units/police.html"' in old_unit
    for page in (site_root / "2024.1").rglob("*.html"):
        if page.name != "404.html":
            assert 'class="admonition warning outdated"' in page.read_text(encoding="utf-8"), page
    assert 'class="admonition warning outdated"' not in home


def test_print_edition_has_outline_fonts_landscape_matrices_and_page_numbers(site_root):
    from pypdf import PdfReader

    reader = PdfReader(site_root / "2024.2" / "downloads" / "手册-2024.2.pdf")
    titles = [o.title for o in reader.outline if not isinstance(o, list)]
    assert titles[0] == "目录" and "责任矩阵（全部文件合并）" in titles and titles[-1].endswith("相比的变化")
    assert "墩集镇重点青少年群体服务管理和犯罪预防工作实施方案" in titles
    cover, toc = reader.pages[0].extract_text(), reader.pages[1].extract_text()
    assert "2024.2（2024-09-01）" in cover
    assert "目录" in toc and f"第 2 页 / 共 {len(reader.pages)} 页" in toc
    sizes = {(round(float(p.mediabox.width)), round(float(p.mediabox.height))) for p in reader.pages}
    assert sizes == {(595, 842), (842, 595)}  # portrait A4 and landscape A4 for the matrices
    landscape = next(p for p in reader.pages if float(p.mediabox.width) > float(p.mediabox.height))
    assert "责任矩阵" in landscape.extract_text()
    fonts = set()
    for page in reader.pages[:30]:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            assert "/FontFile2" in font["/DescendantFonts"][0].get_object()["/FontDescriptor"]
            fonts.add(str(font["/BaseFont"]).split("+")[-1])
    assert fonts <= {"HB-Sans", "HB-Sans-Bold", "HB-Extra"}, fonts
    old = PdfReader(site_root / "2024.1" / "downloads" / "手册-2024.1.pdf")
    assert "金元镇专项行动方案（片段）" not in [o.title for o in old.outline if not isinstance(o, list)]


def test_one_pdf_per_unit(site_root):
    from pypdf import PdfReader

    units = site_root / "2024.2" / "downloads" / "units"
    assert (units / "police.pdf").exists() and len(list(units.glob("*.pdf"))) >= 20
    text = "".join(p.extract_text() for p in PdfReader(units / "police.pdf").pages)
    assert "公安派出所" in text and "第 1 页" in text
    page = (site_root / "2024.2" / "units" / "police.html").read_text(encoding="utf-8")
    assert "../downloads/units/police.pdf" in page
