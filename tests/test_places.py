"""The county's place list: spellings resolve to one canonical place; unsafe names stop the build."""

from __future__ import annotations

import json

import pytest

from generators.core.errors import InputError
from generators.registry.places import read_places
from tests.conftest import ROOT


@pytest.fixture(scope="module")
def places():
    return read_places(ROOT / "data" / "places.yaml")


def test_spellings_resolve_to_the_canonical_place(places):
    assert places.township("高峰乡") == places.township(" 高峰镇 ") == "高峰镇"
    assert places.village("高峰镇", "长岭村委会") == places.village("高峰镇", "长岭") == "长岭村"
    assert places.village("高峰镇", "杨柳社区") is None  # a village of another township
    assert places.township("张三") is None


def test_documents_followed_are_the_countys_then_the_townships(places):
    assert places.documents_for("高峰镇") == ("shuangling-2017", "dunji-2023")


@pytest.mark.parametrize(
    "name, why",
    [
        ("../村", "路径"),
        ("长岭/村", "路径"),
        ("长岭\x07村", "控制字符"),
        ("长" * 65, "超过 64"),
        ("<img src=x onerror=alert(1)>村", "不应出现的字符"),
    ],
)
def test_unsafe_names_in_the_list_stop_the_build(tmp_path, name, why):
    path = tmp_path / "places.yaml"
    village = json.dumps(name, ensure_ascii=False)
    path.write_text(
        f"county: 示范县\ntownships:\n  - name: 高峰镇\n    villages:\n      - name: {village}\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError) as err:
        read_places(path)
    assert why in str(err.value)
