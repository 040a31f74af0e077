"""Layers left empty by rejection (issue 10, item 1) and the scale of bad input (item 7).

Every point layer may lose every row (all outside the province, unreadable coordinates,
no operator, unknown types); zones may have no feature. The maps, siting and static maps
then work: the layer is absent and the legend says so. A layer of sites too large to draw
one by one is shown as counts per commune, and the page says so (and stays under 8 MB).

The cases break the toy workspace of tests/conftest.py, with a plan (zones, features,
planned sites, proposals) added, and run the CLI in Vietnamese and English
(tests/robustness/conftest.py). The million-row case is a benchmark:
``benchmarks/bench_bad_input.py``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import Point, box

from ictgis import i18n, maps, outputs, siting
from ictgis.config import load_config
from ictgis.workspace import load_workspace, siting_context
from tests.conftest import SIDE, X0, Y0, lonlat
from tests.robustness.conftest import Case, check_case, invoke

PLAN = """
[layers.zones]
path = "zones.gpkg"
[layers.zones.fields]
id = "ma"
zone_class = "loai"

[layers.plan_features]
path = "features.gpkg"
[layers.plan_features.fields]
id = "ma"
zone_class = "loai"
buffer = "r"

[layers.planned_sites]
path = "planned.csv"
crs = "EPSG:9210"
[layers.planned_sites.fields]
id = "ma"
easting = "x"
northing = "y"

