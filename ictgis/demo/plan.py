"""The demo's passive-infrastructure plan: zones, buffered features and planned mast sites.

Zones: 6 small prohibited areas (the provincial square, military areas, relics), A1-only
cores round Mỹ Tho, the two thị xã and each huyện centre, and permitted zones (the towns'
phường: A1 or A2a up to 30 m; every district's rest: every class; 40 m round the military
areas). Buffered features: HQs (A1 only within 200 m), relics (no mast within 100 m), three
A1-only streets (30 m). 600 planned sites, 85% of them without a mast yet.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ictgis.demo.bts import draw_mast_classes, draw_operators
from ictgis.demo.common import DEMO_CRS, GRID, SYNTHETIC_LABEL, polar, random_points_in
from ictgis.demo.geometry import COMMUNE_PREFIX, DISTRICTS, centre_communes
from ictgis.demo.rules import (
    A1_CLASSES,
    A1_ONLY,
    MARGIN_M,
    MAST_CLASSES,
    PERMITTED,
    PROHIBITED,
    Masts,
    Rules,
    conform_classes,
    deviation,
    min_spacing,
)
from ictgis.i18n import t

_ALL_CLASSES = ";".join(MAST_CLASSES)
_FRINGE_CLASSES, _FRINGE_MAX_M = "A1a;A1b;A2a", 30.0  # the towns' phường outside the cores

#: Prohibited zones: name ("{}": the xã's name), district, area (km²), polygon vertices.
_PROHIBITED_ZONES = (
    ("Quảng trường tỉnh", "Thành phố Mỹ Tho", 0.06, 4),
    ("Khu quân sự K1", "Huyện Tân Phước", 0.8, 4),
    ("Khu quân sự K2", "Huyện Gò Công Đông", 0.6, 4),
    ("Khu di tích đình {}", "Huyện Châu Thành", 0.4, 20),
    ("Khu di tích lịch sử {}", "Huyện Cai Lậy", 0.3, 20),
    ("Khu lăng mộ {}", "Thị xã Gò Công", 0.06, 20),
)
_SQUARE_OFFSET_M = 350.0  # provincial square: this far from the centre of Mỹ Tho
_AIRSPACE_RADIUS_M, AIRSPACE_MAX_M = 2_500.0, 40.0  # height limit round the military areas
_CORE_KM2 = 3.0, 1.5  # A1-only core of Mỹ Tho, of each thị xã
_CENTRE_KM2 = 0.3  # A1-only zone round each huyện centre
_HQ_M, _RELIC_M, _STREET_M = 200, 100, 30  # buffer distances of the plan's point/line features
_RELICS = ("Di tích đình {}", "Chùa {}", "Di tích miếu {}", "Đình thần {}")
_STREETS = ("Đường 30 Tháng 4", "Đường Hùng Vương", "Đường Lê Lợi")
_STREET_LENGTH_M = 2_600.0

#: Planned sites: how many in all, and how many with a mast (under construction, operating).
N_PLANNED = 600
N_BUILT = 55, 35  # planned sites with a mast: under construction, operating
_N_CLASS_MISMATCH = 4  # of the masts under construction at a planned site
_PLANNED_SPACING_M = 200.0
PLANNED_OFFSET = 0.6  # a built site's mast is within this share of the site's radius
_CUSTOM_RADIUS_M, _CUSTOM_RADIUS_SHARE = (30.0, 150.0), 0.05
_NO_OPERATOR_SHARE = 0.3  # planned sites without planned operators


def make_plan_layers(
    communes: gpd.GeoDataFrame, rng: np.random.Generator
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """The plan's zones and buffered features.

    Zones:

    - prohibited: the provincial square in Mỹ Tho, two military areas, two relic sites and a
      tomb (0.06-0.8 km²), all but the square in a random xã of their district;
    - A1-only: the cores of Mỹ Tho (3 km²) and of the two thị xã (1.5 km²), 0.3 km² round
      each huyện centre;
    - permitted: the towns' phường (A1a, A1b or A2a, at most 30 m), the rest of every
      district (every class), and 2.5 km round the military areas (at most 40 m).

    Features: the HQs of the province and of each district (A1 only within 200 m), four
    relics (no mast within 100 m) and three A1-only streets in Mỹ Tho (30 m).

    Parameters
    ----------
    communes
        Output of :func:`~ictgis.demo.geometry.make_communes`.
    rng
        Random stream.

    Returns
    -------
    tuple of geopandas.GeoDataFrame
        Zones (valid polygons inside the province) and features (points and lines), EPSG:9210.
    """
    geoms = communes.geometry.to_numpy()
    province = shapely.coverage_union_all(geoms)
    district, kind = communes["huyen"].to_numpy(), communes["loai"].to_numpy()
    base = communes["ten_xa"].str.replace(COMMUNE_PREFIX, "", regex=True).to_numpy()
    centre = shapely.get_coordinates(shapely.centroid(geoms[centre_communes(communes)]))
    label = [d.name[:1].lower() + d.name[1:] for d in DISTRICTS]  # "huyện Cái Bè"

    xa_rows = np.array([rng.choice(np.flatnonzero((district == where) & (kind == "xa")))
                        for _, where, _, _ in _PROHIBITED_ZONES])
    km2 = np.array([z[2] for z in _PROHIBITED_ZONES])
    spot = _spots(geoms[xa_rows], np.sqrt(km2 * 1e6 / np.pi) + 300, rng)
    spot[0] = centre[0] + polar(_SQUARE_OFFSET_M, rng.uniform(0, 2 * np.pi))
    prohibited = [_ovals(spot[[k]], km2[[k]] * 1e6, rng.uniform(1.0, 1.6, 1),
                         rng.uniform(0, np.pi, 1), n)[0]
                  for k, (*_, n) in enumerate(_PROHIBITED_ZONES)]
    military = [k for k, z in enumerate(_PROHIBITED_ZONES) if z[0].startswith("Khu quân sự")]
    towns = np.array([d.n_phuong > 0 for d in DISTRICTS])
    core_km2 = np.where(towns, np.where(np.arange(len(towns)) == 0, *_CORE_KM2), _CENTRE_KM2)
    cores = _ovals(centre, core_km2 * 1e6, rng.uniform(1.0, 1.4, len(centre)),
                   rng.uniform(0, np.pi, len(centre)), 24)
    airspace = _ovals(spot[military], np.full(len(military), np.pi * _AIRSPACE_RADIUS_M**2),
                      np.ones(len(military)), np.zeros(len(military)), 48)
    shapes = shapely.set_precision(
        shapely.intersection(np.r_[np.array(prohibited), cores, airspace], province), GRID)

    areas = []  # (name, class, allowed classes, max height, geometry) of the permitted zones
    for d, name in zip(DISTRICTS, label, strict=True):
        in_district = district == d.name
        if d.n_phuong:
            phuong = in_district & (kind == "phuong")
            areas.append((f"Nội thị {name}", _FRINGE_CLASSES, _FRINGE_MAX_M, geoms[phuong]))
            areas.append((f"Ngoại thị {name}", _ALL_CLASSES, np.nan, geoms[in_district & ~phuong]))
        else:
            areas.append((f"Địa bàn {name}", "", np.nan, geoms[in_district]))
    n_prohibited, n_cores = len(prohibited), len(cores)
    names = ([z[0].format(base[r]) for z, r in zip(_PROHIBITED_ZONES, xa_rows, strict=True)]
             + [f"Khu trung tâm {name}" for name in label] + [a[0] for a in areas]
             + [f"Vùng hạn chế độ cao quanh k{_PROHIBITED_ZONES[k][0][1:]}" for k in military])
    zone_class = [PROHIBITED] * n_prohibited + [A1_ONLY] * n_cores + [PERMITTED] * (
        len(areas) + len(military))
    allowed = ([""] * n_prohibited + [";".join(A1_CLASSES)] * n_cores + [a[1] for a in areas]
               + [""] * len(military))
    max_height = np.r_[np.full(n_prohibited + n_cores, np.nan), [a[2] for a in areas],
                       np.full(len(military), AIRSPACE_MAX_M)]
    geometry = np.r_[shapes[:n_prohibited + n_cores],
                     [shapely.coverage_union_all(a[3]) for a in areas], shapes[-len(military):]]
    zones = gpd.GeoDataFrame({
        "ma_vung": [f"VQ{k:03d}" for k in range(1, len(names) + 1)],
        "ten_vung": names,
        "loai_vung": zone_class,
        "cot_cho_phep": allowed,
        "chieu_cao_toi_da_m": max_height,
        "ghi_chu": SYNTHETIC_LABEL,
    }, geometry=geometry, crs=DEMO_CRS)
    return zones, _plan_features(communes, centre, xa_rows, label, rng)


def _plan_features(
    communes: gpd.GeoDataFrame, centre: np.ndarray, taken: np.ndarray, label: list[str],
    rng: np.random.Generator,
) -> gpd.GeoDataFrame:
    """HQ and relic points and A1-only streets (see :func:`make_plan_layers`)."""
    geoms, kind = communes.geometry.to_numpy(), communes["loai"].to_numpy()
    base = communes["ten_xa"].str.replace(COMMUNE_PREFIX, "", regex=True).to_numpy()
    n = len(centre)
    hq = np.vstack([centre[[0, 0]] + polar(rng.uniform(100, 250, 2), rng.uniform(0, 2 * np.pi, 2)),
                    centre[1:] + polar(rng.uniform(30, 150, n - 1),
                                       rng.uniform(0, 2 * np.pi, n - 1))])
    relic_rows = rng.choice(np.setdiff1d(np.flatnonzero(kind == "xa"), taken), len(_RELICS),
                            replace=False)
    relics = _spots(geoms[relic_rows], np.full(len(_RELICS), 300.0), rng)
    through = centre[0] + polar(rng.uniform(0, 300, len(_STREETS)),
                                rng.uniform(0, 2 * np.pi, len(_STREETS)))
    angle = rng.uniform(0, np.pi) + np.arange(len(_STREETS)) * np.pi / len(_STREETS)
    half = polar(_STREET_LENGTH_M / 2, angle)
    bend = polar(rng.uniform(-80, 80, len(_STREETS)), angle + np.pi / 2)
    streets = shapely.linestrings(np.round(np.stack([through - half, through + bend,
                                                     through + half], axis=1), 2))
    points = shapely.points(np.round(np.vstack([hq, relics]), 2))
    names = (["Trụ sở UBND tỉnh", "Trụ sở Tỉnh ủy"] + [f"Trụ sở UBND {name}" for name in label[1:]]
             + [t.format(base[r]) for t, r in zip(_RELICS, relic_rows, strict=True)]
             + list(_STREETS))
    n_hq, n_relic = len(hq), len(relics)
    return gpd.GeoDataFrame({
        "ma": [f"DT{k:03d}" for k in range(1, len(names) + 1)],
        "ten": names,
        "loai_vung": [A1_ONLY] * n_hq + [PROHIBITED] * n_relic + [A1_ONLY] * len(_STREETS),
        "ban_kinh_m": np.repeat([_HQ_M, _RELIC_M, _STREET_M], [n_hq, n_relic, len(_STREETS)]),
        "ghi_chu": SYNTHETIC_LABEL,
    }, geometry=np.r_[points, streets], crs=DEMO_CRS)


def _spots(polygons: np.ndarray, inset: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A random point (n, 2) at least ``inset`` inside each polygon, if it is big enough."""
    inner = shapely.buffer(polygons, -inset)
    inner = np.where(shapely.is_empty(inner), shapely.buffer(polygons, -20.0), inner)
    return np.column_stack(random_points_in(inner, rng))


