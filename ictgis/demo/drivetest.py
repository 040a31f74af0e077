"""A synthetic drive test of the demo province, generated from known model offsets.

Roads are polylines between the towns (the urban centre of each district, joined by a
minimum spanning tree and a few more links) and a grid of streets in the towns' communes; a
measurement is taken every :data:`SPACING_M` along them, for every technology of the
operator that drove the road. Its level is the uncalibrated model's at that exact position
(:func:`ictgis.coverage.calibration.match`: best server of that operator and technology,
environment of the pixel) plus the true offset of its technology × environment
(:data:`TRUE_OFFSETS_DB`) plus log-normal shadowing of :data:`SHADOWING_DB`, rounded to
0.1 dB as scanners report it. The truth is recorded here and, for a reader of the workspace,
in the comment of ``[layers.measurements]`` in the demo's ictgis.toml. A few rows are wrong
on purpose (a level in mW, an unknown operator, a technology the workspace does not model,
a point at sea) so that ``ictgis calibrate`` has something to reject.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy.sparse.csgraph import minimum_spanning_tree
from scipy.spatial.distance import cdist

from ictgis.config import CoverageConfig
from ictgis.demo.common import DEMO_CRS, SYNTHETIC_LABEL, lonlat_text, vn2000_to_wgs84

#: The truth: offsets (dB) added to the uncalibrated model's level, by technology and
#: environment (the demo's communes: phường urban, thị trấn suburban, xã open).
TRUE_OFFSETS_DB: Mapping[str, Mapping[str, float]] = {
    "2G": {"urban": 3.0, "suburban": -2.0, "open": -6.0},
    "3G": {"urban": -4.0, "suburban": 1.5, "open": 2.5},
    "4G": {"urban": 6.0, "suburban": -3.5, "open": -1.0},
}
#: Standard deviation of the log-normal shadowing (dB).
SHADOWING_DB = 8.0
#: Distance between two measurements along a road (m).
SPACING_M = 50.0
#: Street length driven in the towns' communes of each environment (m): ≥ 1,000
#: measurements per technology there.
STREETS_M = 75_000.0
#: Positions whose median level (model + offset) is within this many σ of the levels a
#: measurement may have (-140...-20 dBm) are not measured: none is censored by the limits
#: (chosen on the model's level, not on the noise, so the sample stays unbiased).
CENSOR_MARGIN = 3.0
#: Seed of the drive test (its own stream: the demo's layers do not change with it).
DRIVETEST_SEED = 50
#: Roads besides the spanning tree of the towns (the shortest links not in it).
EXTRA_ROADS = 8
#: Columns of the file, as ``[layers.measurements]`` maps them.
COLUMNS = ("vi_do", "kinh_do", "nha_mang", "cong_nghe", "muc_thu_dbm", "ngay_do", "ghi_chu")


def demo_sites(bts: pd.DataFrame, communes: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The demo's masts as ``ictgis`` loads them: operators and technologies as tuples.

    Rows the loader rejects are left out: coordinates outside the communes, a repeated id.
    """
    from ictgis import telecom
    from ictgis.parse import parse_number

    x, y = parse_number(bts["toa_do_y"]).to_numpy(float), parse_number(
        bts["toa_do_x"]).to_numpy(float)
    inside = shapely.contains_xy(shapely.union_all(communes.geometry.array), x, y)
    keep = inside & ~bts["ma_tram"].duplicated().to_numpy()
    table = bts.loc[keep]
    operators, _ = telecom.match_operators(table["nha_mang"], telecom.operator_aliases())
    return gpd.GeoDataFrame({
        "id": table["ma_tram"].to_numpy(), "operators": operators.to_numpy(),
        "technologies": telecom.split_values(table["cong_nghe"], telecom.TECHNOLOGIES).to_numpy(),
        "mast_class": table["loai_cot"].to_numpy(),
        "height": parse_number(table["do_cao_m"]).to_numpy(float),
    }, geometry=shapely.points(x[keep], y[keep]), crs=DEMO_CRS)


