"""Geometry of the demo province: its outline, 11 districts and 172 communes with population.

Geometry
    The province is a smooth convex outline in VN-2000 / TM-3 105°45' (EPSG:9210), scaled to
    2,510 km². Districts are a capacity-constrained power diagram (weighted Voronoi cells whose
    weights are fitted to the target areas on a sample grid, while the sites drift towards their
    cells' centroids) of seeded sites laid out west to east like the real province. Each
    district is split the same way into the xã and one small "core" per urban anchor (all the
    phường of a city or town, or one thị trấn); a core of several phường is split once more.
    Every cell is convex, so every district and commune is connected; a final snap-rounded
    noding (0.01 m) and polygonization make the 172 communes an exact coverage (shared edges
    have identical vertices).

Population
    District totals are the 2019 census figures. Each district's urban share (phường and thị
    trấn) is set so that ~14% of the province is urban, as in the census; inside a district
    the urban and the rural totals are spread over the units in proportion to area (±25%).
    With these totals and areas some densities fall outside the textbook ranges: Mỹ Tho's
    peri-urban xã have ~1,800/km², Tân Phước's and Tân Phú Đông's ~150-250/km², and the
    towns' phường and the thị trấn ~1,500-3,500/km² (Mỹ Tho's phường ~5,000-7,000/km²).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import NamedTuple

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ictgis.demo.common import DEMO_CRS, GRID, SYNTHETIC_LABEL, apportion, vn2000_to_wgs84
from ictgis.i18n import t

_PROVINCE_AREA_M2 = 2_510e6
_CODE_START, _CODE_STEP = 28201, 3  # ma_xa of the first commune, and the step between codes


class District(NamedTuple):
    """Structure of one district-level unit (counts, 2019-census population, layout)."""

    name: str
    n_phuong: int
    thi_tran: tuple[str, ...]
    n_xa: int
    population: int
    area_km2: float
    lonlat: tuple[float, float]  # initial site, roughly the centre of the district
    urban_share: float  # share of the population living in its phường / thị trấn
    anchors: tuple[tuple[float, float], ...]  # urban clusters: (bearing deg, fraction to edge)


#: Tiền Giang's 11 district-level units: 22 phường, 7 thị trấn, 143 xã, 1,764,185 people.
#: The urban shares give ~14% urban population overall (2019 census: 247,742).
DISTRICTS: tuple[District, ...] = (
    District("Thành phố Mỹ Tho", 11, (), 6, 228_109, 82, (106.38, 10.32), 0.52,
             ((180.0, 0.45),)),
    District("Thị xã Cai Lậy", 6, (), 10, 125_615, 140, (106.15, 10.37), 0.22,
             ((180.0, 0.2),)),
    District("Thị xã Gò Công", 5, (), 7, 99_657, 102, (106.65, 10.36), 0.24, ((0.0, 0.0),)),
    District("Huyện Cái Bè", 0, ("Cái Bè",), 24, 292_738, 420, (105.96, 10.45), 0.045,
             ((150.0, 0.5),)),
    District("Huyện Cai Lậy", 0, (), 16, 193_328, 296, (106.12, 10.49), 0.0, ()),
    District("Huyện Châu Thành", 0, ("Tân Hiệp",), 21, 263_426, 230, (106.27, 10.37), 0.05,
             ((0.0, 0.1),)),
    District("Huyện Chợ Gạo", 0, ("Chợ Gạo",), 18, 187_711, 231, (106.46, 10.39), 0.07,
             ((0.0, 0.0),)),
    District("Huyện Tân Phước", 0, ("Mỹ Phước",), 12, 60_000, 333, (106.29, 10.50), 0.15,
             ((0.0, 0.0),)),
    District("Huyện Gò Công Tây", 0, ("Vĩnh Bình",), 12, 127_132, 184, (106.57, 10.40),
             0.09, ((0.0, 0.0),)),
    District("Huyện Gò Công Đông", 0, ("Tân Hòa", "Vàm Láng"), 11, 139_060, 267,
             (106.73, 10.33), 0.14, ((270.0, 0.1), (90.0, 0.95))),
    District("Huyện Tân Phú Đông", 0, (), 6, 47_409, 226, (106.58, 10.26), 0.0, ()),
)

#: Rough convex outline of the province (lon, lat), smoothed and scaled to 2,510 km².
_OUTLINE_LONLAT = np.array([
    (105.82, 10.47), (105.88, 10.55), (106.00, 10.575), (106.15, 10.59), (106.30, 10.585),
    (106.42, 10.55), (106.58, 10.47), (106.72, 10.40), (106.80, 10.32), (106.79, 10.24),
    (106.72, 10.21), (106.60, 10.215), (106.45, 10.28), (106.30, 10.33), (106.10, 10.345),
    (105.95, 10.36), (105.85, 10.40),
])

_DISTRICT_PHASES = (20, 4, 20)  # few Lloyd moves: keep the west-east layout of the sites
_PHUONG_AREA_KM2 = (1.0, 2.5)
_THI_TRAN_AREA_KM2 = (5.0, 7.0)
_XA_AREA_SPREAD = (0.6, 1.4)  # relative spread of the xã areas of a district

#: Syllables of invented commune names ("Tân Mỹ Chánh", "Hòa Định", "Long Hưng Tây").
_NAME_FIRST = (
    "An", "Bình", "Đạo", "Điềm", "Đăng", "Gia", "Hậu", "Hiệp", "Hòa", "Hội", "Hưng", "Kim",
    "Long", "Lương", "Mỹ", "Nhị", "Phú", "Phước", "Quơn", "Song", "Tam", "Tân", "Thạnh",
    "Thiện", "Thới", "Trung", "Vĩnh", "Xuân",
)
_NAME_SECOND = (
    "An", "Bình", "Cường", "Điền", "Định", "Đông", "Đức", "Hiệp", "Hòa", "Hội", "Hưng", "Hy",
    "Khánh", "Lập", "Lợi", "Long", "Luông", "Mỹ", "Phong", "Phú", "Phước", "Quới", "Sơn",
    "Tân", "Tây", "Thạnh", "Thành", "Thuận", "Trung", "Xuân",
)
_NAME_SUFFIX = ("Bắc", "Nam", "Đông", "Tây", "Chánh", "Trung", "A", "B")
_SUFFIX_SHARE = 0.2

_KIND_PREFIX = {"phuong": "Phường", "thi_tran": "Thị trấn", "xa": "Xã"}
COMMUNE_PREFIX = r"^(?:Phường|Thị trấn|Xã)\s+(?!\d+$)"  # keep "Phường 3" whole


def make_communes(
    geo: np.random.Generator, names: np.random.Generator, people: np.random.Generator
) -> gpd.GeoDataFrame:
    """Commune polygons with codes, names, kinds, districts and population.

    Parameters
    ----------
    geo, names, people
        Random streams for the geometry, the names and the population.

    Returns
    -------
    geopandas.GeoDataFrame
        172 communes in EPSG:9210, ordered by district, urban units first, xã west to east.
    """
    province, to_plane = _province()
    district_sites = to_plane(np.array([d.lonlat for d in DISTRICTS]))
    district_sites += geo.uniform(-1_000, 1_000, district_sites.shape)
    targets = np.array([d.area_km2 for d in DISTRICTS]) * 1e6
    targets *= province.area / targets.sum()
    samples = _grid_samples(province, 500.0)
    sites, weights = _fit_power(district_sites, targets, samples, 500.0**2,
                                phases=_DISTRICT_PHASES)
    districts = _power_cells(sites, weights, province)
    parts = [_district_units(d, poly, geo) for d, poly in zip(DISTRICTS, districts, strict=True)]
    cells = _exact_coverage(np.concatenate([p[0] for p in parts]))
    table = pd.DataFrame({
        "district": np.repeat(np.arange(len(DISTRICTS)), [len(p[0]) for p in parts]),
        "kind": np.concatenate([p[1] for p in parts]),
        "rank": np.concatenate([np.arange(len(p[0])) for p in parts]),
    })
    table["x"] = shapely.get_coordinates(shapely.centroid(cells))[:, 0]
    order = _commune_order(table)
    table, cells = table.iloc[order].reset_index(drop=True), cells[order]
    table["area"] = shapely.area(cells)
    return gpd.GeoDataFrame(
        {
            "ma_xa": [str(_CODE_START + _CODE_STEP * k) for k in range(len(table))],
            "ten_xa": _commune_names(table, names),
            "loai": table["kind"].to_numpy(),
            "huyen": [DISTRICTS[k].name for k in table["district"]],
            "dan_so": _commune_population(table, people),
            "ghi_chu": SYNTHETIC_LABEL,
        },
        geometry=cells,
        crs=DEMO_CRS,
    )


def _province() -> tuple[shapely.Polygon, Callable[[np.ndarray], np.ndarray]]:
    """Province outline in EPSG:9210 and the lon/lat -> plane mapping that placed it."""
    to_lonlat = vn2000_to_wgs84()
    lon, lat = _OUTLINE_LONLAT.T
    xy = np.column_stack(to_lonlat.transform(lon, lat, direction="INVERSE"))
    hull = shapely.convex_hull(shapely.multipoints(xy))
    raw = shapely.Polygon(_chaikin(shapely.get_coordinates(hull.exterior), 4))
    scale = np.sqrt(_PROVINCE_AREA_M2 / raw.area)
    origin = shapely.get_coordinates(raw.centroid)[0]

    def to_plane(lonlat: np.ndarray) -> np.ndarray:
        lon, lat = lonlat.T
        plane = np.column_stack(to_lonlat.transform(lon, lat, direction="INVERSE"))
        return origin + scale * (plane - origin)

    return shapely.Polygon(origin + scale * (shapely.get_coordinates(raw) - origin)), to_plane


def _chaikin(ring: np.ndarray, iterations: int) -> np.ndarray:
    """Smooth a closed ring by corner cutting; a convex ring stays convex."""
    pts = ring[:-1]
    for _ in range(iterations):
        nxt = np.roll(pts, -1, axis=0)
        pts = np.stack([0.75 * pts + 0.25 * nxt, 0.25 * pts + 0.75 * nxt], axis=1).reshape(-1, 2)
    return np.vstack([pts, pts[:1]])


def _grid_samples(polygon: shapely.Polygon, spacing: float) -> np.ndarray:
    """Centres of a square grid of cell size ``spacing`` that fall inside ``polygon``."""
    minx, miny, maxx, maxy = polygon.bounds
    gx, gy = np.meshgrid(np.arange(minx + spacing / 2, maxx, spacing),
                         np.arange(miny + spacing / 2, maxy, spacing))
    inside = shapely.contains_xy(polygon, gx, gy)
    return np.column_stack([gx[inside], gy[inside]])


def _power_label(samples: np.ndarray, sites: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Index of the power cell (min |x - p|^2 - w) holding each sample.

    Element-wise arithmetic (no BLAS product), so that the result is the same on every machine.
    """
    origin = sites.mean(axis=0)
    px, py = (sites - origin).T
    sx, sy = (samples - origin).T
    score = (px**2 + py**2 - weights) - 2.0 * (sx[:, None] * px + sy[:, None] * py)
    return score.argmin(axis=1)