[layers.proposals]
path = "proposals.csv"
crs = "EPSG:9210"
[layers.proposals.fields]
id = "ma"
operators = "ops"
easting = "x"
northing = "y"
"""

#: Every point of a layer 10 km east of the province (still in the same TM-3 zone).
EAST = X0 + 3 * SIDE + 10_000


def add_plan(root: Path) -> Path:
    """Zones, plan features, planned sites and proposals in the toy workspace."""
    gpd.GeoDataFrame({"ma": ["Z1"], "loai": ["Khu vực cấm"]},
                     geometry=[box(X0, Y0, X0 + 500, Y0 + 500)], crs="EPSG:9210").to_file(
        root / "zones.gpkg")
    gpd.GeoDataFrame({"ma": ["F1"], "loai": ["Khu vực cấm"], "r": [100]},
                     geometry=[Point(X0 + 25_000, Y0 + 5_000)], crs="EPSG:9210").to_file(
        root / "features.gpkg")
    pd.DataFrame({"ma": ["QH1", "QH2"], "x": [X0 + 11_050, X0 + 28_000],
                  "y": [Y0 + 1_000, Y0 + 5_000]}).to_csv(root / "planned.csv", index=False)
    pd.DataFrame({"ma": ["D1", "D2"], "ops": ["VinaPhone", "Viettel"],
                  "x": [X0 + 11_060, X0 + 16_000], "y": [Y0 + 1_000, Y0 + 9_000]}).to_csv(
        root / "proposals.csv", index=False)
    config = root / "ictgis.toml"
    config.write_text(config.read_text(encoding="utf-8") + PLAN, encoding="utf-8")
    return root


# ------------------------------------------------------------------------------ breakers


def _table(root: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(root / name, dtype=str, keep_default_na=False)


def _set(name: str, **columns: str) -> Callable[[Path], None]:
    """Every row of ``name`` gets these column values."""

    def _break(root: Path) -> None:
        table = _table(root, name)
        for column, value in columns.items():
            table[column] = value
        table.to_csv(root / name, index=False)

    return _break


def _allow_outside(root: Path) -> None:
    config = root / "ictgis.toml"
    config.write_text(config.read_text(encoding="utf-8") + "\n[checks]\nmax_outside_pct = 100\n",
                      encoding="utf-8")


def posts_outside(root: Path) -> None:
    lon, lat = lonlat([EAST], [Y0 + 5_000])
    _set("posts.csv", lon=lon[0], lat=lat[0])(root)
    _allow_outside(root)


def points_outside(name: str) -> Callable[[Path], None]:
    def _break(root: Path) -> None:
        _set(name, x=str(EAST))(root)
        _allow_outside(root)

    return _break


def no_feature(name: str) -> Callable[[Path], None]:
    """``name`` (a GeoPackage) with its columns but no feature."""

    def _break(root: Path) -> None:
        gdf = gpd.read_file(root / name)
        (root / name).unlink()
        gdf.iloc[:0].to_file(root / name)

    return _break


def both(*breakers: Callable[[Path], None]) -> Callable[[Path], None]:
    def _break(root: Path) -> None:
        for breaker in breakers:
            breaker(root)

    return _break


def posts_in_one_commune(root: Path) -> None:
    lon, lat = lonlat([X0 + 5_000], [Y0 + 5_000])
    _set("posts.csv", lon=lon[0], lat=lat[0])(root)


everything_empty = both(
    _set("posts.csv", lon="x", lat="y"), _set("bts.csv", ops=""),
    _set("planned.csv", x="?"), _set("proposals.csv", x="?"))

RUN = ("run", "--skip", "coverage")
CASES = [
    Case("posts: every row outside, max_outside_pct = 100", posts_outside, exit_code=0,
         message_id="problems.points.outside", names=("posts.csv",)),
    Case("posts: every coordinate unreadable", _set("posts.csv", lon="abc"), exit_code=0,
         message_id="problems.points.bad_coordinates", names=("posts.csv", "abc")),
    Case("posts: every type unknown", _set("posts.csv", loai="Kiốt XYZ"), exit_code=0,
         message_id="problems.posts.unknown_type", names=("posts.csv", "Kiốt XYZ")),
    Case("bts: every operator empty", _set("bts.csv", ops=""), exit_code=0,
         message_id="problems.masts.no_operator", names=("bts.csv",)),
    Case("bts: every row outside, max_outside_pct = 100", points_outside("bts.csv"),
         exit_code=0, message_id="problems.points.outside", names=("bts.csv",)),
    Case("planned sites: every coordinate unreadable", _set("planned.csv", x="?"),
         exit_code=0, message_id="problems.points.bad_coordinates", names=("planned.csv",)),
    Case("planned sites: every row outside, max_outside_pct = 100",
         points_outside("planned.csv"), exit_code=0, message_id="problems.points.outside",
         names=("planned.csv",)),
    Case("proposals: every coordinate unreadable", _set("proposals.csv", x="?"), exit_code=0),
    # a plan layer without feature is refused when read (a map shows an empty one: below)
    Case("zones: no feature", no_feature("zones.gpkg"), message_id="errors.io.no_rows",
         names=("zones.gpkg",)),
    Case("plan features: no feature", no_feature("features.gpkg"),
         message_id="errors.io.no_rows", names=("features.gpkg",)),
    Case("every layer empty at once", everything_empty, exit_code=0,
         message_id="problems.points.bad_coordinates", names=("posts.csv",)),
    Case("map: posts all unreadable", _set("posts.csv", lon="abc"), ("map",), exit_code=0,
         message_id="problems.points.bad_coordinates", names=("posts.csv",)),
    Case("map: bts all without operator", _set("bts.csv", ops=""), ("map",), exit_code=0,
         message_id="problems.masts.no_operator", names=("bts.csv",), good_command=RUN),
    Case("siting: bts all without operator", _set("bts.csv", ops=""), ("siting",),
         exit_code=0, message_id="problems.masts.no_operator", names=("bts.csv",)),
    Case("siting: planned and proposals all unreadable",
         both(_set("planned.csv", x="?"), _set("proposals.csv", x="?")), ("siting",),
         exit_code=0, message_id="problems.points.bad_coordinates", names=("planned.csv",)),
    Case("stats: posts all unreadable", _set("posts.csv", lon="abc"), ("stats",), exit_code=0,
         message_id="problems.points.bad_coordinates", names=("posts.csv",)),
    Case("a region without postal points", posts_in_one_commune, exit_code=0),
]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_empty_layer(case: Case, good_workspace: Path) -> None:
    check_case(case, add_plan(good_workspace))


# ------------------------------------------------------------------- what the run shows


def _section(title: str, note: str) -> str:
    """A legend section's title and note as the page holds them (script-safe JSON)."""
    return maps.js_json(f'<h4>{title}</h4><div class="note">{note}</div>')[1:-1]


