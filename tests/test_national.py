"""The national SYNTHETIC workspace (``ictgis demo --scale national``), reduced: it validates,
runs, and its levels, per-province report table and areas hold against independent oracles."""

from __future__ import annotations

import math
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from click.testing import CliRunner
from pyproj import Geod

from ictgis import admin
from ictgis.cli.main import main
from ictgis.demo import national

FACTOR = "0.02"  # 66 communes, 2,000 BTS, 300 postal points: the country in a few seconds


@pytest.fixture(scope="module")
def national_run(tmp_path_factory) -> tuple[Path, Path]:
    """A reduced 2025 national demo, validated and run (no coverage, maps, QGIS, priorities)."""
    root = tmp_path_factory.mktemp("national")
    ws, out = root / "ws", root / "out"
    runner = CliRunner()
    made = runner.invoke(main, ["demo", str(ws), "--scale", "national",  # 2025: the default
                                "--factor", FACTOR, "-q"])
    assert made.exit_code == 0, made.output
    checked = runner.invoke(main, ["validate", "-w", str(ws), "-q"])
    assert checked.exit_code == 0, checked.output
    # the report's tables are checked from the outputs below (its rendering is tested elsewhere)
    ran = runner.invoke(main, ["run", "-w", str(ws), "--out", str(out), "--lang", "en", "-q",
                               *[a for s in ("coverage", "maps", "qgis", "priorities", "report")
                                 for a in ("--skip", s)]])
    assert ran.exit_code == 0, ran.output
    return ws, out


def _csv(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, encoding="utf-8-sig", dtype={"code": str})


def test_the_workspace_says_it_is_synthetic_and_national(national_run) -> None:
    ws, _ = national_run
    communes = gpd.read_file(ws / "boundaries" / "communes.gpkg")
    assert (communes["ghi_chu"] == national.SYNTHETIC_LABEL).all()
    assert "synthetic = true" in (ws / "ictgis.toml").read_text(encoding="utf-8")
    assert communes["tinh"].nunique() == 34 and "huyen" not in communes  # 2025: no districts
    for name in ("bts.csv", "post_offices.csv", "subscribers.csv", "plan/planned_sites.csv",
                 "plan/proposals.csv"):
        assert (pd.read_csv(ws / "layers" / name)["ghi_chu"] == national.SYNTHETIC_LABEL).all()


def test_masts_pass_validation_except_the_deliberate_swaps(national_run) -> None:
    ws, out = national_run
    bts = pd.read_csv(ws / "layers" / "bts.csv", dtype=str)
    # VN-2000 northings here are >= 948 km and eastings <= 903 km: a swapped row has Y > X
    swapped = set(bts.loc[bts["toa_do_y"].astype(float) > bts["toa_do_x"].astype(float),
                          "ma_tram"])
    problems = _csv(out / "rejects" / "problems.csv")
    bts_problems = problems[problems["layer"] == "bts"]
    assert set(bts_problems["id"]) == swapped
    assert set(bts_problems["code"]) <= {"swapped"}


def test_levels_are_sums_of_communes_and_ratios_of_sums(national_run) -> None:
    _, out = national_run
    stats = out / "stats"
    assert {p.stem for p in stats.glob("*.csv")} == {
        "commune", "province", "macro_region", "zone", "country"}
    communes = _csv(stats / "commune.csv")
    summed = ["area_km2", "population", "n_points", "masts"]
    for level, key in (("province", "province"), ("macro_region", "macro_region")):
        table = _csv(stats / f"{level}.csv").set_index(key).sort_index()
        oracle = communes.groupby(key)[summed].sum().sort_index()
        assert list(table.index) == list(oracle.index)
        np.testing.assert_allclose(table[summed].to_numpy(float), oracle.to_numpy(float),
                                   rtol=1e-9)
        # R = sqrt(S / (pi N)) of the sums, never the mean of the communes' radii
        radius = np.sqrt(oracle["area_km2"] / (math.pi * oracle["n_points"]))
        np.testing.assert_allclose(table["radius_km"], radius, rtol=1e-9)
        assert not np.allclose(table["radius_km"],
                               communes.groupby(key)["radius_km"].mean().sort_index())
    country = _csv(stats / "country.csv")
    assert len(country) == 1 and country["country"].iloc[0] == "Whole country"
    np.testing.assert_allclose(country[summed].to_numpy(float)[0],
                               communes[summed].sum().to_numpy(float), rtol=1e-9)
    assert country["population"].iloc[0] > 50e6  # the country's people, not one province's
    regions = set(_csv(stats / "macro_region.csv")["macro_region"])
    assert regions <= {"Northern Midlands and Mountains", "Red River Delta",
                       "North Central and Central Coast", "Central Highlands", "Southeast",
                       "Mekong River Delta"}
    assert len(regions) == 6