def _fit_power(
    sites: np.ndarray,
    targets: np.ndarray,
    samples: np.ndarray,
    sample_area: float,
    *,
    phases: tuple[int, int, int] = (20, 40, 15),
) -> tuple[np.ndarray, np.ndarray]:
    """Capacity-constrained power diagram: weights fit the target areas, sites follow centroids.

    Parameters
    ----------
    sites
        Initial sites, shape (n, 2).
    targets
        Target cell areas (m²), shape (n,).
    samples
        Sample points covering the region evenly; each stands for ``sample_area`` m².
    sample_area
        Area represented by one sample.
    phases
        Iterations that only fit the weights, then that also move the sites (half way to
        their centroids), then that only fit the weights again.

    Returns
    -------
    tuple of numpy.ndarray
        Final sites (n, 2) and weights (n,).
    """
    n = len(sites)
    sites, weights = sites.astype(float).copy(), np.zeros(n)
    warm, move, settle = phases
    for step in range(warm + move + settle):
        label = _power_label(samples, sites, weights)
        count = np.bincount(label, minlength=n)
        if warm <= step < warm + move:
            centre = np.column_stack([np.bincount(label, samples[:, 0], n),
                                      np.bincount(label, samples[:, 1], n)])
            held = count > 0
            sites[held] = 0.5 * (sites[held] + centre[held] / count[held, None])
        weights += 0.4 * (targets - count * sample_area)
        weights -= weights.mean()
    return sites, weights


