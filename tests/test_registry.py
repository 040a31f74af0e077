"""Commune codes and names against the registry of administrative units (ictgis[admin])."""

from __future__ import annotations

import socket
import sys

import geopandas as gpd
import pandas as pd
import pytest
from click.testing import CliRunner
from shapely.geometry import box

from ictgis import registry
from ictgis.cli.main import main
from ictgis.io import WHERE
from ictgis.validate import PROBLEM_COLUMNS

#: Tests that read the registry (CI installs it: the extra is in ``test``).
needs_registry = pytest.mark.skipif(not registry.available(),
                                    reason="the registry is the extra ictgis[admin]")


def _communes(rows: list[tuple], *, district: bool = False) -> gpd.GeoDataFrame:
    """A commune layer: (code, name[, district]) per row, a square each, rows numbered."""
    columns = ["code", "name", "district"][:len(rows[0])]
    frame = pd.DataFrame(rows, columns=columns).astype("string")
    frame[WHERE] = [f"feature {i + 1}" for i in range(len(frame))]
    assert district == ("district" in frame)
    return gpd.GeoDataFrame(frame, geometry=[box(i, 0, i + 1, 1) for i in range(len(frame))],
                            crs="EPSG:9210")


def _by_where(found: pd.DataFrame) -> dict[str, tuple[str, str]]:
    return {w: (k, p) for w, k, p in zip(found["where"], found["code"], found["problem"],
                                         strict=True)}


@needs_registry
def test_the_registry_holds_both_eras_of_tien_giang() -> None:
    # the units the tests below use, as the registry itself has them
    new, old = registry.units("2025"), registry.units("before_2025")
    assert new.loc["28249", ["name", "province"]].tolist() == ["Phường Đạo Thạnh", "Đồng Tháp"]
    assert new.loc["28468", "name"] == "Xã Tân Phú"
    assert new.loc["28444", "name"] == "Xã Thạnh Phú"
    assert new.loc["28436", "name"] == "Phường Thanh Hòa"
    assert old.loc["28249", ["name", "district", "province"]].tolist() == [
        "Phường 5", "Thành phố Mỹ Tho", "Tiền Giang"]
    assert old.loc["28282", "name"] == "Xã Đạo Thạnh"
    # the official conversion: Phường 5 and Phường 4 of Mỹ Tho are now Phường Đạo Thạnh
    assert registry.successors().loc[["28249", "28252"], "code"].tolist() == ["28249", "28249"]
    assert {"tinhtiengiang", "tinhdongthap"} == set(registry.former_provinces()["tinhdongthap"])


@needs_registry
def test_units_of_2025_that_the_registry_confirms_give_no_problem() -> None:
    communes = _communes([("28249", "Phường Đạo Thạnh"), ("28468", "Tân Phú"),
                          (None, "Xã Thạnh Phú"), ("28436", "Phường Thanh Hoà"),  # tone place
                          ("28249", "Phuong Dao Thanh"), ("28444", None)])  # no diacritics
    assert registry.check_communes(communes, era="2025").empty


@needs_registry
def test_codes_and_names_the_registry_does_not_know_name_the_closest_entry() -> None:
    communes = _communes([
        ("28249", "Phường Đạo Thạnh"),
        ("99999", "Xã Tân Phú"),           # unknown code
        (None, "Xã Tân Phúu"),             # misspelled name
        (None, "Xã Thanh Phú"),            # misspelled diacritics
        ("28249", "Xã Tân Phú"),           # the code of another commune
        ("28468", "Xã Bến Tre"),           # a name the registry does not have
    ])
    found = registry.check_communes(communes, era="2025", file="xa.gpkg")
    assert list(found.columns) == list(PROBLEM_COLUMNS)
    assert set(found["severity"]) == {"warning"} and set(found["layer"]) == {"communes"}
    assert set(found["file"]) == {"xa.gpkg"}
    problems = _by_where(found)
    assert problems == {
        "feature 2": ("registry_unknown_code", "code 99999 is not in the registry of units since "
                      "1 July 2025; closest by name: Xã Tân Phú (28468)"),
        "feature 3": ("registry_unknown_name", "name “Xã Tân Phúu” is not in the registry of units"
                      " since 1 July 2025; closest: Xã Tân Phú (28468)"),
        "feature 4": ("registry_spelling",
                      "name “Xã Thanh Phú” is written Xã Thạnh Phú (28444) in the registry"),
        "feature 5": ("registry_code_of_other", "code 28249 is Phường Đạo Thạnh in the registry, "
                      "and “Xã Tân Phú” is Xã Tân Phú (28468)"),
        "feature 6": ("registry_name_differs", "name “Xã Bến Tre” differs from the registry's "
                      "name for code 28468: “Xã Tân Phú”"),
    }
    assert found.set_index("where").loc["feature 2", "id"] == "99999"