def _ovals(
    centres: np.ndarray, area: np.ndarray, aspect: np.ndarray, angle: np.ndarray, n_vertices: int
) -> np.ndarray:
    """Regular ``n_vertices``-gons stretched by ``aspect``, turned by ``angle``, of exact area."""
    t = 2 * np.pi * np.arange(n_vertices + 1) / n_vertices + np.pi / n_vertices
    unit_area = n_vertices / 2 * np.sin(2 * np.pi / n_vertices)
    b = np.sqrt(area / (unit_area * aspect))
    u = np.cos(t) * (aspect * b)[:, None]
    v = np.sin(t) * b[:, None]
    cos, sin = np.cos(angle)[:, None], np.sin(angle)[:, None]
    ring = np.stack([cos * u - sin * v, sin * u + cos * v], axis=-1) + centres[:, None, :]
    return shapely.polygons(ring)


def make_built_sites(
    masts: pd.DataFrame, rules: Rules, free: np.ndarray, rng: np.random.Generator
) -> pd.DataFrame:
    """Planned sites at existing masts, well inside their deviation radius.

    The masts are 400 m apart. The first ``N_BUILT[0]`` will be under construction; the
    first ``_N_CLASS_MISMATCH`` of those 100 m clear of A1-only areas get another planned
    class (A1b for an A2 mast, A2a for an A1 mast).

    Parameters
    ----------
    masts
        Output of :func:`~ictgis.demo.bts.make_bts`.
    rules
        Output of :func:`~ictgis.demo.rules.make_rules`.
    free
        Masts not yet used by an example; the chosen ones are set to False in place.
    rng
        Random stream.

    Returns
    -------
    pandas.DataFrame
        ``N_BUILT`` planned sites: ``loai_cot``, ``nha_mang``, ``ban_kinh_m`` (NaN), position
        ``x``, ``y`` (m, EPSG:9210), commune row ``commune`` and the row of their ``mast``.
    """
    x, y = masts["x"].to_numpy(), masts["y"].to_numpy()
    built = _spread(x, y, sum(N_BUILT), 2 * _PLANNED_SPACING_M, rng)
    free[built] = False
    mast_urban = masts["urban"].to_numpy()[built]
    offset = polar(rng.uniform(0, PLANNED_OFFSET, len(built)) * deviation(mast_urban),
                   rng.uniform(0, 2 * np.pi, len(built)))
    planned_class = masts["loai_cot"].to_numpy()[built]
    away = ~shapely.dwithin(rules.a1, shapely.points(x[built], y[built]), 100.0)
    swap = np.flatnonzero(away[:N_BUILT[0]])[:_N_CLASS_MISMATCH]
    planned_class[swap] = np.where(np.isin(planned_class[swap], A1_CLASSES), "A2a", "A1b")
    return pd.DataFrame({
        "loai_cot": planned_class,
        "nha_mang": masts["nha_mang"].to_numpy()[built],
        "ban_kinh_m": np.nan,
        "x": np.round(x[built] + offset[:, 0], 2),
        "y": np.round(y[built] + offset[:, 1], 2),
        "commune": masts["commune"].to_numpy()[built],
        "mast": built,
    })