def test_every_layer_empty_run_writes_maps_that_say_so(good_workspace: Path) -> None:
    root = add_plan(good_workspace)
    everything_empty(root)
    result = invoke(root, *RUN)
    assert result.exit_code == 0, result.output
    out = root / "outputs"
    page = (out / outputs.MAPS / outputs.MAP_INDEX).read_text(encoding="utf-8")
    t = maps.labels_for("en")
    note = t["empty_layer"].format(file=f"{outputs.REJECTS}/{outputs.PROBLEMS_CSV}")
    for layer in ("postal_points", "bts_sites", "planned"):
        assert _section(t[layer], note) in page, layer
    assert (out / outputs.MAPS / outputs.static_map("radius")).stat().st_size > 1000
    verdicts = pd.read_csv(out / outputs.SITING / outputs.PROPOSALS_CSV, encoding="utf-8-sig")
    assert verdicts["verdict"].tolist() == ["invalid", "invalid"]
    findings = pd.read_csv(out / outputs.SITING / outputs.FINDINGS_CSV, encoding="utf-8-sig")
    assert not findings["rule"].isin(["spacing.colocate", "zone.prohibited"]).any()


@pytest.fixture
def toy(make_workspace) -> maps.MapData:
    ws = load_workspace(load_config(add_plan(make_workspace()) / "ictgis.toml"))
    from ictgis.stats import compute_stats

    return maps.map_data(ws, stats=compute_stats(ws)["commune"])


@pytest.mark.parametrize("layer", ["post_offices", "bts", "zones", "planned_sites", "findings"])
def test_an_empty_layer_is_absent_and_named(toy: maps.MapData, layer: str, vietnamese) -> None:
    import dataclasses

    empty = getattr(toy, layer)
    if empty is None:  # findings: a findings layer with no row
        empty = gpd.GeoDataFrame({"site_id": [], "rule": [], "severity": [], "message": []},
                                 geometry=gpd.GeoSeries([], crs=toy.communes.crs))
    data = dataclasses.replace(toy, **{layer: empty.iloc[:0]})
    pages = maps.map_pages(data)
    t = maps.labels_for("vi")
    name = {"post_offices": "postal_points", "bts": "bts_sites", "zones": "zones",
            "planned_sites": "planned", "findings": "site_findings"}[layer]
    for page in pages.values():
        assert _section(t[name], t["empty_layer"].format(file="rejects/problems.csv")) in page
    assert maps.static_maps(data)


def test_no_indicator_value_gives_no_class(vietnamese) -> None:
    classes = maps.choropleth_classes([np.nan, np.nan], "radius_km")
    assert classes.breaks == () and classes.labels == () and classes.colors == ()
    assert classes.lows == ()
    assert classes.index([np.nan, 1.0]).tolist() == [-1, -1]


def test_siting_of_no_site(make_workspace) -> None:
    ws = load_workspace(load_config(add_plan(make_workspace()) / "ictgis.toml"))
    ctx = siting_context(ws)
    none = dict(sites=ctx.sites.iloc[:0], planned=ctx.planned.iloc[:0] if ctx.planned is not None
                else None)
    import dataclasses

    empty = dataclasses.replace(ctx, **none)
    findings = siting.check_sites(empty)
    assert findings.empty or set(findings["rule"]) <= {"sharing.target", "validity.commune"}
    tables = siting.summary_tables(empty, findings)
    assert tables["compliance_operator"].empty
    verdicts = siting.judge_proposals(ctx.sites.iloc[:0], empty)
    assert verdicts.empty


# ------------------------------------------------------------------------------- scale


def _pairs_oracle(points: np.ndarray, distance: np.ndarray) -> set[tuple[int, int]]:
    pairs = set()
    for i in range(len(points)):
        for j in range(i + 1, len(points)):
            if shapely.distance(points[i], points[j]) <= max(distance[i], distance[j]):
                pairs.add((i, j))
    return pairs


def test_pairs_within_equals_the_slow_oracle() -> None:
    rng = np.random.default_rng(7)
    x, y = rng.uniform(0, 3000, 300).round(1), rng.uniform(0, 3000, 300).round(1)
    x[:10], y[:10] = x[10:20], y[10:20]  # coincident points
    points = shapely.points(x, y)
    points[25] = shapely.Point()  # an empty point is in no pair
    distance = rng.choice([0.0, 100.0, 400.0], 300)
    i, j, d = siting._pairs_within(points, distance)
    assert set(zip(i.tolist(), j.tolist(), strict=True)) == _pairs_oracle(points, distance)
    assert np.array_equal(d, shapely.distance(points[i], points[j]))  # bit for bit
    assert np.all(i < j)  # each pair once, the smaller position first (in no particular order)