@needs_registry
def test_a_former_name_or_code_in_a_2025_layer_names_its_successor() -> None:
    communes = _communes([("28249", "Phường 5"),       # former name kept with its code
                          ("28252", "Phường 4"),       # former code: not a 2025 unit's
                          (None, "Xã Tân Mỹ Chánh")])  # former name, no code
    problems = _by_where(registry.check_communes(communes, era="2025"))
    assert problems["feature 1"] == (
        "registry_former_name", "“Phường 5” is the name of a unit before the reorganisation of "
        "1 July 2025; now part of: Phường 5, Thành phố Mỹ Tho (28249) → Phường Đạo Thạnh (28249)")
    assert problems["feature 2"] == (
        "registry_former_code", "code 28252 is the code of Phường 4, Thành phố Mỹ Tho (28252) "
        "before the reorganisation of 1 July 2025; now part of Phường Đạo Thạnh (28249)")
    kind, text = problems["feature 3"]
    assert kind == "registry_former_name" and text.endswith(
        "Xã Tân Mỹ Chánh, Thành phố Mỹ Tho (28291) → Phường Mỹ Phong (28273)")


@needs_registry
def test_former_units_are_looked_up_in_their_district() -> None:
    communes = _communes([("28249", "Phường 5", "Thành phố Mỹ Tho"),
                          ("28282", "Xã Đạo Thạnh", "TP. Mỹ Tho"),
                          (None, "Phường 1", "Thị xã Cai Lậy"),
                          (None, "Xã Đạo Thạnh", "Thành phố Gò Công"),  # not in that district
                          ("28300", "Phường 2", "Thành phố Gò Công")],  # Phường 1's code
                         district=True)
    problems = _by_where(registry.check_communes(communes, era="before_2025"))
    assert problems == {
        "feature 4": ("registry_unknown_name", "name “Xã Đạo Thạnh” is not in the registry of "
                      "units before 1 July 2025; closest: Xã Đạo Thạnh, Thành phố Mỹ Tho (28282)"),
        "feature 5": ("registry_code_of_other", "code 28300 is Phường 1 in the registry, and "
                      "“Phường 2” is Phường 2, Thành phố Gò Công (28297)"),
    }


@needs_registry
def test_codes_are_read_as_the_registry_writes_them() -> None:
    communes = _communes([("28249.0", "Phường Đạo Thạnh"), ("97", "Phường Hồng Hà")])
    assert registry.check_communes(communes, era="2025").empty  # 00097 is in Hà Nội


@needs_registry
def test_province_named_in_the_config_when_no_code_is_known() -> None:
    communes = _communes([(None, "Xã Tân Phúu")])
    found = registry.check_communes(communes, era="2025", province="Tỉnh Đồng Tháp (2025)")
    assert found["problem"].iloc[0].endswith("closest: Xã Tân Phú (28468)")


@needs_registry
def test_unknown_era_is_refused() -> None:
    with pytest.raises(ValueError, match="no era “2019” in the registry"):
        registry.check_communes(_communes([("28249", "Phường 5")]), era="2019")


@needs_registry
def test_without_a_province_names_are_looked_up_in_the_whole_country() -> None:
    found = registry.check_communes(_communes([(None, "Xã Tân Phúu")]), era="2025")
    closest = found["problem"].iloc[0].split("closest: ")[1].split("; ")
    assert len(closest) > 1 and "Xã Tân Phú, Đồng Tháp (28468)" in closest


