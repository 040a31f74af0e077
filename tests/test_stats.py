"""Indicator tables at every level, recomputed from sums; subscribers by commune or district."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from ictgis import i18n, stats
from ictgis.config import load_config
from ictgis.stats import NOT_BY_DISTRICT, compute_stats, indicator_layers
from ictgis.workspace import load_workspace
from tests.conftest import CONFIG

SUBSCRIBERS = """
[layers.subscribers]
path = "subs.csv"
by = "{by}"
[layers.subscribers.fields]
{by} = "key"
fixed = "cd"
mobile_postpaid = "ts"
mobile_prepaid = "tt"
internet_fixed = "ic"
internet_mobile = "idd"
"""


def stats_for(root):
    ws = load_workspace(load_config(root))
    return ws, compute_stats(ws)


def test_levels_by_hand(make_workspace) -> None:
    _, tables = stats_for(make_workspace())
    assert set(tables) == {"commune", "district", "zone", "region", "region_zone", "province"}
    province = tables["province"].iloc[0]
    # 300 km², 35,000 people, 4 counted points (the courier office does not count)
    assert (province["area_km2"], province["population"], province["n_points"]) == (
        pytest.approx(300), 35_000, 4)
    assert province["radius_km"] == pytest.approx(math.sqrt(300 / (4 * math.pi)))
    assert province["pop_per_point"] == 8_750
    zone = tables["zone"].set_index("zone")
    assert zone.loc["rural", "n_points"] == 2
    assert zone.loc["rural", "radius_km"] == pytest.approx(math.sqrt(100 / (2 * math.pi)))
    assert zone.loc["urban", "pop_per_point"] == 7_500
    region = tables["region"].set_index("region")
    assert region.loc["Tây", "population"] == 25_000
    assert region.loc["Tây", "masts"] == 2 and region.loc["Trung tâm", "masts_shared"] == 1
    assert province["shared_mast_pct"] == 25.0
    assert province["masts_per_100km2"] == pytest.approx(4 / 3)
    commune = tables["commune"].set_index("code")
    assert commune.loc["003", "masts"] == 0
    assert pd.isna(commune.loc["003", "operators_per_mast"])


def test_subscribers_by_commune_reach_every_level(make_workspace) -> None:
    subs = pd.DataFrame({"key": ["001", "002", "003"], "cd": [500, 100, 50],
                         "ts": [500, 300, 50], "tt": [9000, 15000, 4000],
                         "ic": [2000, 400, 300], "idd": [5000, 6000, 2000]})
    config = CONFIG + SUBSCRIBERS.format(by="commune")
    _, tables = stats_for(make_workspace(config=config, extra={"subs.csv": subs}))
    rural = tables["zone"].set_index("zone").loc["rural"]
    assert rural["phone_per_100"] == pytest.approx(400 * 100 / 20_000)
    province = tables["province"].iloc[0]
    assert province["phone_per_100_incl_prepaid"] == pytest.approx(29_500 * 100 / 35_000)
    assert province["internet_fixed_per_100"] == pytest.approx(2_700 * 100 / 35_000)


def test_subscribers_by_district_leave_zones_empty(make_workspace) -> None:
    subs = pd.DataFrame({"key": ["TP Mỹ Tho", "Huyện Cái Bè"], "cd": [500, 150],
                         "ts": [500, 350], "tt": [9000, 19000], "ic": [2000, 700],
                         "idd": [5000, 8000]})
    config = CONFIG + SUBSCRIBERS.format(by="district")
    _, tables = stats_for(make_workspace(config=config, extra={"subs.csv": subs}))
    district = tables["district"].set_index("district")
    assert district.loc["Huyện Cái Bè", "phone_per_100"] == pytest.approx(500 * 100 / 25_000)
    assert tables["province"]["phone_per_100"].iloc[0] == pytest.approx(1_500 * 100 / 35_000)
    assert tables["region"].set_index("region").loc["Tây", "fixed"] == 150
    assert tables["zone"]["phone_per_100"].isna().all()
    assert (tables["zone"]["telecom_note"] == NOT_BY_DISTRICT).all()


def test_bad_subscriber_rows_are_all_listed(make_workspace) -> None:
    from ictgis.errors import DataError

    subs = pd.DataFrame({"key": ["001", "002", "003", "004"], "cd": [1, 1, 1, "x"],
                         "ts": 0, "tt": 0, "ic": 0, "idd": 0})
    config = CONFIG + SUBSCRIBERS.format(by="commune")
    with pytest.raises(DataError, match=r"2 problems") as err:
        stats_for(make_workspace(config=config, extra={"subs.csv": subs}))
    assert "subs.csv: row 5: fixed is not a non-negative number: x" in str(err.value)
    assert "subs.csv: row 5: commune 004 matches no commune" in str(err.value)


def test_indicator_layers_carry_indicators(make_workspace) -> None:
    ws, tables = stats_for(make_workspace())
    layers = indicator_layers(ws, tables)
    assert set(layers) == {"communes", "districts", "regions"}
    districts = layers["districts"].set_index("district")
    assert districts.loc["Huyện Cái Bè"].geometry.area == pytest.approx(200e6)
    assert districts.loc["Huyện Cái Bè", "n_points"] == 3
    assert layers["communes"].crs.to_epsg() == 9210


def test_tables_carry_ids_and_display_gives_labels(make_workspace, vietnamese) -> None:
    _, tables = stats_for(make_workspace())
    assert set(tables["zone"]["zone"]) == {"urban", "rural"}
    assert stats.display(tables["zone"])["zone"].tolist() == ["Nông thôn", "Thành thị"]
    assert stats.display(tables["province"])["province"].tolist() == ["Toàn tỉnh"]
    with i18n.language("en"):
        assert stats.display(tables["zone"])["zone"].tolist() == ["Rural", "Urban"]
    shown = stats.display(tables["zone"])["zone"]
    assert i18n.ids("admin.zone", shown).tolist() == ["rural", "urban"]  # how readers get ids


def test_headers_are_vietnamese_by_default() -> None:
    import contextvars

    columns = ["radius_km", "n_buu_cuc", "masts_op_vinaphone", "masts_4g"]
    got = contextvars.Context().run(stats.headers, columns)  # nothing set: the default
    assert got == {"radius_km": "Bán kính phục vụ R (km/điểm)", "n_buu_cuc": "Số điểm: Bưu cục",
                   "masts_op_vinaphone": "Cột có VinaPhone", "masts_4g": "Cột có 4G"}


def test_headers_in_english() -> None:
    got = stats.headers(["radius_km", "n_buu_cuc", "masts_op_vinaphone", "masts_4g", "other"])
    assert got == {"radius_km": "Service radius R (km/point)", "n_buu_cuc": "Points: Post office",
                   "masts_op_vinaphone": "Masts with VinaPhone", "masts_4g": "Masts with 4G"}


def test_xlsx_headers_follow_the_language(runner, make_workspace) -> None:
    import openpyxl

    from ictgis.cli.main import main

    root = make_workspace()
    for lang, header, sheet_name in (("vi", "Bán kính phục vụ R (km/điểm)", "Toàn tỉnh"),
                                     ("en", "Service radius R (km/point)", "Province")):
        result = runner.invoke(main, ["stats", "-w", str(root), "-q", "--lang", lang],
                               catch_exceptions=False)
        assert result.exit_code == 0, result.output
        sheet = openpyxl.load_workbook(root / "outputs" / "stats" / "stats.xlsx")[sheet_name]
        assert header in [c.value for row in sheet.iter_rows(max_row=5) for c in row]


@pytest.mark.parametrize(("values", "expected"), [
    ([3.0, float("nan"), 0.0], [3, None, 0]),           # sums of counts: NaN where incomplete
    ([float("nan"), float("nan")], [None, None]),
    ([], []),
    ([2.5, 1.0], None),                                  # a fraction: not counts
    ([1.0, float("inf")], None),
    (pd.Series(["4", None, 7], dtype=object), [4, None, 7]),  # not float64: numbers first
    (pd.Series(["4", "x"], dtype=object), None),                 # text is not a count
    (pd.Series([2, None], dtype="Int64"), [2, None]),
    (pd.Series([1.5, None], dtype="Float64"), None),
])
def test_whole_numbers_as_pandas_astype_would_give(values, expected) -> None:
    series = values if isinstance(values, pd.Series) else pd.Series(values, dtype=float)
    got = stats._whole_numbers(series)
    if expected is None:
        assert got is None
        return
    assert str(got.dtype) == "Int64"
    assert [None if pd.isna(v) else int(v) for v in got] == expected
    pd.testing.assert_series_equal(got, pd.to_numeric(series).astype("Int64"), check_names=False)