def test_nearest_conflict_equals_the_slow_oracle(make_workspace) -> None:
    ws = load_workspace(load_config(make_workspace() / "ictgis.toml"))
    ctx = siting_context(ws)
    rng = np.random.default_rng(3)
    n = 400
    ops = [("Viettel",), ("VinaPhone",), ("MobiFone", "Viettel")]
    sites = gpd.GeoDataFrame({
        "id": [f"S{k:03d}" for k in range(n)], "operators": [ops[k] for k in
                                                             rng.integers(0, 3, n)],
        "mast_class": pd.Series([None] * n, dtype="string"), "urban": rng.random(n) < 0.5,
        "commune": "002"}, geometry=shapely.points(rng.uniform(X0, X0 + 3000, n),
                                                   rng.uniform(Y0, Y0 + 3000, n)),
        crs=ctx.sites.crs)
    import dataclasses

    found = siting.check_spacing(dataclasses.replace(ctx, sites=sites))
    colocate = found[found["rule"] == "spacing.colocate"].set_index("site_id")
    dmin = siting.spacing_thresholds(sites["mast_class"], sites["urban"], ctx.settings)
    geoms = sites.geometry.to_numpy()
    masks = siting.operator_masks(sites["operators"])
    for a in range(n):
        d = shapely.distance(geoms[a], geoms)
        ok = (d < np.maximum(dmin[a], dmin)) & ((masks & masks[a]) == 0)
        ok[a] = False
        if not ok.any():
            assert sites["id"][a] not in colocate.index
            continue
        best = np.flatnonzero(ok)[np.lexsort((np.flatnonzero(ok), d[ok]))[0]]
        assert colocate.loc[sites["id"][a], "other_id"] == sites["id"][best]
        assert colocate.loc[sites["id"][a], "value"] == d[best]


def _many_sites(communes: gpd.GeoDataFrame, n: int) -> gpd.GeoDataFrame:
    rng = np.random.default_rng(11)
    x0, y0, x1, y1 = communes.total_bounds
    x, y = rng.uniform(x0 + 1, x1 - 1, n), rng.uniform(y0 + 1, y1 - 1, n)
    codes = communes["code"].to_numpy()[np.minimum(((x - x0) // SIDE).astype(int), 2)]
    ops = np.array([("Viettel",), ("VinaPhone",), ("MobiFone", "Viettel")], dtype=object)
    return gpd.GeoDataFrame({"id": [f"BIG{k:06d}" for k in range(n)],
                             "operators": ops[rng.integers(0, 3, n)], "commune": codes},
                            geometry=shapely.points(x, y), crs=communes.crs)


def test_200000_sites_make_a_page_under_8_mb_that_says_it_aggregates(toy: maps.MapData
                                                                       ) -> None:
    import dataclasses

    bts = _many_sites(toy.communes, 200_000)
    findings = gpd.GeoDataFrame(
        {"site_id": bts["id"], "rule": "validity.no_class", "severity": "warning",
         "message": "no class"}, geometry=bts.geometry, crs=bts.crs)
    data = dataclasses.replace(toy, bts=bts, findings=findings, links=None)
    for lang in ("vi", "en"):
        pages = maps.map_pages(data, lang=lang)
        t = maps.labels_for(lang)
        for page in pages.values():
            assert len(page.encode("utf-8")) < 8e6
        index = pages[outputs.MAP_INDEX]
        n, limit = i18n.number(200_000, 0, lang), i18n.number(maps.MAX_SITES, 0, lang)
        assert t["bts_counts_note"].format(n=n, limit=limit) in index
        note = t["findings_counts_note"].format(
            n=n, limit=i18n.number(maps.MAX_FINDINGS, 0, lang), file="siting/findings.csv")
        assert maps.js_json(note)[1:-1] in index
    assert '"BTS sites per commune (200,000 sites)"' in index  # the layer control's name
    counts = re.findall(r'"sites": "([\d,]+)"', pages[outputs.MAP_INDEX])
    assert sum(int(c.replace(",", "")) for c in counts) == 200_000


def test_site_counts_per_commune_and_operator(toy: maps.MapData) -> None:
    from ictgis.maps.layers import site_count_layer

    with i18n.language("en"):
        layer, legend = site_count_layer(toy.bts, toy.communes, limit=2)
    props = [f["properties"] for f in __import__("json").loads(layer.data_js)["features"]]
    assert {p["name"]: p["sites"] for p in props} == {"Phường 1": "2", "Xã An Hữu": "2"}
    assert "more than 2" in legend