def test_the_report_has_a_table_per_province(national_run) -> None:
    from ictgis.outputs import Outputs
    from ictgis.report import Indicator, indicator_value, whole_level
    from ictgis.report.document import sections

    _, out = national_run
    tables = Outputs(out).tables()
    assert whole_level(tables) == "country"
    found = {s["id"]: s for s in sections(tables)}
    assert list(found)[:3] == ["by_macro_region", "by_province", "by_zone"]
    provinces = _csv(out / "stats" / "province.csv")
    rows = found["by_province"]["rows"]
    assert [r[0][0] for r in rows] == list(provinces["province"])
    assert found["by_province"]["headers"][:2] == ["Province", "S (km²)"]
    assert len(found["siting_province"]["rows"]) == len(provinces)  # compliance by province
    # the headline is the country's, not the first province's
    masts = Indicator(id="masts", unit="", table="stats", column="masts", decimals=0)
    assert indicator_value(masts, tables, {}) == provinces["masts"].sum()


def test_areas_match_the_geodesic_area_at_the_east_and_west_edges(national_run) -> None:
    ws, out = national_run
    communes = gpd.read_file(ws / "boundaries" / "communes.gpkg")
    areas = _csv(out / "stats" / "province.csv").set_index("province")["area_km2"]
    geod = Geod(ellps="WGS84")
    lonlat = communes.to_crs(4326)  # the datum shift moves, it does not stretch
    centre = shapely.centroid(lonlat.geometry.array)
    lon = shapely.get_x(centre)
    west, east = lonlat["tinh"].iloc[int(np.argmin(lon))], lonlat["tinh"].iloc[int(np.argmax(lon))]
    assert lon.min() < 103.0 and lon.max() > 109.0  # the country's west and east edges
    for province in (west, east):
        mine = lonlat[lonlat["tinh"] == province].geometry
        oracle = sum(abs(geod.geometry_area_perimeter(g)[0]) for g in mine) / 1e6
        assert areas[province] == pytest.approx(oracle, rel=1e-3)
        plane = communes[communes["tinh"] == province].area.sum() / 1e6  # EPSG:9210 itself
        assert abs(plane / oracle - 1) > 2e-3  # one TM-3 zone across the country would not do


def test_legacy_era_has_63_provinces_and_districts_within_them() -> None:
    nat = national.build(5, national.Scale(communes=national.ERA_COMMUNES["legacy"]).times(0.012),
                         postal=False, country=national.vietnam("legacy"))
    communes = nat.communes
    assert communes["province"].nunique() == 63
    assert (communes.groupby("district")["province"].nunique() == 1).all()
    assert set(nat.regions) == set()  # macro-regions are ictgis' default, not [regions]
    assert shapely.is_valid(communes.geometry.array).all()
    union = shapely.union_all(communes.geometry.array)
    assert union.area == pytest.approx(nat.country.outline.area, rel=1e-6)
    assert communes.geometry.area.sum() == pytest.approx(union.area, rel=1e-9)  # no overlap
    known = set(national.HEIGHTS)
    assert set(nat.sites["mast_class"].dropna()) <= known
    heights = nat.sites["height"].dropna()
    assert heights.between(6, 60).all()
    levels = admin.levels([*communes.columns, "zone", "macro_region"])
    assert levels["district"] == ("province", "district")
    assert list(levels) == ["commune", "district", "province", "macro_region", "zone", "country"]


# ------------------------------------------------------------- coverage, siting, console

#: The reduced country at 2 km with one technology: coverage in a few seconds.
COARSE = """resolution_m = 2000
max_range_km = 10
[coverage.technologies.4G]
frequency_mhz = 1800
eirp_dbm = 58
threshold_dbm = -100
"""


@pytest.fixture(scope="module")
def national_coverage(national_run, tmp_path_factory) -> tuple[Path, Path, str]:
    """The reduced national workspace's stats and coverage (console shown), coarse grid."""
    import shutil

    root = tmp_path_factory.mktemp("national_coverage")
    ws, out = root / "ws", root / "out"
    shutil.copytree(national_run[0], ws)
    config = (ws / "ictgis.toml").read_text(encoding="utf-8")
    assert "[coverage]\nresolution_m = 100\n" in config
    (ws / "ictgis.toml").write_text(config.replace("resolution_m = 100\n", COARSE),
                                    encoding="utf-8")
    ran = CliRunner().invoke(main, ["run", "-w", str(ws), "--out", str(out), "--lang", "en",
                                    "--format", "csv", *[a for s in (
                                        "siting", "calibration", "priorities", "maps", "qgis",
                                        "report") for a in ("--skip", s)]])
    assert ran.exit_code == 0, ran.output
    return ws, out, ran.output