@needs_registry
def test_problems_are_in_vietnamese_by_default(vietnamese) -> None:
    found = registry.check_communes(_communes([("28249", "Phường Đạo Thạnh"),
                                               ("99999", "Xã Tân Phú")]), era="2025")
    assert found["problem"].tolist() == [
        "mã 99999 không có trong danh mục đơn vị hành chính từ 1/7/2025; gần nhất theo tên: "
        "Xã Tân Phú (28468)"]


@needs_registry
def test_the_registry_is_read_without_network(monkeypatch) -> None:
    def refuse(*_args, **_kwargs):
        raise OSError("no network in this test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    for cached in (registry.units, registry.successors, registry.former_provinces):
        cached.cache_clear()
    found = registry.check_communes(_communes([("28252", "Phường 4")]), era="2025")
    assert found["code"].tolist() == ["registry_former_code"]


def test_era_follows_the_tiers() -> None:
    assert registry.era_of(2) == "2025" and registry.era_of(3) == "before_2025"


# --- ictgis validate ------------------------------------------------------------------------


def _validate(root) -> tuple[object, pd.DataFrame]:
    result = CliRunner().invoke(main, ["validate", "-w", str(root)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    problems = pd.read_csv(root / "outputs" / "rejects" / "problems.csv", dtype=str,
                           encoding="utf-8-sig")
    return result, problems


@needs_registry
def test_validate_lists_the_registry_problems(make_workspace, communes_gdf) -> None:
    communes = communes_gdf.assign(ma=["28261", "28429", "99999"],
                                   ten=["Phường 1", "Xã An Hửu", "Thị trấn Cái Bè"])
    result, problems = _validate(make_workspace(communes=communes))
    found = problems[problems["code"].str.startswith("registry_", na=False)]
    assert found[["where", "id", "severity", "code"]].values.tolist() == [
        ["feature 2", "28429", "warning", "registry_spelling"],
        ["feature 3", "99999", "warning", "registry_unknown_code"]]
    assert ("registry check of 3 communes against the units before 1 July 2025 "
            "(vietnamadminunits ") in result.stdout
    assert ("warning: communes.gpkg: feature 3 (id 99999): code 99999 is not in the registry of "
            "units before 1 July 2025; closest by name: Thị trấn Cái Bè, Huyện Cái Bè (28360)"
            ) in result.stderr.splitlines()
    assert "2 warning" in result.stdout


@needs_registry
def test_codes_of_another_numbering_are_not_checked_names_are(make_workspace) -> None:
    # the toy province numbers its communes 001-003: not the registry's codes
    assert not registry.gso_codes(pd.Series(["001", "002", "003"]))
    assert registry.gso_codes(pd.Series(["28261", "28429", "99999", "NOCODE-4", None]))
    result, problems = _validate(make_workspace())
    assert not problems["code"].str.startswith("registry_", na=False).any()
    assert "the layer's codes are not the registry's (GSO) codes and were not checked" in (
        result.stdout)


def test_validate_says_the_check_was_skipped_without_the_extra(make_workspace,
                                                               monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "vietnamadminunits", None)
    monkeypatch.setitem(sys.modules, "vietnamadminunits.database", None)
    assert not registry.available()
    result, problems = _validate(make_workspace())
    assert "registry check skipped: install ictgis[admin]" in result.stdout.splitlines()
    assert not problems["code"].str.startswith("registry_", na=False).any()


def test_validate_skips_synthetic_workspaces(make_workspace) -> None:
    from tests.conftest import CONFIG

    root = make_workspace(config=CONFIG.replace('crs = "EPSG:9210"\n',
                                                'crs = "EPSG:9210"\nsynthetic = true\n', 1))
    result, problems = _validate(root)
    assert "registry check skipped: the workspace's data are synthetic" in result.stdout
    assert not problems["code"].str.startswith("registry_", na=False).any()