def _power_cells(sites: np.ndarray, weights: np.ndarray, region: shapely.Polygon) -> np.ndarray:
    """Power-diagram cells of ``sites`` clipped to ``region`` (convex region -> convex cells)."""
    n = len(sites)
    if n == 1:
        return np.array([region])
    origin = sites.mean(axis=0)
    local = sites - origin
    i, j = np.nonzero(~np.eye(n, dtype=bool))  # cell i lies where a.x <= b against site j
    a = 2.0 * (local[j] - local[i])
    b = (local[j] ** 2).sum(1) - (local[i] ** 2).sum(1) - weights[j] + weights[i]
    norm = np.hypot(a[:, 0], a[:, 1])
    normal = a / norm[:, None]
    foot = origin + normal * (b / norm)[:, None]
    along = np.column_stack([-normal[:, 1], normal[:, 0]]) * 1e6
    back = normal * 1e6
    ring = np.stack([foot + along, foot + along - back, foot - along - back, foot - along,
                     foot + along], axis=1)
    halfplanes = shapely.polygons(ring).reshape(n, n - 1)
    cells = np.full(n, region, dtype=object)
    for k in range(n - 1):
        cells = shapely.intersection(cells, halfplanes[:, k])
    if shapely.is_empty(cells).any():
        msg = t("errors.demo.power_cell")
        raise RuntimeError(msg)
    return cells