def test_coverage_tables_are_the_provinces_macro_regions_and_country(national_coverage) -> None:
    _, out, _ = national_coverage
    cov = out / "coverage"
    assert {p.stem for p in cov.glob("*.csv")} >= {
        "commune", "province", "macro_region", "zone", "country"}
    communes = _csv(cov / "commune.csv")
    stats = _csv(out / "stats" / "commune.csv").set_index("code")
    assert {"province", "macro_region"} <= set(communes.columns)
    assert (communes.set_index("code")[["province", "macro_region"]]
            == stats.loc[communes["code"], ["province", "macro_region"]]).all().all()
    summed = ["population", "pixels", "pop_covered_any_4g", "pop_covered_viettel_4g"]
    for level in ("province", "macro_region"):
        table = _csv(cov / f"{level}.csv").set_index(level).sort_index()
        oracle = communes.groupby(level)[summed].sum().sort_index()
        assert list(table.index) == list(oracle.index)
        assert len(table) == (34 if level == "province" else 6)
        np.testing.assert_allclose(table[summed].to_numpy(float), oracle.to_numpy(float),
                                   rtol=1e-9)
        np.testing.assert_allclose(
            table["pop_pct_any_4g"], 100 * oracle["pop_covered_any_4g"] / oracle["population"],
            rtol=1e-9)
    country = _csv(cov / "country.csv")
    assert len(country) == 1 and country["country"].iloc[0] == "Whole country"
    np.testing.assert_allclose(country[summed].to_numpy(float)[0],
                               communes[summed].sum().to_numpy(float), rtol=1e-9)
    assert country["population"].iloc[0] == stats["population"].sum()


def test_the_console_shows_the_country_not_the_first_province(national_coverage) -> None:
    from ictgis.i18n import number

    _, out, shown = national_coverage
    lines = shown.splitlines()
    country = _csv(out / "stats" / "country.csv").iloc[0]
    first = _csv(out / "stats" / "province.csv").iloc[0]
    whole = [line for line in lines if line.startswith("Whole country")]
    assert len(whole) == 1 and not any(line.startswith("Province") for line in lines)
    assert number(country["population"], 0) in whole[0]
    assert number(first["population"], 0) not in whole[0]
    assert sum(line.startswith(("Northern Midlands", "Mekong River Delta")) for line in lines) == 2
    pct = _csv(out / "coverage" / "country.csv")["pop_pct_any_4g"].iloc[0]
    first_pct = _csv(out / "coverage" / "province.csv")["pop_pct_any_4g"].iloc[0]
    assert number(pct, 1) != number(first_pct, 1)  # the premise: they tell apart
    assert f"4G: any operator {number(pct, 1)} (" in shown


def test_plan_compliance_of_the_macro_regions_and_the_country(national_run) -> None:
    from ictgis.i18n import number
    from ictgis.outputs import Outputs
    from ictgis.report import Indicator, indicator_value
    from ictgis.report.model import narrative

    _, out = national_run
    siting = out / "siting"
    provinces = _csv(siting / "summary_compliance_province.csv")
    region_of = _csv(out / "stats" / "commune.csv").drop_duplicates("province").set_index(
        "province")["macro_region"]
    regions = _csv(siting / "summary_compliance_macro_region.csv").set_index("macro_region")
    oracle = provinces.groupby(provinces["province"].map(region_of))[["masts", "compliant"]].sum()
    assert len(regions) == 6
    np.testing.assert_allclose(regions.loc[oracle.index, ["masts", "compliant"]], oracle)
    country = _csv(siting / "summary_compliance_country.csv")
    assert len(country) == 1
    masts, compliant = country["masts"].iloc[0], country["compliant"].iloc[0]
    assert masts == _csv(out / "stats" / "country.csv")["masts"].iloc[0]  # counted by stats
    assert compliant == provinces["compliant"].sum() and 0 < compliant < masts
    # the report's headline: the country's compliance
    tables = Outputs(out).tables()
    pct = Indicator(id="compliance_pct", unit="pct", table="siting", column="compliance_pct",
                    decimals=1)
    assert indicator_value(pct, tables, {}) == pytest.approx(100 * compliant / masts)
    text = " ".join(narrative(tables))
    assert f"{number(compliant, 0)} of {number(masts, 0)} masts" in text


def test_the_siting_console_gives_the_countrys_compliance(national_run) -> None:
    from ictgis.i18n import number

    ws, out = national_run
    shown = CliRunner().invoke(main, ["siting", "-w", str(ws), "--out", str(out), "--lang", "en"])
    assert shown.exit_code == 0, shown.output
    country = _csv(out / "siting" / "summary_compliance_country.csv").iloc[0]
    first = _csv(out / "siting" / "summary_compliance_province.csv").iloc[0]
    assert (first["compliant"], first["masts"]) != (country["compliant"], country["masts"])
    line = next(x for x in shown.output.splitlines() if number(int(country["masts"]), 0) in x
                and number(int(country["compliant"]), 0) in x)
    assert number(country["compliance_pct"], 1) in line