def road_lines(communes: gpd.GeoDataFrame, kinds: pd.Series, rng: np.random.Generator
               ) -> tuple[list[shapely.Geometry], list[shapely.Geometry]]:
    """Roads between the towns, and the streets of the towns' communes (EPSG:9210 lines).

    Parameters
    ----------
    communes
        The communes (with ``huyen``).
    kinds
        Environment of each commune (``urban``, ``suburban``, ``open``).
    rng
        Random stream.
    """
    province = shapely.union_all(communes.geometry.array)
    towns = []
    for _, group in communes.groupby("huyen", sort=True):
        urban = group[kinds.loc[group.index] != "open"]
        towns.append(shapely.union_all((urban if len(urban) else group).geometry.array)
                     .representative_point())
    xy = shapely.get_coordinates(np.array(towns))
    distances = cdist(xy, xy)
    tree = minimum_spanning_tree(distances).toarray() > 0
    pairs = {tuple(p) for p in np.argwhere(tree)}
    extra = [(i, j) for i, j in zip(*np.triu_indices(len(xy), 1), strict=True)
             if (i, j) not in pairs and (j, i) not in pairs]
    extra.sort(key=lambda ij: distances[ij])
    roads = []
    for i, j in [*pairs, *extra[:EXTRA_ROADS]]:
        a, b = xy[i], xy[j]
        along = np.linspace(0.0, 1.0, 7)[:, None]
        normal = np.array([a[1] - b[1], b[0] - a[0]])
        bend = rng.normal(0.0, 0.04, 7)
        bend[[0, -1]] = 0.0
        line = shapely.linestrings(a + along * (b - a) + bend[:, None] * normal)
        roads.append(shapely.intersection(line, province))
    streets = []
    for env in ("urban", "suburban"):
        chosen = communes[kinds == env]
        spacing = float(chosen.area.sum()) / STREETS_M
        for geom in chosen.geometry.array:
            streets.append(_street_grid(geom, spacing, rng))
    return roads, streets


def _street_grid(polygon: shapely.Geometry, spacing: float, rng: np.random.Generator
                 ) -> shapely.Geometry:
    """Parallel streets ``spacing`` m apart at a random angle, clipped to ``polygon``."""
    x0, y0, x1, y1 = shapely.bounds(polygon)
    centre = np.array([(x0 + x1) / 2, (y0 + y1) / 2])
    half = float(np.hypot(x1 - x0, y1 - y0)) / 2 + spacing
    angle = rng.uniform(0, np.pi)
    along, across = np.array([np.cos(angle), np.sin(angle)]), np.array(
        [-np.sin(angle), np.cos(angle)])
    offsets = np.arange(-half, half, spacing) + rng.uniform(0, spacing)
    lines = [shapely.linestrings([centre + o * across - half * along,
                                  centre + o * across + half * along]) for o in offsets]
    return shapely.intersection(shapely.multilinestrings(lines), polygon)


def _positions(lines: list[shapely.Geometry]) -> tuple[np.ndarray, np.ndarray]:
    """Points every :data:`SPACING_M` along every part of ``lines``, and the line of each."""
    points, owner = [], []
    for k, geom in enumerate(lines):
        for part in shapely.get_parts(geom):
            if shapely.get_type_id(part) != 1:  # LineString
                continue
            where = np.arange(SPACING_M / 2, shapely.length(part), SPACING_M)
            points.append(shapely.get_coordinates(shapely.line_interpolate_point(part, where)))
            owner.append(np.full(len(where), k))
    return np.concatenate(points), np.concatenate(owner)


def make_drivetest(sites: gpd.GeoDataFrame, communes: gpd.GeoDataFrame,
                   settings: CoverageConfig, rng: np.random.Generator, *,
                   offsets_db: Mapping[str, Mapping[str, float]] = TRUE_OFFSETS_DB,
                   shadowing_db: float = SHADOWING_DB, lines: list[shapely.Geometry] | None = None,
                   operators: list[str] | None = None) -> pd.DataFrame:
    """Measurements along roads: the uncalibrated model + the true offsets + shadowing.

    Parameters
    ----------
    sites
        Masts as ictgis loads them (``id``, ``operators``, ``technologies``, ``mast_class``,
        ``height``, geometry in ``communes``' CRS).
    communes
        Communes with ``kind`` (and ``huyen`` when ``lines`` is not given).
    settings
        Coverage settings (technologies, environments, ranges).
    rng
        Random stream.
    offsets_db
        The truth: offset (dB) by technology and environment (0 where not given).
    shadowing_db
        Standard deviation of the shadowing (dB).
    lines
        The roads to drive (default: :func:`road_lines`).
    operators
        Who drives: each road is driven by one of them, drawn at random (default: every
        operator with a site), measuring every technology it has a site of.

    Returns
    -------
    pandas.DataFrame
        ``x``, ``y`` (``communes``' CRS), ``operator``, ``technology``, ``level_dbm``,
        ``environment``, ``model_dbm`` (the uncalibrated model) and ``date``.
    """
    from ictgis.coverage import ModelRangeWarning, province_grid, rasterize_communes
    from ictgis.coverage import calibration as cal

    if lines is None:
        kinds = communes["kind"].map(lambda k: settings.environment.get(k, "open"))
        roads, streets = road_lines(communes, kinds, rng)
        lines = [*roads, *streets]
    xy, owner = _positions(lines)
    served = sorted({(op, tech) for ops, techs in zip(sites["operators"], sites["technologies"],
                                                      strict=True)
                     for op in ops for tech in techs if tech in settings.technologies})
    operators = sorted({op for op, _ in served}) if operators is None else list(operators)
    driver = np.asarray(operators, dtype=object)[rng.integers(0, len(operators), len(lines))]
    rows = []
    for op, tech in served:
        mine = driver[owner] == op
        rows.append(pd.DataFrame({"x": xy[mine, 0], "y": xy[mine, 1], "operator": op,
                                  "technology": tech}))
    table = pd.concat(rows, ignore_index=True)
    points = gpd.GeoDataFrame(table, geometry=shapely.points(table["x"], table["y"]),
                              crs=communes.crs).assign(level_dbm=0.0)
    grid = province_grid(communes, settings)
    _, env = rasterize_communes(communes, grid, settings)
    with warnings.catch_warnings():  # the model's range warnings are the coverage's to give
        warnings.simplefilter("ignore", ModelRangeWarning)
        matched = cal.match(points, sites, env, grid, settings)
    truth = np.zeros(len(matched))
    for tech, by_env in offsets_db.items():
        for name, offset in by_env.items():
            truth[((matched["technology"] == tech) & (matched["environment"] == name)
                   ).to_numpy()] = offset
    median = matched["predicted_dbm"].to_numpy(float) + truth
    low, high = cal.LEVEL_RANGE_DBM
    margin = CENSOR_MARGIN * shadowing_db
    keep = (matched["environment"] != "").to_numpy() & (median >= low + margin) & (
        median <= high - margin)
    matched, truth = matched.loc[keep].reset_index(drop=True), truth[keep]
    noise = rng.normal(0.0, shadowing_db, len(matched))
    days = pd.Timestamp("2018-10-01") + pd.to_timedelta(rng.integers(0, 30, len(matched)),
                                                        unit="D")
    return pd.DataFrame({
        "x": matched["x"], "y": matched["y"], "operator": matched["operator"],
        "technology": matched["technology"],
        "level_dbm": np.round(matched["predicted_dbm"] + truth + noise, 1),
        "environment": matched["environment"], "model_dbm": matched["predicted_dbm"],
        "date": days.strftime("%Y-%m-%d"),
    })