def _district_units(
    district: District, polygon: shapely.Polygon, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Commune cells of one district: the urban units first, then the xã.

    The district is first split into one core per urban cluster (all the phường together,
    or one thị trấn) round its anchor and the xã; a core of several phường is then split
    again. All cells are convex.

    Returns
    -------
    tuple of numpy.ndarray
        Cells (polygons) and kinds ("phuong" | "thi_tran" | "xa"); in a cluster of phường
        the first cell is the most central.
    """
    kinds = np.array(["phuong"] * district.n_phuong + ["thi_tran"] * len(district.thi_tran)
                     + ["xa"] * district.n_xa)
    urban = kinds[kinds != "xa"]
    cluster = np.cumsum(urban == "thi_tran") - (district.n_phuong == 0)
    unit_area = np.where(urban == "phuong", rng.uniform(*_PHUONG_AREA_KM2, len(urban)),
                         rng.uniform(*_THI_TRAN_AREA_KM2, len(urban))) * 1e6
    core_area = np.bincount(cluster, unit_area, len(district.anchors))
    spread = rng.uniform(*_XA_AREA_SPREAD, district.n_xa)
    targets = np.r_[core_area, (polygon.area - core_area.sum()) * spread / spread.sum()]
    anchors = _anchors(polygon, district.anchors)
    cells = _fitted_cells(polygon, targets, anchors, rng)
    cores = [_fitted_cells(cells[k], unit_area[cluster == k], np.empty((0, 2)), rng)
             for k in range(len(anchors))]
    return np.concatenate([*cores, cells[len(anchors):]]), kinds


def _fitted_cells(
    region: shapely.Polygon, targets: np.ndarray, fixed: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """Split a convex region into power cells of about the target areas (scaled to fit).

    Parameters
    ----------
    region
        Convex polygon.
    targets
        Relative cell areas; the first ``len(fixed)`` cells start at ``fixed``.
    fixed
        Initial sites of the first cells; the others start well spread at random. All
        sites then drift towards their cells' centroids.
    rng
        Random stream.

    Returns
    -------
    numpy.ndarray
        Convex cells in the order of ``targets``, except that without fixed sites they are
        sorted from the region's centre outwards.
    """
    if len(targets) == 1:
        return np.array([region])
    targets = targets * region.area / targets.sum()
    spacing = float(np.clip(np.sqrt(targets.min() / 60), 50.0, 300.0))
    samples = _grid_samples(region, spacing)
    sites = _spread_sites(samples, fixed, len(targets) - len(fixed), rng)
    sites, weights = _fit_power(sites, targets, samples, spacing**2)
    cells = _power_cells(sites, weights, region)
    if len(fixed):
        return cells
    centre = shapely.centroid(region)
    return cells[np.argsort(shapely.distance(shapely.centroid(cells), centre), kind="stable")]


def _anchors(polygon: shapely.Polygon, spec: tuple[tuple[float, float], ...]) -> np.ndarray:
    """Urban anchor points: from the centroid, a fraction of the way to the edge on a bearing."""
    if not spec:
        return np.empty((0, 2))
    bearing, fraction = np.radians(np.array(spec)[:, 0]), np.array(spec)[:, 1]
    centre = shapely.get_coordinates(polygon.centroid)[0]
    far = centre + 1e6 * np.column_stack([np.sin(bearing), np.cos(bearing)])
    rays = shapely.linestrings(np.stack([np.broadcast_to(centre, far.shape), far], axis=1))
    edge = shapely.get_coordinates(shapely.intersection(rays, polygon.exterior))
    return centre + fraction[:, None] * (edge - centre)


def _spread_sites(
    samples: np.ndarray, taken: np.ndarray, n: int, rng: np.random.Generator, tries: int = 12
) -> np.ndarray:
    """``taken`` plus ``n`` well-spread random samples (Mitchell's best candidate)."""
    sites = list(taken)
    gap = np.full(len(samples), np.inf)
    for site in sites:
        gap = np.minimum(gap, np.hypot(*(samples - site).T))
    for _ in range(n):
        candidates = rng.choice(len(samples), tries)
        pick = samples[candidates[np.argmax(gap[candidates])]]
        sites.append(pick)
        gap = np.minimum(gap, np.hypot(*(samples - pick).T))
    return np.array(sites)


def _exact_coverage(cells: np.ndarray) -> np.ndarray:
    """Snap-round (0.01 m), node and polygonize the cells so that shared edges match exactly.

    Each face of the noded linework goes to the cell containing its interior point; the
    vertices are rounded to 0.01 m.
    """
    edges = shapely.union_all(shapely.boundary(cells), grid_size=GRID)
    faces = shapely.get_parts(shapely.polygonize(shapely.get_parts(edges)))
    owner = shapely.STRtree(cells).query_nearest(
        shapely.point_on_surface(faces), all_matches=False)[1]
    order = np.argsort(owner, kind="stable")
    groups = np.split(faces[order], np.cumsum(np.bincount(owner, minlength=len(cells)))[:-1])
    merged = np.array([g[0] if len(g) == 1 else shapely.coverage_union_all(g) for g in groups])
    return shapely.transform(merged, lambda xy: np.round(xy, 2))


def _commune_order(table: pd.DataFrame) -> np.ndarray:
    """Order: district, urban units in construction order, then xã west to east."""
    rural = (table["kind"] == "xa").to_numpy()
    key = np.where(rural, table["x"].to_numpy(), table["rank"].to_numpy())
    return np.lexsort((key, rural, table["district"].to_numpy()))


def _commune_names(table: pd.DataFrame, rng: np.random.Generator) -> list[str]:
    """Full commune names with prefix: unique within a district, may repeat across districts."""
    kind, district = table["kind"].to_numpy(), table["district"].to_numpy()
    phuong_rank = table.groupby("district").cumcount().to_numpy() + 1  # phường come first
    n_phuong = np.array([d.n_phuong for d in DISTRICTS])[district]
    numbered = (kind == "phuong") & ((n_phuong <= 5) | (phuong_rank < n_phuong))
    tt_rank = ((kind == "thi_tran").cumsum() - 1).clip(0)
    tt_names = np.array([t for d in DISTRICTS for t in d.thi_tran])
    invented = _invented_names(district, rng)
    base = np.where(numbered, phuong_rank.astype(str),
                    np.where(kind == "thi_tran", tt_names[tt_rank], invented))
    prefix = pd.Series(kind).map(_KIND_PREFIX).to_numpy()
    return [f"{p} {b}" for p, b in zip(prefix, base, strict=True)]


@lru_cache(maxsize=1)
def _name_pool() -> tuple[np.ndarray, np.ndarray]:
    """Every invented base name and its drawing weight (suffixed names are rarer)."""
    pairs = [f"{a} {b}" for a in _NAME_FIRST for b in _NAME_SECOND if a != b]
    with_suffix = [f"{p} {s}" for p in pairs for s in _NAME_SUFFIX]
    weight = np.r_[np.full(len(pairs), (1 - _SUFFIX_SHARE) / len(pairs)),
                   np.full(len(with_suffix), _SUFFIX_SHARE / len(with_suffix))]
    return np.array(pairs + with_suffix), weight


def _invented_names(district: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One invented base name per row, distinct within each district."""
    pool, weight = _name_pool()
    size = np.bincount(district)
    drawn = np.concatenate([rng.choice(pool, n, replace=False, p=weight) for n in size])
    return drawn[np.argsort(np.argsort(district, kind="stable"), kind="stable")]


def _commune_population(table: pd.DataFrame, rng: np.random.Generator) -> np.ndarray:
    """Population per commune, summing exactly to each district's urban and rural totals."""
    district = table["district"].to_numpy()
    rural = (table["kind"] == "xa").to_numpy()
    totals = np.array([d.population for d in DISTRICTS])
    urban_total = np.round(totals * np.array([d.urban_share for d in DISTRICTS])).astype(int)
    group_total = np.r_[urban_total, totals - urban_total]
    group = district + len(DISTRICTS) * rural
    weight = table["area"].to_numpy() * rng.uniform(0.8, 1.25, len(table))
    return apportion(group_total, group, weight)


def centre_communes(communes: gpd.GeoDataFrame) -> np.ndarray:
    """Row of each district's centre, in :data:`DISTRICTS` order.

    The centre is the district's first urban unit (Phường 1 or its first thị trấn), else the
    xã nearest the district's centroid.
    """
    district = communes["huyen"].to_numpy()
    centroid = communes.dissolve("huyen").centroid.loc[district].to_numpy()
    distance = shapely.distance(communes.centroid.to_numpy(), centroid)
    urban = (communes["loai"] != "xa").to_numpy()
    score = pd.Series(np.where(urban, np.arange(len(communes)) - 1e12, distance))
    return score.groupby(district).idxmin().reindex([d.name for d in DISTRICTS]).to_numpy()