def _spread(x: np.ndarray, y: np.ndarray, n: int, spacing: float,
            rng: np.random.Generator) -> np.ndarray:
    """``n`` random indices of points at least ``spacing`` apart (greedy, in random order)."""
    chosen = np.empty(n, dtype=np.int64)
    count = 0
    for k in rng.permutation(len(x)):
        if np.all(np.hypot(x[chosen[:count]] - x[k], y[chosen[:count]] - y[k]) >= spacing):
            chosen[count] = k
            count += 1
            if count == n:
                return chosen
    msg = t("errors.demo.spaced_points", count=count, n=n, spacing=spacing)
    raise RuntimeError(msg)


def make_unbuilt_sites(
    communes: gpd.GeoDataFrame, rules: Rules, masts: Masts, planned: np.ndarray, n: int,
    rng: np.random.Generator,
) -> pd.DataFrame:
    """Planned sites without a mast, by population and area, outside the prohibited areas.

    Each is at least max(d_min of either, 200 m) + 50 m from every mast and 220 m from the
    other planned sites; its class is drawn as for a mast and fits its zones.

    Parameters
    ----------
    communes
        Output of :func:`~ictgis.demo.geometry.make_communes`.
    rules
        Output of :func:`~ictgis.demo.rules.make_rules`.
    masts
        Every mast placed so far.
    planned
        Positions (n, 2) of the planned sites placed so far (m, EPSG:9210).
    n
        Number of sites to place.
    rng
        Random stream.

    Returns
    -------
    pandas.DataFrame
        Columns as :func:`make_built_sites`; ``mast`` is -1.
    """
    geoms = communes.geometry.to_numpy()
    urban = (communes["loai"] != "xa").to_numpy()
    pop, area = communes["dan_so"].to_numpy(float), shapely.area(geoms)
    rows = rng.choice(len(geoms), 10 * n, p=0.5 * pop / pop.sum() + 0.5 * area / area.sum())
    inner = shapely.difference(shapely.buffer(geoms, -50.0),
                               shapely.buffer(rules.prohibited, MARGIN_M))
    shapely.prepare(inner)
    x, y = random_points_in(inner[rows], rng)
    mast = conform_classes(rules, x, y, draw_mast_classes(communes["loai"].to_numpy()[rows], rng),
                           rng)
    d_min = np.maximum(min_spacing(mast, urban[rows]), _PLANNED_SPACING_M)
    candidates = np.flatnonzero(masts.clear(x, y, d_min, margin=50.0))
    px, py = np.r_[planned[:, 0], np.empty(n)], np.r_[planned[:, 1], np.empty(n)]
    count, chosen = len(planned), []
    for k in candidates:
        if np.all(np.hypot(px[:count] - x[k], py[:count] - y[k])
                  >= _PLANNED_SPACING_M + MARGIN_M):
            px[count], py[count] = x[k], y[k]
            count += 1
            chosen.append(k)
            if len(chosen) == n:
                break
    else:
        msg = t("errors.demo.planned_sites", chosen=len(chosen), n=n)
        raise RuntimeError(msg)
    picked = np.array(chosen)
    radius = np.full(n, np.nan)
    custom = rng.choice(n, round(_CUSTOM_RADIUS_SHARE * N_PLANNED), replace=False)
    radius[custom] = rng.choice(_CUSTOM_RADIUS_M, len(custom))
    operators = draw_operators(n, rng)
    operators[rng.random(n) < _NO_OPERATOR_SHARE] = ""
    return pd.DataFrame({
        "loai_cot": mast[picked], "nha_mang": operators, "ban_kinh_m": radius,
        "x": x[picked], "y": y[picked], "commune": rows[picked], "mast": -1,
    })