def drivetest_file(bts: pd.DataFrame, communes: gpd.GeoDataFrame, settings: CoverageConfig,
                   seed: int = DRIVETEST_SEED) -> pd.DataFrame:
    """The demo's ``layers/drivetest.csv``: WGS 84 text, Vietnamese column names.

    ``communes`` are the demo's (``loai``, ``huyen``); a few faulty rows are appended.
    """
    rng = np.random.default_rng(seed)
    places = communes.assign(kind=communes["loai"])
    found = make_drivetest(demo_sites(bts, places), places, settings, rng)
    lon, lat = vn2000_to_wgs84().transform(found["x"].to_numpy(), found["y"].to_numpy())
    table = pd.DataFrame({
        "vi_do": lonlat_text(np.asarray(lat)), "kinh_do": lonlat_text(np.asarray(lon)),
        "nha_mang": found["operator"], "cong_nghe": found["technology"],
        "muc_thu_dbm": found["level_dbm"].map(lambda v: f"{v:.1f}"),
        "ngay_do": found["date"], "ghi_chu": SYNTHETIC_LABEL,
    }, columns=list(COLUMNS))
    faulty = table.iloc[:4].copy()
    faulty["muc_thu_dbm"] = ["0.5", faulty["muc_thu_dbm"].iloc[1], "-71.0", "-80.0"]
    faulty["nha_mang"] = [faulty["nha_mang"].iloc[0], "FPT Telecom", faulty["nha_mang"].iloc[2],
                          faulty["nha_mang"].iloc[3]]
    faulty["cong_nghe"] = [*faulty["cong_nghe"].iloc[:2], "5G", faulty["cong_nghe"].iloc[3]]
    faulty.iloc[3, [0, 1]] = ["10.0500000", "107.0500000"]  # in the East Sea
    return pd.concat([table, faulty], ignore_index=True)


#: Drive tests already generated in this process, by a digest of the masts and communes they
#: come from (the demo is built many times with the same seed: tests, ``ictgis demo``).
_MADE: dict[str, pd.DataFrame] = {}


def demo_drivetest(bts: pd.DataFrame, communes: gpd.GeoDataFrame) -> pd.DataFrame:
    """``layers/drivetest.csv`` of the demo workspace, under the demo's own [coverage].

    The same masts and communes give the same drive test, computed once per process (a copy
    is returned).
    """
    import hashlib
    import tomllib
    from pathlib import Path

    from ictgis.config.parse import parse_config
    from ictgis.demo.common import DEMO_CONFIG

    digest = hashlib.sha256()
    digest.update(pd.util.hash_pandas_object(bts).to_numpy().tobytes())
    digest.update(pd.util.hash_pandas_object(
        pd.DataFrame(communes.drop(columns=communes.geometry.name))).to_numpy().tobytes())
    digest.update(b"".join(shapely.to_wkb(communes.geometry.array)))
    digest.update(DEMO_CONFIG.encode("utf-8"))
    key = digest.hexdigest()
    if key not in _MADE:
        config = parse_config(tomllib.loads(DEMO_CONFIG), path=Path("ictgis.toml").absolute())
        _MADE[key] = drivetest_file(bts, communes, config.coverage)
    return _MADE[key].copy()
