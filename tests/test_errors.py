"""Bad input: a clear Chinese error naming the file and line, a failing exit code, the old site kept."""

from __future__ import annotations

from pathlib import Path

import pytest

from generators import cli
from generators.config.paths import DataPaths
from generators.core.errors import InputError
from generators.policy.build import build_policy_model


def policy(folder: Path, name: str, text: str) -> None:
    (folder / "policies" / name).write_text(text, encoding="utf-8")


@pytest.mark.parametrize(
    "text, expected",
    [
        ("一、没有元数据头\n", "缺少元数据头"),
        ("---\nid: x\n", "没有结束行"),
        ("---\nid: bad\ntitle: [unclosed\n---\n正文\n", "YAML 格式错误"),
        (
            "---\nid: Bad_ID\ntitle: t\nshort: s\nlevel: 乡镇\nlocality: l\nsource_file: f\n---\n正文\n",
            "id 只能用",
        ),
        ("---\nid: x\ntitle: t\nshort: s\nlevel: 省\nlocality: l\nsource_file: f\n---\n正文\n", "level 应为"),
        (
            "---\nid: x\ntitle: t\nshort: s\nlevel: 乡镇\nlocality: l\nsource_file: f\n"
            "date: 2024-13-01\n---\n正文\n",
            "YYYY-MM-DD",
        ),
        (
            "---\nid: x\ntitle: t\nshort: s\nlevel: 乡镇\nlocality: l\nsource_file: f\nauthor: 我\n---\n正文\n",
            "未知的元数据项",
        ),
        ("---\nid: x\ntitle: t\nlevel: 乡镇\nlocality: l\nsource_file: f\n---\n正文\n", "缺少必填项 “short”"),
        ("---\nid: x\ntitle: t\nshort: s\nlevel: 乡镇\nlocality: l\nsource_file: f\n---\n\n", "没有正文"),
        (
            "---\nid: dunji-2023\ntitle: t\nshort: s\nlevel: 乡镇\nlocality: l\nsource_file: f\n---\n正文\n",
            "重复",
        ),
    ],
)
def test_broken_policy_files_name_file_and_problem(data_copy, text, expected):
    policy(data_copy, "900-broken.txt", text)
    with pytest.raises(InputError) as err:
        build_policy_model(DataPaths(data_copy))
    message = str(err.value)
    assert expected in message
    assert "900-broken.txt" in message or "dunji" in message


def test_error_names_the_line(data_copy):
    policy(
        data_copy,
        "900-broken.txt",
        "---\nid: x\ntitle: t\nshort: s\nlevel: 省\nlocality: l\nsource_file: f\n---\n正文\n",
    )
    with pytest.raises(InputError) as err:
        build_policy_model(DataPaths(data_copy))
    assert "第 5 行" in str(err.value)


def test_not_utf8(data_copy):
    (data_copy / "policies" / "900-gbk.txt").write_bytes("---\nid: x\n---\n正文".encode("gbk"))
    with pytest.raises(InputError, match="不是 UTF-8"):
        build_policy_model(DataPaths(data_copy))


def test_stale_override_warns_and_bad_override_fails(data_copy):
    (data_copy / "overrides.yaml").write_text(
        "overrides:\n  - clause: dunji-2023#9-9-9\n    why: 已删除的条款\n"
        "    add: {unit: police, role: lead}\n",
        encoding="utf-8",
    )
    model = build_policy_model(DataPaths(data_copy))
    assert any("9-9-9" in w and "不存在" in w for w in model.warnings)
    (data_copy / "overrides.yaml").write_text(
        "overrides:\n  - clause: dunji-2023#3-1\n    why: 测试\n    add: {unit: nobody, role: lead}\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError, match="单位 id 不存在"):
        build_policy_model(DataPaths(data_copy))


@pytest.mark.slow  # builds the whole site
def test_failed_build_exits_non_zero_and_keeps_the_last_site(data_copy, tmp_path, capsys):
    site = tmp_path / "site"
    args = [
        "build",
        "--data",
        str(data_copy),
        "--build-dir",
        str(tmp_path / "build"),
        "--site",
        str(site),
        "--restricted",
        str(tmp_path / "restricted"),
        "-q",
    ]
    assert cli.main(args) == 0
    before = {p.relative_to(site): p.read_bytes() for p in site.rglob("*") if p.is_file()}
    policy(data_copy, "900-broken.txt", "一、没有元数据头\n")
    assert cli.main(args) == 2
    err = capsys.readouterr().err
    assert "900-broken.txt" in err and "原有站点保持不变" in err
    after = {p.relative_to(site): p.read_bytes() for p in site.rglob("*") if p.is_file()}
    assert after == before


@pytest.mark.slow  # builds the whole site, twice
def test_a_build_that_fails_while_the_public_pdfs_print_stops_them_and_keeps_the_last_site(
    data_copy, tmp_path, capsys, monkeypatch
):
    """The public PDFs go to the workers before the registry's pages are made: when those fail, the
    build stops its printing thread (nothing waits for ever), exits non-zero and publishes nothing."""
    import threading

    from generators import pipeline
    from generators.core.errors import Problem
    from tests.conftest import ROOT

    site = tmp_path / "site"
    args = ["build", "--data", str(data_copy), "--build-dir", str(tmp_path / "build"), "--site", str(site)]
    args += ["--restricted", str(tmp_path / "restricted"), "--workers", "2", "-q"]
    assert cli.main(args) == 0
    before = {p.relative_to(site): p.read_bytes() for p in site.rglob("*") if p.is_file()}
    cache = tmp_path / "cache"  # no public PDF cached: they are being laid out when the build fails
    cache.mkdir()
    (cache / "fonts").symlink_to(ROOT / ".cache" / "fonts")
    monkeypatch.setenv("HANDBOOK_CACHE", str(cache))
    started = threading.Event()
    real = pipeline.print_public_pdfs

    def public_pdfs(*a, **k):
        started.set()
        return real(*a, **k)

    def failing(*args):
        assert started.wait(30)  # the public PDFs are printing
        raise InputError(Problem("台账汇总", "小数字无法可靠隐去，已停止发布"))

    monkeypatch.setattr(pipeline, "print_public_pdfs", public_pdfs)
    monkeypatch.setattr(pipeline, "site_page_tasks", failing)
    assert cli.main(args) == 2
    assert "小数字无法可靠隐去" in capsys.readouterr().err
    assert not [t for t in threading.enumerate() if t.name.startswith("public")]
    after = {p.relative_to(site): p.read_bytes() for p in site.rglob("*") if p.is_file()}
    assert after == before


def test_check_command_reports_unmatched_units(data_copy, tmp_path, capsys):
    policy(
        data_copy,
        "900-new.txt",
        "---\nid: new\ntitle: t\nshort: s\nlevel: 乡镇\nlocality: 新镇\nsource_file: f\n---\n"
        "一、分工\n（一）闲散青少年\n牵头单位：镇水利站\n",
    )
    assert cli.main(["check", "--data", str(data_copy), "--build-dir", str(tmp_path / "b")]) == 1
    assert "镇水利站" in capsys.readouterr().out
