"""The SYNTHETIC national set: communes, provinces, postal points, masts, a plan, subscribers.

One generator for ``ictgis demo --scale national`` and every benchmark (``benchmarks/_national.py``
re-exports it). Deterministic (each layer from its own ``numpy.random.default_rng([seed,
layer])``), built in memory, no downloads; every number is made up.

Two geographies:

* ``country=None`` (the benchmarks' load test): a square of ``Scale.area_km2`` (575 km a side
  at full scale) in VN-2000 / TM-3 105°45' (EPSG:9210), ~700 districts in 7 bands;
* ``country=vietnam(era)`` (the national demo): a coarse outline of Vietnam's mainland
  (~343,000 km², 102.1-109.5° E, 8.6-23.4° N) cut into the 63 provinces of the legacy era
  (cells round each province's capital, so shapes are made up, names and capitals are real)
  or the 34 of 2025 (unions of the legacy ones, NQ 202/2025/QH15), with districts in the
  legacy era and none in 2025. Macro-regions are left to ictgis' default (the six
  socio-economic regions).

At full scale (``Scale()``):

* 10,600 communes (legacy national demo: 10,035; 2025: 3,321): a coverage (no gaps, no
  overlaps) of Voronoi cells whose shared edges are densified to 200 m and gently wiggled;
  phường where a city is, thị trấn at the busiest small towns (6 %, none in 2025), xã
  elsewhere; populations by kind;
* 100,000 BTS masts clustered like a real network: ~20 % in ~60 cities of Zipf-like sizes
  (~12 masts/km² at every centre), the rural rest half round ~4,000 small towns and half
  spread evenly; 1-3 operators, 2G-5G mixes, classes A1a-A2c by urban/rural, heights by
  class, ~3 % under construction, 0.1 % entered twice (within 0.3 m), 0.3 % with no class;
* 15,000 postal points: one per commune in 97 % of them, the rest by population, in the
  national mix of types;
* the plan the siting rules check (``plan=True``): 20,000 zones (prohibited, A1-only,
  permitted), 60,000 planned positions, 1,000 proposals.

``Scale.quick()`` is ten times smaller at the same densities (the area shrinks too, in the
square; the country keeps its outline, so its cells grow), ``Scale.times(f)`` any factor.
``write_workspace`` writes the set as an ictgis workspace (ictgis.toml, GPKG, CSVs, with a
few data-entry slips for the validation to catch), every file labelled synthetic.
"""

from __future__ import annotations

import json
import math
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ictgis.demo.rules import A1_ONLY, PERMITTED, PROHIBITED

WORK_CRS = "EPSG:9210"
KM2_PER_COMMUNE = 330_000 / 10_600  # national average commune size
NEW = "dang_xay_dung"  # status of a mast under construction

#: Operator sets of a mast and their shares (shared masts included).
OPERATOR_SETS = (
    (("Viettel",), 0.30), (("VinaPhone",), 0.20), (("MobiFone",), 0.17),
    (("Vietnamobile",), 0.03), (("Viettel", "MobiFone"), 0.10), (("Viettel", "VinaPhone"), 0.08),
    (("VinaPhone", "MobiFone"), 0.07), (("Viettel", "VinaPhone", "MobiFone"), 0.04),
    (("VinaPhone", "MobiFone", "Vietnamobile"), 0.01),
)
#: Technology sets of a mast and their shares.
TECH_SETS = ((("2G", "3G", "4G"), 0.45), (("4G",), 0.20), (("3G", "4G"), 0.15), (("2G",), 0.05),
             (("2G", "3G"), 0.05), (("4G", "5G"), 0.07), (("2G", "3G", "4G", "5G"), 0.03))
#: Mast classes in urban and rural places.
URBAN_CLASSES = (("A1a", 0.20), ("A1b", 0.15), ("A2a", 0.45), ("A2c", 0.10), ("A2b", 0.10))
RURAL_CLASSES = (("A2b", 0.85), ("A2a", 0.05), ("A2c", 0.03), ("A1b", 0.05), ("A1a", 0.02))
#: Height by class: mean, standard deviation, lowest, highest (m); ~5 % of A2b reach 45 m.
HEIGHTS = {"A1a": (12, 3, 6, 18), "A1b": (16, 4, 8, 25), "A2a": (21, 5, 12, 35),
           "A2b": (36, 5.5, 20, 60), "A2c": (30, 6, 18, 50)}
#: Postal labels as written in the data -> (canonical type, share among extra points).
POSTAL_LABELS = {
    "Bưu cục cấp 1": ("buu_cuc", 0.01), "Bưu cục cấp 2": ("buu_cuc", 0.04),
    "Bưu cục cấp 3": ("buu_cuc", 0.20), "Điểm BĐ-VHX": ("diem_bdvhx", 0.05),
    "Đại lý bưu chính": ("dai_ly", 0.30), "Ki-ốt bưu chính": ("kiot", 0.05),
    "Thùng thư công cộng": ("thung_thu", 0.25),
    "Văn phòng chuyển phát": ("chuyen_phat", 0.10),  # loaded, reported, not counted in N
}
SYLLABLES = (
    "An", "Bình", "Phú", "Tân", "Hòa", "Long", "Thạnh", "Mỹ", "Phước", "Thới", "Hưng", "Lộc",
    "Thuận", "Đông", "Tây", "Nam", "Bắc", "Trung", "Hải", "Sơn", "Thanh", "Xuân", "Hương",
    "Quang", "Vĩnh", "Khánh", "Định", "Hiệp", "Lợi", "Thắng", "Yên", "Lạc", "Cẩm", "Đức",
    "Minh", "Nghĩa", "Châu", "Giang", "Lâm", "Hà", "Kim", "Ngọc", "Phong", "Tường", "Lương",
    "Điền", "Gia", "Hội", "Trà", "Cát", "Diên", "Hậu", "Kiến", "Mai", "Nhơn", "Quý", "Tịnh",
)
REGIONS = (
    "Trung du và miền núi phía Bắc", "Đồng bằng sông Hồng", "Bắc Trung Bộ",
    "Duyên hải Nam Trung Bộ", "Tây Nguyên", "Đông Nam Bộ", "Đồng bằng sông Cửu Long",
)
KIND_LABELS = {"phuong": "Phường", "thi_tran": "Thị trấn", "xa": "Xã"}

#: Label of every file of the national demo (the ``ghi_chu`` column).
SYNTHETIC_LABEL = "SYNTHETIC - ictgis national demo, not real data"

#: Vietnam's mainland, coarsely: (lon, lat) in degrees, clockwise from the north-west tripoint.
OUTLINE = (
    (102.14, 22.40), (102.45, 22.75), (102.90, 22.45), (103.40, 22.78), (103.95, 22.50),
    (104.35, 22.72), (104.80, 22.85), (105.30, 23.38), (105.85, 22.95), (106.30, 22.85),
    (106.75, 22.80), (106.68, 22.30), (106.95, 21.95), (107.40, 21.65), (108.05, 21.55),
    (107.75, 21.20), (107.25, 20.95), (106.75, 20.70), (106.55, 20.30), (106.10, 19.95),
    (105.85, 19.55), (105.75, 19.05), (105.95, 18.60), (106.35, 18.10), (106.60, 17.55),
    (107.05, 17.05), (107.60, 16.55), (108.25, 16.10), (108.65, 15.55), (108.95, 15.00),
    (109.15, 14.30), (109.30, 13.60), (109.45, 12.90), (109.46, 12.65), (109.22, 11.80),
    (109.00, 11.35), (108.50, 11.05), (108.00, 10.65), (107.45, 10.45), (107.00, 10.35),
    (106.75, 10.10), (106.55, 9.65), (106.20, 9.45), (105.80, 9.20), (105.35, 8.85),
    (104.85, 8.58), (104.80, 9.10), (104.85, 9.70), (104.70, 10.15), (104.50, 10.40),
    (104.95, 10.80), (105.30, 10.95), (105.85, 10.90), (105.95, 11.40), (106.15, 11.75), (106.45, 11.70),
    (106.95, 11.95), (107.50, 12.20), (107.55, 12.70), (107.50, 13.50), (107.40, 14.20),
    (107.55, 14.70), (107.60, 15.40), (107.20, 15.90), (106.80, 16.35), (106.50, 16.80),
    (106.10, 17.30), (105.65, 17.85), (105.15, 18.55), (104.60, 18.95), (103.95, 19.25),
    (104.05, 19.65), (104.60, 19.90), (104.55, 20.30), (104.05, 20.45), (103.65, 20.70),
    (103.20, 20.80), (102.80, 21.25), (102.65, 21.70), (102.20, 21.95),
)
#: The 63 provinces before July 2025 and their capitals (lon, lat), roughly.
CAPITALS = {
    "Hà Giang": (104.98, 22.82), "Cao Bằng": (106.26, 22.67), "Bắc Kạn": (105.83, 22.15),
    "Tuyên Quang": (105.22, 21.82), "Lào Cai": (103.97, 22.45), "Yên Bái": (104.87, 21.72),
    "Thái Nguyên": (105.84, 21.59), "Lạng Sơn": (106.76, 21.85), "Bắc Giang": (106.19, 21.27),
    "Phú Thọ": (105.40, 21.32), "Điện Biên": (103.02, 21.39), "Lai Châu": (103.46, 22.40),
    "Sơn La": (103.91, 21.33), "Hòa Bình": (105.34, 20.81), "Hà Nội": (105.85, 21.03),
    "Vĩnh Phúc": (105.60, 21.31), "Bắc Ninh": (106.08, 21.19), "Quảng Ninh": (107.08, 20.95),
    "Hải Dương": (106.33, 20.94), "Hải Phòng": (106.68, 20.86), "Hưng Yên": (106.05, 20.65),
    "Thái Bình": (106.34, 20.45), "Hà Nam": (105.92, 20.54), "Nam Định": (106.17, 20.42),
    "Ninh Bình": (105.97, 20.25), "Thanh Hóa": (105.78, 19.81), "Nghệ An": (105.68, 18.67),
    "Hà Tĩnh": (105.90, 18.34), "Quảng Bình": (106.60, 17.47), "Quảng Trị": (107.10, 16.75),
    "Thừa Thiên Huế": (107.59, 16.46), "Đà Nẵng": (108.21, 16.05), "Quảng Nam": (108.47, 15.57),
    "Quảng Ngãi": (108.80, 15.12), "Bình Định": (109.22, 13.78), "Phú Yên": (109.30, 13.09),
    "Khánh Hòa": (109.19, 12.24), "Ninh Thuận": (108.99, 11.57), "Bình Thuận": (108.10, 10.93),
    "Kon Tum": (108.00, 14.35), "Gia Lai": (108.00, 13.98), "Đắk Lắk": (108.05, 12.67),
    "Đắk Nông": (107.69, 12.00), "Lâm Đồng": (108.44, 11.94), "Bình Phước": (106.90, 11.53),
    "Tây Ninh": (106.10, 11.31), "Bình Dương": (106.65, 10.98), "Đồng Nai": (106.82, 10.95),
    "Bà Rịa - Vũng Tàu": (107.17, 10.50), "Hồ Chí Minh": (106.70, 10.78), "Long An": (106.41, 10.54),
    "Tiền Giang": (106.36, 10.36), "Bến Tre": (106.38, 10.24), "Trà Vinh": (106.34, 9.93),
    "Vĩnh Long": (105.97, 10.25), "Đồng Tháp": (105.63, 10.46), "An Giang": (105.43, 10.39),
    "Kiên Giang": (105.08, 10.01), "Cần Thơ": (105.78, 10.03), "Hậu Giang": (105.47, 9.78),
    "Sóc Trăng": (105.97, 9.60), "Bạc Liêu": (105.72, 9.29), "Cà Mau": (105.15, 9.18),
}
#: The 2025 provinces formed by merging (NQ 202/2025/QH15) -> the legacy provinces they took
#: in; the other eleven kept their territory (Thừa Thiên Huế is now Huế).
MERGED_2025 = {
    "Tuyên Quang": ("Tuyên Quang", "Hà Giang"), "Lào Cai": ("Lào Cai", "Yên Bái"),
    "Thái Nguyên": ("Thái Nguyên", "Bắc Kạn"), "Phú Thọ": ("Phú Thọ", "Vĩnh Phúc", "Hòa Bình"),
    "Bắc Ninh": ("Bắc Ninh", "Bắc Giang"), "Hưng Yên": ("Hưng Yên", "Thái Bình"),
    "Hải Phòng": ("Hải Phòng", "Hải Dương"), "Ninh Bình": ("Ninh Bình", "Hà Nam", "Nam Định"),
    "Quảng Trị": ("Quảng Trị", "Quảng Bình"), "Đà Nẵng": ("Đà Nẵng", "Quảng Nam"),
    "Quảng Ngãi": ("Quảng Ngãi", "Kon Tum"), "Gia Lai": ("Gia Lai", "Bình Định"),
    "Khánh Hòa": ("Khánh Hòa", "Ninh Thuận"),
    "Lâm Đồng": ("Lâm Đồng", "Đắk Nông", "Bình Thuận"), "Đắk Lắk": ("Đắk Lắk", "Phú Yên"),
    "Hồ Chí Minh": ("Hồ Chí Minh", "Bình Dương", "Bà Rịa - Vũng Tàu"),
    "Đồng Nai": ("Đồng Nai", "Bình Phước"), "Tây Ninh": ("Tây Ninh", "Long An"),
    "Cần Thơ": ("Cần Thơ", "Sóc Trăng", "Hậu Giang"),
    "Vĩnh Long": ("Vĩnh Long", "Bến Tre", "Trà Vinh"), "Đồng Tháp": ("Đồng Tháp", "Tiền Giang"),
    "Cà Mau": ("Cà Mau", "Bạc Liêu"), "An Giang": ("An Giang", "Kiên Giang"),
    "Huế": ("Thừa Thiên Huế",),
}
#: Communes of the whole country in each era (10,035 just before July 2025; 3,321 after).
ERA_COMMUNES = {"legacy": 10_035, "2025": 3_321}


@dataclass(frozen=True)
class Country:
    """The national demo's geography in :data:`WORK_CRS`: outline, capitals, provinces of an era."""

    outline: shapely.Polygon
    capitals: np.ndarray  # (63, 2) x, y of the legacy capitals
    legacy: tuple[str, ...]  # the legacy province of each capital
    province_of: dict[str, str]  # legacy province -> province of the era
    era: str

    @property
    def districts(self) -> bool:
        """Whether communes have districts (the legacy era; none since July 2025)."""
        return self.era == "legacy"

    @property
    def provinces(self) -> list[str]:
        """The provinces of the era, in the order of :data:`CAPITALS`."""
        return list(dict.fromkeys(self.province_of[p] for p in self.legacy))


def vietnam(era: str = "legacy") -> Country:
    """Vietnam's outline and provinces of ``era`` (``legacy``: 63, ``2025``: 34), in EPSG:9210."""
    from ictgis.crs import transform_xy

    lon, lat = np.array(OUTLINE).T
    x, y = transform_xy(lon, lat, "EPSG:4326", WORK_CRS)
    outline = shapely.Polygon(np.column_stack([x, y]))
    names = tuple(CAPITALS)
    lonlat = np.array([CAPITALS[n] for n in names])
    cx, cy = transform_xy(lonlat[:, 0], lonlat[:, 1], "EPSG:4326", WORK_CRS)
    province_of = {name: name for name in names}
    if era == "2025":
        province_of |= {old: new for new, olds in MERGED_2025.items() for old in olds}
    elif era != "legacy":
        raise ValueError(f"unknown era {era!r}: legacy or 2025")
    return Country(outline, np.column_stack([cx, cy]), names, province_of, era)


@dataclass(frozen=True)
class Scale:
    """How many of everything (the national defaults; ``quick()``: ten times fewer)."""

    communes: int = 10_600
    postal: int = 15_000
    bts: int = 100_000
    zones: int = 20_000
    planned: int = 60_000
    proposals: int = 1_000
    vertex_spacing: float = 200.0  # m between commune boundary vertices, 0: plain Voronoi

    def quick(self) -> Scale:
        """The same set ten times smaller (same densities: the area shrinks too)."""
        return self.times(0.1)

    def times(self, factor: float) -> Scale:
        """Every count times ``factor`` (at least 10 of each)."""
        return replace(self, **{k: max(10, int(getattr(self, k) * factor)) for k in
                                ("communes", "postal", "bts", "zones", "planned", "proposals")})

    @property
    def area_km2(self) -> float:
        """Area of the square, km²."""
        return self.communes * KM2_PER_COMMUNE


@dataclass
class National:
    """The generated layers (all in EPSG:9210, canonical column names) and what was built."""

    side: float  # m, the square's side
    x0: float
    y0: float
    communes: gpd.GeoDataFrame  # code, name, kind, district, population
    regions: dict[str, list[str]]
    sites: gpd.GeoDataFrame  # id, operators, technologies, mast_class, height, status, urban, commune
    cities: np.ndarray  # (x, y, masts) of every city, largest first
    posts: gpd.GeoDataFrame | None = None  # id, name, label, type, commune (truth)
    zones: gpd.GeoDataFrame | None = None
    planned: gpd.GeoDataFrame | None = None
    proposals: gpd.GeoDataFrame | None = None
    subscribers: pd.DataFrame | None = None  # code + telecom.SUBSCRIBER_COLUMNS
    build_seconds: float = 0.0
    notes: list[str] = field(default_factory=list)
    seed: int = 0
    country: Country | None = None  # None: the square

    @property
    def area(self) -> shapely.Polygon:
        """The land the communes cover: the square, or the country's outline."""
        if self.country is not None:
            return self.country.outline
        return shapely.box(*self.square)

    @property
    def square(self) -> tuple[float, float, float, float]:
        """(xmin, ymin, xmax, ymax) of the square of side ``side`` at (x0, y0), m."""
        return self.x0, self.y0, self.x0 + self.side, self.y0 + self.side

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """(xmin, ymin, xmax, ymax) of :attr:`area`, m."""
        if self.country is not None:
            x0, y0, x1, y1 = self.country.outline.bounds
            return x0, y0, x1, y1
        return self.square


def pick(rng: np.random.Generator, table: tuple[tuple[object, float], ...], n: int) -> np.ndarray:
    """``n`` labels drawn from ``(label, weight)`` pairs (object array: labels may be tuples)."""
    labels = np.empty(len(table), dtype=object)
    labels[:] = [label for label, _ in table]
    p = np.array([w for _, w in table])
    return labels[rng.choice(len(labels), size=n, p=p / p.sum())]


def build(seed: int, scale: Scale = Scale(), *, postal: bool = True, plan: bool = False,
          country: Country | None = None, subscribers: bool = False) -> National:
    """The national set; ``postal``, ``plan`` and ``subscribers`` add those layers.

    Each layer is seeded on its own. ``country`` (:func:`vietnam`) lays the communes over
    Vietnam's provinces instead of the square.
    """
    start = time.perf_counter()
    if country is None:
        side = math.sqrt(scale.area_km2 * 1e6)
        x0, y0 = 500_000 - side / 2, 1_000_000.0
        area = shapely.box(x0, y0, x0 + side, y0 + side)
    else:
        area = country.outline
        x0, y0, x1, y1 = area.bounds
        side = max(x1 - x0, y1 - y0)
    polys = commune_polygons(np.random.default_rng([seed, 1]), scale.communes, area,
                             scale.vertex_spacing)
    where = Locator(polys)
    sites, cities, notes = masts(np.random.default_rng([seed, 2]), scale.bts, area.bounds,
                                 where.accept)
    sites["commune"] = where.index(sites)  # row position for now, code below
    communes, regions = commune_table(np.random.default_rng([seed, 3]), polys, sites, country)
    codes = communes["code"].to_numpy(dtype=object)
    sites["commune"] = codes[sites["commune"].to_numpy()]
    nat = National(side, x0, y0, communes, regions, sites, cities, notes=notes, seed=seed,
                   country=country)
    k = communes["kind"].value_counts()
    units = (f"{communes['province'].nunique()} provinces ({country.era})"
             if country is not None else f"{len(regions)} regions")
    if "district" in communes:
        units = f"{communes['district'].nunique():,} districts and {units}"
    nat.notes.insert(0, (
        f"{len(communes):,} communes ({k.get('phuong', 0):,} phường, {k.get('thi_tran', 0):,} "
        f"thị trấn, {k.get('xa', 0):,} xã) in {units}, {area.area / 1e6:,.0f} km² "
        f"(bounds {(area.bounds[2] - area.bounds[0]) / 1000:.0f} km x "
        f"{(area.bounds[3] - area.bounds[1]) / 1000:.0f} km), "
        f"{shapely.get_num_coordinates(polys).mean():.0f} vertices "
        f"per commune on average, population {communes['population'].sum() / 1e6:.1f} M"))
    if subscribers:
        nat.subscribers = subscriber_counts(np.random.default_rng([seed, 9]), communes)
    if postal:
        nat.posts = postal_points(np.random.default_rng([seed, 4]), scale.postal, communes)
        nat.notes.append(f"{scale.postal:,} postal points")
    if plan:
        nat.zones, zone_note = plan_zones(np.random.default_rng([seed, 5]), scale.zones, nat)
        nat.planned, plan_note = planned_sites(np.random.default_rng([seed, 6]), scale.planned,
                                               nat)
        nat.proposals = proposals(np.random.default_rng([seed, 7]), scale.proposals, nat, where)
        nat.notes += [zone_note, plan_note, f"{scale.proposals:,} proposals"]
    nat.build_seconds = time.perf_counter() - start
    return nat


# ------------------------------------------------------------------------------------ communes


def _fold(text: str) -> str:
    plain = unicodedata.normalize("NFD", text.replace("Đ", "D").replace("đ", "d"))
    return "".join(c for c in plain if not unicodedata.combining(c)).casefold()


def _names(rng: np.random.Generator, n: int, *, unique: bool) -> list[str]:
    pairs = [f"{a} {b}" for a in SYLLABLES for b in SYLLABLES if a != b]
    if unique:  # unique once folded: ictgis matches "Thanh Trung" and "Thạnh Trung" alike
        if n > len(pairs):
            pairs += [f"{p} {c}" for p in pairs for c in SYLLABLES[:8]]
        pairs = list({_fold(p): p for p in pairs}.values())
    return [pairs[i] for i in rng.choice(len(pairs), size=n, replace=not unique)]


def _wiggle(area: shapely.Polygon) -> Callable[[np.ndarray], np.ndarray]:
    """A smooth displacement (≤ ~150 m, gradient < 0.3) that vanishes on the outer border.

    Applied to every vertex of a noded line network it keeps shared boundaries shared and,
    being a small smooth deformation, never makes edges cross.
    """
    border = area.boundary
    shapely.prepare(border)

    def move(c: np.ndarray) -> np.ndarray:
        x, y = c[:, 0], c[:, 1]
        edge = shapely.distance(border, shapely.points(x, y))
        s = 100.0 * np.clip(edge / 2000.0, 0.0, 1.0)
        dx = s * (np.sin(2 * np.pi * x / 2700 + 1.3) * np.cos(2 * np.pi * y / 3100)
                  + 0.5 * np.sin(2 * np.pi * y / 1300))
        dy = s * (np.cos(2 * np.pi * x / 2900) * np.sin(2 * np.pi * y / 2500 + 0.7)
                  + 0.5 * np.sin(2 * np.pi * x / 1100))
        return np.column_stack([x + dx, y + dy])

    return move


def commune_polygons(rng: np.random.Generator, n: int, area: shapely.Polygon, spacing: float
                     ) -> np.ndarray:
    """``n`` polygons covering ``area`` (no gaps, no overlaps), north to south, west to east.

    Seeds on a jittered grid over the bounds of ``area`` (those inside it), one Voronoi cell
    each, clipped to ``area``.
    """
    x0, y0, x1, y1 = area.bounds
    fill = area.area / ((x1 - x0) * (y1 - y0))  # 1 for the square
    cells = n if fill > 0.999 else math.ceil(n / fill * 1.1)
    cols = max(1, round(math.sqrt(cells * (x1 - x0) / (y1 - y0))))
    rows = -(-cells // cols)
    ii, jj = np.meshgrid(np.arange(cols), np.arange(rows))
    cx = x0 + (ii.ravel() + 0.5 + rng.uniform(-0.4, 0.4, ii.size)) * (x1 - x0) / cols
    cy = y0 + (jj.ravel() + 0.5 + rng.uniform(-0.4, 0.4, ii.size)) * (y1 - y0) / rows
    inside = np.flatnonzero(shapely.contains_xy(area, cx, cy))
    if len(inside) < n:
        raise RuntimeError(f"synthetic coverage: {len(inside)} seeds for {n} communes")
    keep = inside[np.sort(rng.choice(len(inside), size=n, replace=False))]
    box = shapely.box(x0, y0, x1, y1)
    seeds = shapely.multipoints(np.column_stack([cx[keep], cy[keep]]))
    polys = shapely.intersection(
        shapely.get_parts(shapely.voronoi_polygons(seeds, extend_to=box)), area)
    polys = _one_part_each(polys, shapely.points(cx[keep], cy[keep]))
    if spacing > 0:  # densify and deform the shared edge network once, then rebuild the faces
        network = shapely.get_parts(shapely.union_all(shapely.boundary(polys)))
        network = shapely.transform(shapely.segmentize(network, spacing), _wiggle(area))
        polys = shapely.get_parts(shapely.polygonize(network))
    if len(polys) != n or not shapely.is_valid(polys).all():
        raise RuntimeError(f"synthetic coverage broke: {len(polys)} polygons for {n} communes")
    centre = shapely.centroid(polys)
    return polys[np.lexsort((shapely.get_x(centre).round(-3), -shapely.get_y(centre).round(-4)))]


def _one_part_each(polys: np.ndarray, seeds: np.ndarray) -> np.ndarray:
    """Cells clipped by a concave outline as single polygons.

    A part cut off from its seed (across a bay) joins the neighbour it shares most boundary
    with.
    """
    parts, owner = shapely.get_parts(polys, return_index=True)
    if len(parts) == len(polys):
        return polys
    area = shapely.area(parts)
    order = np.lexsort((-area, ~shapely.contains(parts, seeds[owner]), owner))
    home = np.zeros(len(parts), bool)
    home[order[np.r_[True, owner[order][1:] != owner[order][:-1]]]] = True  # first per cell
    out = np.empty(len(polys), dtype=object)
    out[owner[home]] = parts[home]
    tree = shapely.STRtree(out)
    for part in parts[~home]:
        near = tree.query(part, predicate="intersects")
        shared = shapely.length(shapely.intersection(part, out[near]))
        best = near[int(np.argmax(shared))]
        out[best] = shapely.union(out[best], part)
    return out


class Locator:
    """Which commune polygon a point is in, keeping points at least 1 m inside one.

    At least 1 m from every boundary, so that writing coordinates to the centimetre (or to
    1e-7 degree) never moves a point into the next commune.
    """

    def __init__(self, polys: np.ndarray) -> None:
        self.polys, self.edges = polys, shapely.boundary(polys)
        self.tree = shapely.STRtree(polys)

    def positions(self, x: np.ndarray, y: np.ndarray, margin: float = 1.0) -> np.ndarray:
        """Row of the polygon holding each point ``margin`` m inside, -1 for none."""
        points = shapely.points(x, y)
        found = np.full(len(points), -1, dtype=np.int64)
        i, j = self.tree.query(points, predicate="within")
        found[i] = j
        if margin > 0:
            ok = found >= 0
            near = shapely.dwithin(self.edges[found[ok]], points[ok], margin)
            found[np.flatnonzero(ok)[near]] = -1
        return found

    def accept(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Whether each point is 1 m inside a commune."""
        return self.positions(x, y) >= 0

    def index(self, frame: gpd.GeoDataFrame) -> np.ndarray:
        """Row of the polygon of every point of ``frame`` (-1 for none)."""
        return self.positions(*_xy(frame), margin=0.0)


def _nearest(xy: np.ndarray, seeds: np.ndarray) -> np.ndarray:
    """Row of the nearest seed of every point (blocks of 2,048 points)."""
    out = np.empty(len(xy), dtype=np.int64)
    for s in range(0, len(xy), 2048):
        d2 = ((xy[s:s + 2048, None, :] - seeds[None, :, :]) ** 2).sum(axis=2)
        out[s:s + 2048] = d2.argmin(axis=1)
    return out


def _provinces(xy: np.ndarray, country: Country) -> np.ndarray:
    """The era's province of every commune centre: its nearest legacy capital, merged for 2025.

    Every legacy province gets at least its capital's commune (a reduced set keeps all 63).
    """
    legacy = _nearest(xy, country.capitals)
    for p in np.flatnonzero(np.bincount(legacy, minlength=len(country.legacy)) == 0):
        order = np.argsort(((xy - country.capitals[p]) ** 2).sum(axis=1))
        counts = np.bincount(legacy, minlength=len(country.legacy))
        legacy[next(c for c in order if counts[legacy[c]] > 1)] = p
    names = np.array([country.province_of[n] for n in country.legacy], dtype=object)
    return names[legacy]


def _districts(rng: np.random.Generator, xy: np.ndarray, group: np.ndarray) -> np.ndarray:
    """District number of every commune: nearest of ~1 seed per 15 communes of its group."""
    district = np.empty(len(xy), dtype=np.int64)
    first = 0
    for g in pd.unique(group):
        rows = np.flatnonzero(group == g)
        seeds = xy[rows[np.sort(rng.choice(len(rows), size=max(1, round(len(rows) / 15.1)),
                                           replace=False))]]
        used, local = np.unique(_nearest(xy[rows], seeds), return_inverse=True)
        district[rows] = first + local
        first += len(used)
    return district


def commune_table(rng: np.random.Generator, polys: np.ndarray, sites: gpd.GeoDataFrame,
                  country: Country | None = None
                  ) -> tuple[gpd.GeoDataFrame, dict[str, list[str]]]:
    """Code, name, kind, district, province and population of every polygon; regions.

    The square has districts in 7 regions (bands north to south); the country has provinces
    (and districts within them in the legacy era) and leaves regions to ictgis' default
    macro-regions.
    """
    n = len(polys)
    centre = shapely.centroid(polys)
    xy = np.column_stack([shapely.get_x(centre), shapely.get_y(centre)])
    province = _provinces(xy, country) if country is not None else np.zeros(n, dtype=object)
    district = _districts(rng, xy, province)
    n_districts = district.max() + 1
    # phường where >= 4 city masts are, thị trấn in the 6 % of the rest with most masts
    where, in_city = sites["commune"].to_numpy(), sites["urban"].to_numpy(bool)
    urban = np.bincount(where[in_city], minlength=n)
    rural = np.bincount(where[~in_city], minlength=n) - 1e9 * (urban >= 4)
    kind = np.full(n, "xa", dtype=object)
    if country is None or country.districts:  # no thị trấn since July 2025
        kind[np.argsort(-rural, kind="stable")[:round(0.06 * n)]] = "thi_tran"
    kind[urban >= 4] = "phuong"
    city_share = np.bincount(district, weights=kind == "phuong") / np.bincount(district)
    prefix = np.where(city_share > 0.5, "Quận", "Huyện")
    district_names = [f"{p} {b}" for p, b in zip(prefix, _names(rng, n_districts, unique=True),
                                                 strict=True)]
    base = np.array(_names(rng, n, unique=False), dtype=object)
    numbered = (kind == "phuong") & (rng.random(n) < 0.4)
    base[numbered] = rng.integers(1, 16, numbered.sum()).astype(str)
    mean_pop = np.select([kind == "phuong", kind == "thi_tran"], [16_000, 11_000], 8_000)
    if country is not None:  # the country's people: ~100 M over its communes
        mean_pop = mean_pop * 10_035 / n
    columns = {
        "code": np.array([f"{i:05d}" for i in range(1, n + 1)], dtype=object),
        "name": [f"{KIND_LABELS[k]} {b}" for k, b in zip(kind, base, strict=True)],
        "kind": kind,
        "district": [district_names[d] for d in district],
        "population": np.round(mean_pop * rng.lognormal(-0.18, 0.6, n)).astype(np.int64),
    }
    if country is not None:
        columns["province"] = province
        if not country.districts:
            del columns["district"]
    communes = gpd.GeoDataFrame(columns, geometry=gpd.GeoSeries(polys, crs=WORK_CRS),
                                crs=WORK_CRS)
    if country is not None:
        return communes, {}
    seeds = np.array([xy[district == d].mean(axis=0) for d in range(n_districts)])
    n_regions = min(len(REGIONS), n_districts)  # bands of districts, north to south
    band = np.empty(n_districts, dtype=np.int64)
    band[np.argsort(-seeds[:, 1], kind="stable")] = np.arange(n_districts) * n_regions // n_districts
    regions = {REGIONS[r]: [district_names[d] for d in np.flatnonzero(band == r)]
               for r in range(n_regions)}
    return communes, regions


def subscriber_counts(rng: np.random.Generator, communes: gpd.GeoDataFrame) -> pd.DataFrame:
    """Subscribers per commune at the demo province's densities per 100 inhabitants."""
    from ictgis.demo.subscribers import make_subscribers

    frame = pd.DataFrame({"ma_xa": communes["code"], "dan_so": communes["population"],
                          "loai": communes["kind"]})
    return make_subscribers(frame, rng).drop(columns="ghi_chu")


# --------------------------------------------------------------------------------------- masts


def _redraw(draw: Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]], n: int,
            accept: Callable[[np.ndarray, np.ndarray], np.ndarray]
            ) -> tuple[np.ndarray, np.ndarray]:
    """``n`` points from ``draw(rows)``, drawn again until ``accept`` takes them all."""
    x, y = np.empty(n), np.empty(n)
    todo = np.arange(n)
    while len(todo):
        x[todo], y[todo] = draw(todo)
        todo = todo[~accept(x[todo], y[todo])]
    return x, y


def around(rng: np.random.Generator, cx: np.ndarray, cy: np.ndarray, sigma: float | np.ndarray,
           accept: Callable[[np.ndarray, np.ndarray], np.ndarray]
           ) -> tuple[np.ndarray, np.ndarray]:
    """A Gaussian point round every centre, drawn again until accepted."""
    sigma = np.broadcast_to(sigma, np.shape(cx))
    return _redraw(lambda k: (cx[k] + rng.normal(0, sigma[k]), cy[k] + rng.normal(0, sigma[k])),
                   len(cx), accept)


def uniform(rng: np.random.Generator, n: int, bounds: tuple[float, float, float, float],
            accept: Callable[[np.ndarray, np.ndarray], np.ndarray] | None = None,
            margin: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """``n`` points evenly in ``bounds`` (less ``margin``), drawn again until accepted."""
    x0, y0, x1, y1 = bounds
    return _redraw(lambda k: (rng.uniform(x0 + margin, x1 - margin, len(k)),
                              rng.uniform(y0 + margin, y1 - margin, len(k))),
                   n, accept or (lambda x, _y: np.ones(len(x), bool)))


def mast_classes(rng: np.random.Generator, urban: np.ndarray, na_share: float) -> np.ndarray:
    """Class of every mast by the urban or rural mix; ``na_share`` of them None."""
    cls = np.where(urban, pick(rng, URBAN_CLASSES, len(urban)),
                   pick(rng, RURAL_CLASSES, len(urban))).astype(object)
    cls[rng.random(len(urban)) < na_share] = None
    return cls


def mast_heights(rng: np.random.Generator, cls: np.ndarray, na_share: float) -> np.ndarray:
    """Height of every mast by its class, m (``na_share`` of them NaN)."""
    mean, sd, low, high = np.array([HEIGHTS.get(c, (25, 8, 10, 50)) for c in cls], float).T
    height = np.round(np.clip(rng.normal(mean, sd), low, high), 1)
    height[rng.random(len(cls)) < na_share] = np.nan
    return height


def masts(rng: np.random.Generator, n: int, bounds: tuple[float, float, float, float],
          accept: Callable[[np.ndarray, np.ndarray], np.ndarray], crs: str = WORK_CRS
          ) -> tuple[gpd.GeoDataFrame, np.ndarray, list[str]]:
    """Masts clustered like a real network in ``bounds``, every one where ``accept`` says.

    Returns the masts, the cities (x, y, masts; largest first) and a note.
    """
    x0, y0, x1, y1 = bounds
    n_urban = round(0.2 * n)
    n_cities = max(3, round(n / 1_700))
    weights = 1.0 / np.arange(1, n_cities + 1) ** 1.1
    sizes = rng.multinomial(n_urban, weights / weights.sum())
    centres = np.column_stack(uniform(rng, n_cities, bounds, accept,
                                      margin=min(25_000.0, (x1 - x0) / 8, (y1 - y0) / 8)))
    city = np.repeat(np.arange(n_cities), sizes)
    sigma = 580.0 * np.sqrt(np.maximum(sizes, 4) / 25.0)  # ~12 masts/km² at every city centre
    ux, uy = around(rng, centres[city, 0], centres[city, 1], sigma[city], accept)
    n_rural = n - n_urban
    n_towns = max(10, n // 25)
    towns = np.column_stack(uniform(rng, n_towns, bounds, accept))
    town = rng.integers(0, n_towns, n_rural // 2)
    tx, ty = around(rng, towns[town, 0], towns[town, 1], 1_500.0, accept)
    ex, ey = uniform(rng, n_rural - len(town), bounds, accept)
    x, y = np.concatenate([ux, tx, ex]), np.concatenate([uy, ty, ey])
    urban = np.concatenate([np.ones(n_urban, bool), np.zeros(n_rural, bool)])
    # 0.1 %: the same mast entered twice (another operator's record, within 0.3 m)
    dup = rng.choice(n, size=2 * max(1, n // 1_000), replace=False).reshape(2, -1)
    x[dup[1]] = x[dup[0]] + rng.uniform(-0.3, 0.3, dup.shape[1])
    y[dup[1]] = y[dup[0]] + rng.uniform(-0.3, 0.3, dup.shape[1])
    urban[dup[1]] = urban[dup[0]]
    order = rng.permutation(n)
    x, y, urban = x[order], y[order], urban[order]
    cls = mast_classes(rng, urban, 0.003)
    status = np.where(rng.random(n) < 0.03, NEW, "dang_hoat_dong").astype(object)
    sites = gpd.GeoDataFrame({
        "id": np.array([f"BTS{i:06d}" for i in range(1, n + 1)], dtype=object),
        "operators": pick(rng, OPERATOR_SETS, n),
        "technologies": pick(rng, TECH_SETS, n),
        "mast_class": pd.array(cls, dtype="string"),
        "height": mast_heights(rng, cls, 0.005),
        "status": status,
        "urban": urban,
    }, geometry=gpd.GeoSeries(shapely.points(x, y), crs=crs), crs=crs)
    ranked = np.argsort(-sizes, kind="stable")
    cities = np.column_stack([centres[ranked], sizes[ranked]])
    note = (f"{n:,} masts: {n_urban:,} urban in {n_cities} cities (largest {sizes.max():,}, "
            f"sigma {sigma.max() / 1000:.1f} km), {len(town):,} round {n_towns:,} towns, "
            f"{len(ex):,} spread evenly; {dup.shape[1]} duplicate positions, "
            f"{(status == NEW).sum():,} under construction, {pd.isna(cls).sum()} with no class, "
            f"{np.isnan(sites['height']).sum()} with no height")
    return sites, cities, [note]


# -------------------------------------------------------------------------------------- postal


def points_in(rng: np.random.Generator, polys: np.ndarray, which: np.ndarray
              ) -> tuple[np.ndarray, np.ndarray]:
    """One uniform point at least 1 m inside ``polys[which[i]]`` for every i."""
    bounds = shapely.bounds(polys)[which]
    edges = shapely.boundary(polys)

    def accept_rows(rows: np.ndarray) -> Callable[[np.ndarray, np.ndarray], np.ndarray]:
        def accept(x: np.ndarray, y: np.ndarray) -> np.ndarray:
            return (shapely.contains_xy(polys[which[rows]], x, y)
                    & ~shapely.dwithin(edges[which[rows]], shapely.points(x, y), 1.0))
        return accept

    x, y = np.empty(len(which)), np.empty(len(which))
    todo = np.arange(len(which))
    while len(todo):
        b = bounds[todo]
        x[todo], y[todo] = rng.uniform(b[:, 0], b[:, 2]), rng.uniform(b[:, 1], b[:, 3])
        todo = todo[~accept_rows(todo)(x[todo], y[todo])]
    return x, y


def postal_points(rng: np.random.Generator, n: int, communes: gpd.GeoDataFrame
                  ) -> gpd.GeoDataFrame:
    """A BĐ-VHX point (xã) or bưu cục cấp 3 in 97 % of communes, the rest by population."""
    pop = communes["population"].to_numpy(float)
    base = np.flatnonzero(rng.random(len(communes)) < 0.97)[:n]
    extra = rng.choice(len(communes), size=n - len(base), p=pop / pop.sum())
    where = np.concatenate([base, extra])
    labels = np.concatenate([
        np.where(communes["kind"].to_numpy()[base] == "xa", "Điểm BĐ-VHX", "Bưu cục cấp 3"),
        pick(rng, tuple((k, w) for k, (_, w) in POSTAL_LABELS.items()), len(extra))]).astype(object)
    x, y = points_in(rng, communes.geometry.to_numpy(), where)
    perm = rng.permutation(n)
    return gpd.GeoDataFrame({
        "id": np.array([f"BC{i:06d}" for i in range(1, n + 1)], dtype=object),
        "name": [f"{lbl} {i}" for i, lbl in enumerate(labels[perm], 1)],
        "label": labels[perm],
        "type": [POSTAL_LABELS[lbl][0] for lbl in labels[perm]],
        "commune": communes["code"].to_numpy(dtype=object)[where[perm]],
    }, geometry=gpd.GeoSeries(shapely.points(x[perm], y[perm]), crs=WORK_CRS), crs=WORK_CRS)


# ---------------------------------------------------------------------------------------- plan


def _inside(nat: National) -> Callable[[np.ndarray, np.ndarray], np.ndarray]:
    if nat.country is not None:
        land = nat.country.outline
        shapely.prepare(land)
        return lambda x, y: shapely.contains_xy(land, x, y)
    x0, y0, x1, y1 = nat.bounds
    return lambda x, y: (x >= x0) & (x <= x1) & (y >= y0) & (y <= y1)


def _xy(frame: gpd.GeoDataFrame) -> tuple[np.ndarray, np.ndarray]:
    return shapely.get_x(frame.geometry.array), shapely.get_y(frame.geometry.array)


def _near(rng: np.random.Generator, nat: National, px: np.ndarray, py: np.ndarray, n: int,
          sigma: float) -> tuple[np.ndarray, np.ndarray]:
    k = rng.integers(0, len(px), n)
    return around(rng, px[k], py[k], sigma, _inside(nat))


def _rects(cx: np.ndarray, cy: np.ndarray, w: np.ndarray, h: np.ndarray, angle: np.ndarray
           ) -> np.ndarray:
    lx = np.array([-0.5, 0.5, 0.5, -0.5, -0.5])[None, :] * w[:, None]
    ly = np.array([-0.5, -0.5, 0.5, 0.5, -0.5])[None, :] * h[:, None]
    c, s = np.cos(angle)[:, None], np.sin(angle)[:, None]
    return shapely.polygons(np.stack([cx[:, None] + lx * c - ly * s,
                                      cy[:, None] + lx * s + ly * c], axis=-1))


def _blobs(rng: np.random.Generator, cx: np.ndarray, cy: np.ndarray, area: np.ndarray
           ) -> np.ndarray:
    """Irregular star-shaped 24-gons of about ``area`` m² (always simple)."""
    angles = np.linspace(0, 2 * np.pi, 24, endpoint=False)[None, :] + rng.uniform(0, 1, (len(cx), 1))
    r = np.sqrt(area / np.pi)[:, None] * (1 + 0.25 * rng.uniform(-1, 1, (len(cx), 24)))
    coords = np.stack([cx[:, None] + r * np.cos(angles), cy[:, None] + r * np.sin(angles)], axis=-1)
    return shapely.polygons(np.concatenate([coords, coords[:, :1]], axis=1))


def _streets(rng: np.random.Generator, cx: np.ndarray, cy: np.ndarray) -> np.ndarray:
    """Buffered streets: bent polylines 1-4 km long, 60-120 m wide (0.06-0.5 km²)."""
    n = len(cx)
    half = rng.uniform(1_000, 4_000, n) / 2
    a = rng.uniform(0, np.pi, n)
    bend = a + rng.uniform(-0.5, 0.5, n)
    coords = np.stack([np.column_stack([cx - half * np.cos(a), cy - half * np.sin(a)]),
                       np.column_stack([cx, cy]),
                       np.column_stack([cx + half * np.cos(bend), cy + half * np.sin(bend)])],
                      axis=1)
    return shapely.buffer(shapely.linestrings(coords), rng.uniform(30, 60, n), cap_style="flat",
                          join_style="mitre")


def _log_area(rng: np.random.Generator, n: int, low_km2: float, high_km2: float) -> np.ndarray:
    return np.exp(rng.uniform(np.log(low_km2), np.log(high_km2), n)) * 1e6


def plan_zones(rng: np.random.Generator, n: int, nat: National) -> tuple[gpd.GeoDataFrame, str]:
    """Prohibited, A1-only and permitted zones, mostly small, many in or near cities."""
    sx, sy = _xy(nat.sites)
    urban = nat.sites["urban"].to_numpy(bool)
    n_pro, n_a1 = round(0.30 * n), round(0.35 * n)
    n_per = n - n_pro - n_a1
    # prohibited: relics, airports, military areas: a quarter near masts, the rest anywhere
    cx, cy = (np.concatenate(v) for v in zip(_near(rng, nat, sx, sy, n_pro // 4, 1_000.0),
                                             uniform(rng, n_pro - n_pro // 4, nat.bounds,
                                                     _inside(nat)),
                                             strict=True))
    area = _log_area(rng, n_pro, 0.05, 5.0)
    aspect = rng.uniform(1, 3, n_pro)
    prohibited = np.where(
        rng.random(n_pro) < 0.5, shapely.buffer(shapely.points(cx, cy), np.sqrt(area / np.pi),
                                                quad_segs=8),
        _rects(cx, cy, np.sqrt(area * aspect), np.sqrt(area / aspect), rng.uniform(0, np.pi, n_pro)))
    # A1 only: 200 m in front of administrative centres, and designated streets (in cities)
    in_city = rng.random(n_a1) < 0.8
    cx, cy = _near(rng, nat, sx[urban], sy[urban], n_a1, 300.0)
    ox, oy = _near(rng, nat, sx, sy, n_a1, 300.0)
    cx, cy = np.where(in_city, cx, ox), np.where(in_city, cy, oy)
    a1_only = np.where(rng.random(n_a1) < 0.5, _streets(rng, cx, cy),
                       shapely.buffer(shapely.points(cx, cy), 200.0, quad_segs=8))
    a1_height = np.where(rng.random(n_a1) < 0.2, 20.0, np.nan)
    # permitted, with allowed classes and height limits; 6 % large (districts, parks)
    near = rng.random(n_per) < 0.6
    cx, cy = _near(rng, nat, sx, sy, n_per, 2_000.0)
    vx, vy = uniform(rng, n_per, nat.bounds, _inside(nat))
    cx, cy = np.where(near, cx, vx), np.where(near, cy, vy)
    large = rng.random(n_per) < 0.06
    area = np.where(large, _log_area(rng, n_per, 20.0, 300.0), _log_area(rng, n_per, 0.05, 5.0))
    aspect = rng.uniform(1, 2.5, n_per)
    permitted = np.where(~large & (rng.random(n_per) < 0.5),
                         _rects(cx, cy, np.sqrt(area * aspect), np.sqrt(area / aspect),
                                rng.uniform(0, np.pi, n_per)),
                         _blobs(rng, cx, cy, area))
    allowed = np.empty(n, dtype=object)
    allowed[:] = [()] * (n_pro + n_a1) + list(pick(
        rng, (((), 0.5), (("A1a", "A1b", "A2a"), 0.3), (("A1a", "A1b"), 0.2)), n_per))
    per_height = np.where(rng.random(n_per) < 0.4, rng.choice([25.0, 30.0, 40.0, 50.0], n_per),
                          np.nan)

    geoms = np.concatenate([prohibited, a1_only, permitted])
    if not shapely.is_valid(geoms).all():
        raise RuntimeError("synthetic zones are not all valid")
    kinds = np.repeat(np.array(["prohibited", "restricted_a1", "permitted"], dtype=object),
                      [n_pro, n_a1, n_per])
    order = rng.permutation(n)
    zones = gpd.GeoDataFrame({
        "id": np.array([f"Z{i:05d}" for i in range(1, n + 1)], dtype=object),
        "name": np.array([f"Khu vực {i}" for i in range(1, n + 1)], dtype=object),
        "zone_class": kinds[order],
        "allowed_classes": allowed[order],
        "max_height": np.concatenate([np.full(n_pro, np.nan), a1_height, per_height])[order],
    }, geometry=gpd.GeoSeries(geoms[order], crs=WORK_CRS), crs=WORK_CRS)
    areas = shapely.area(geoms) / 1e6
    return zones, (f"{n:,} zones: {n_pro:,} prohibited, {n_a1:,} A1-only, {n_per:,} permitted "
                   f"({large.sum()} large); area {areas.min():.2f}-{areas.max():.0f} km², median "
                   f"{np.median(areas):.2f}, {shapely.get_num_coordinates(geoms).mean():.0f} "
                   "vertices on average")


def planned_sites(rng: np.random.Generator, n: int, nat: National
                  ) -> tuple[gpd.GeoDataFrame, str]:
    """Planned positions: most new builds, many existing masts, and not-yet-built positions."""
    sites = nat.sites
    sx, sy = _xy(sites)
    urban = sites["urban"].to_numpy(bool)
    cls = sites["mast_class"].to_numpy(dtype=object)
    new = np.flatnonzero(sites["status"].to_numpy() == NEW)
    old = np.flatnonzero(sites["status"].to_numpy() != NEW)
    matched_new = rng.permutation(new)[: min(round(0.8 * len(new)), n)]
    n_old = min(round(2 / 3 * (n - len(matched_new))), len(old))
    src = np.concatenate([matched_new, rng.choice(old, size=n_old, replace=False)])
    n_fresh = n - len(src)
    reach = np.where(np.arange(len(src)) < len(matched_new), rng.uniform(0, 0.9, len(src)),
                     rng.uniform(0, 0.5, len(src)))
    dist = np.where(urban[src], 50.0, 100.0) * reach
    a = rng.uniform(0, 2 * np.pi, len(src))
    pcls = cls[src].copy()
    differs = rng.random(len(src)) < 0.15
    pcls[differs] = mast_classes(rng, urban[src][differs], 0.0)
    city = rng.random(n_fresh) < 0.3
    fx, fy = _near(rng, nat, sx[urban], sy[urban], n_fresh, 1_000.0)
    vx, vy = uniform(rng, n_fresh, nat.bounds, _inside(nat))
    x = np.concatenate([sx[src] + dist * np.cos(a), np.where(city, fx, vx)])
    y = np.concatenate([sy[src] + dist * np.sin(a), np.where(city, fy, vy)])
    p_cls = np.concatenate([pcls, mast_classes(rng, city, 0.0)]).astype(object)
    p_cls[rng.random(n) < 0.01] = None
    order = rng.permutation(n)
    planned = gpd.GeoDataFrame({
        "id": np.array([f"QH{i:06d}" for i in range(1, n + 1)], dtype=object),
        "mast_class": pd.array(p_cls[order], dtype="string"),
        "radius": np.where(np.concatenate([urban[src], city]), 50.0, 100.0)[order],
    }, geometry=gpd.GeoSeries(shapely.points(x[order], y[order]), crs=WORK_CRS), crs=WORK_CRS)
    return planned, (f"{n:,} planned sites: {len(matched_new):,} at new builds, {n_old:,} at "
                     f"existing masts, {n_fresh:,} not built yet")


def proposals(rng: np.random.Generator, n: int, nat: National, where: Locator
              ) -> gpd.GeoDataFrame:
    """New-mast proposals: at planned positions, next to existing masts, or anywhere."""
    sx, sy = _xy(nat.sites)
    px, py = _xy(nat.planned)
    kind = rng.choice(3, size=n, p=[0.4, 0.3, 0.3])
    x, y = uniform(rng, n, nat.bounds, _inside(nat))
    urban = np.zeros(n, bool)
    at_plan = np.flatnonzero(kind == 0)
    p = rng.integers(0, len(px), len(at_plan))
    assert nat.planned is not None
    radius = nat.planned["radius"].to_numpy(float)[p]
    d, a = radius * rng.uniform(0, 0.8, len(p)), rng.uniform(0, 2 * np.pi, len(p))
    x[at_plan], y[at_plan] = px[p] + d * np.cos(a), py[p] + d * np.sin(a)
    urban[at_plan] = radius == 50.0
    by_mast = np.flatnonzero(kind == 1)
    s = rng.integers(0, len(sx), len(by_mast))
    d, a = rng.uniform(30, 600, len(s)), rng.uniform(0, 2 * np.pi, len(s))
    x[by_mast], y[by_mast] = sx[s] + d * np.cos(a), sy[s] + d * np.sin(a)
    urban[by_mast] = nat.sites["urban"].to_numpy(bool)[s]
    x0, y0, x1, y1 = nat.bounds
    x, y = np.clip(x, x0, x1), np.clip(y, y0, y1)
    cls = mast_classes(rng, urban, 0.0)
    codes = np.append(nat.communes["code"].to_numpy(dtype=object), "")
    return gpd.GeoDataFrame({
        "id": np.array([f"DX{i:05d}" for i in range(1, n + 1)], dtype=object),
        "operators": pick(rng, OPERATOR_SETS[:4], n),
        "mast_class": pd.array(cls, dtype="string"),
        "height": mast_heights(rng, cls, 0.0),
        "status": "de_xuat",
        "urban": urban,
        "commune": codes[where.positions(x, y)],
    }, geometry=gpd.GeoSeries(shapely.points(x, y), crs=WORK_CRS), crs=WORK_CRS)


# ----------------------------------------------------------------------------------- workspace

TOML = """# ictgis workspace: {title}, written by ictgis.demo.national.
# SYNTHETIC: every number in it is made up; do not cite it.

[province]
name = {name}
crs = "{crs}"
synthetic = true
population_year = 2024

[admin]
urban_kinds = ["phuong", "thi_tran"]
region_by = "district"
{regions}
[postal]
count_types = {count_types}

[layers.communes]
path = "boundaries/communes.gpkg"
[layers.communes.fields]
code = "ma_xa"
name = "ten_xa"
kind = "loai"
population = "dan_so"
{commune_fields}
[layers.post_offices]
path = "layers/post_offices.csv"
crs = "EPSG:4326"
[layers.post_offices.fields]
id = "ma_diem"
name = "ten_diem"
type = "loai_diem"
commune = "xa_phuong"
lon = "kinh_do"
lat = "vi_do"

[layers.bts]
path = "layers/bts.csv"
crs = "{crs}"
[layers.bts.fields]
id = "ma_tram"
operators = "nha_mang"
technologies = "cong_nghe"
mast_class = "loai_cot"
height = "do_cao_m"
status = "trang_thai"
easting = "toa_do_y"       # VN-2000 surveyors' Y is the easting
northing = "toa_do_x"      # and X the northing
{layers}
[siting]
mast_classes = ["A1a", "A1b", "A2a", "A2b", "A2c"]
a1_classes = ["A1a", "A1b"]
plan_statuses = ["{new}"]

[coverage]
resolution_m = 100
"""

SUBSCRIBERS_TOML = """
[layers.subscribers]
path = "layers/subscribers.csv"
by = "commune"
[layers.subscribers.fields]
commune = "ma_xa"
fixed = "co_dinh"
mobile_postpaid = "di_dong_tra_sau"
mobile_prepaid = "di_dong_tra_truoc"
internet_fixed = "internet_co_dinh"
internet_mobile = "internet_di_dong"
"""

PLAN_TOML = """
[layers.zones]
path = "layers/plan/zones.gpkg"
[layers.zones.fields]
id = "ma_vung"
name = "ten_vung"
zone_class = "loai_vung"
allowed_classes = "cot_cho_phep"
max_height = "chieu_cao_toi_da_m"

[layers.planned_sites]
path = "layers/plan/planned_sites.csv"
crs = "{crs}"
[layers.planned_sites.fields]
id = "ma_quy_hoach"
mast_class = "loai_cot"
radius = "ban_kinh_m"
easting = "toa_do_y"
northing = "toa_do_x"

[layers.proposals]
path = "layers/plan/proposals.csv"
crs = "EPSG:4326"
[layers.proposals.fields]
id = "ma_de_xuat"
operators = "nha_mang"
mast_class = "loai_cot"
height = "do_cao_m"
lon = "kinh_do"
lat = "vi_do"
"""

#: Zone classes as the plan's files write them (the province demo's spellings).
ZONE_LABELS = {"prohibited": PROHIBITED, "restricted_a1": A1_ONLY, "permitted": PERMITTED}


@dataclass
class Written:
    """Where the generator put every point of the files (-1: a swapped row, to be rejected)."""

    post_commune: np.ndarray  # row of the commune, per postal row of the file
    bts_commune: np.ndarray
    notes: list[str]


def _q(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)  # a valid TOML basic string


def _text(values: np.ndarray, fmt: str) -> np.ndarray:
    return np.char.mod(fmt, values).astype(object)


def workspace_toml(nat: National, count_types: tuple[str, ...]) -> str:
    """The ``ictgis.toml`` of :func:`write_workspace`."""
    if nat.country is not None:
        era = "2025" if nat.country.era == "2025" else "legacy"
        title = f"SYNTHETIC national demo ({era} era, {len(nat.country.provinces)} provinces)"
        name = f"Việt Nam (synthetic national demo, {era})"
    else:
        title, name = "SYNTHETIC national benchmark", "Việt Nam (synthetic national benchmark)"
    regions = "".join(f"{_q(r)} = [{', '.join(_q(d) for d in ds)}]\n"
                      for r, ds in nat.regions.items())
    fields = "".join(f'{key} = "{col}"\n' for key, col in (("district", "huyen"),
                                                             ("province", "tinh"))
                     if key in nat.communes)
    layers = (SUBSCRIBERS_TOML if nat.subscribers is not None else "") + (
        PLAN_TOML.format(crs=WORK_CRS) if nat.zones is not None else "")
    return TOML.format(title=title, name=_q(name), crs=WORK_CRS, new=NEW,
                       count_types=json.dumps(list(count_types)),
                       regions=f"\n[regions]\n{regions}" if regions else "",
                       commune_fields=fields, layers=layers)


def write_workspace(nat: National, root: Path, count_types: tuple[str, ...]) -> Written:
    """Write ``nat`` as a workspace in ``root`` (ictgis.toml, GPKGs, CSVs), with slips.

    Postal points in WGS 84 text (1e-7 degree), 0.2 % with latitude and longitude swapped
    (rejected) and 1 % stating another commune (a warning, kept); masts in VN-2000 X/Y text
    (cm), 0.2 % swapped. Subscribers and the plan (zones, planned sites, proposals) when
    built. Every file carries ``ghi_chu`` = :data:`SYNTHETIC_LABEL`.
    """
    from ictgis import io
    from ictgis.crs import transform_xy

    rng = np.random.default_rng([nat.seed, 8])
    communes, posts, sites = nat.communes, nat.posts, nat.sites
    if posts is None:
        raise ValueError("write_workspace needs the postal points (build(postal=True))")
    row_of = pd.Index(communes["code"])
    names = communes["name"].to_numpy(dtype=object)
    lon, lat = transform_xy(*_xy(posts), WORK_CRS, "EPSG:4326")
    lon_text, lat_text = _text(lon, "%.7f"), _text(lat, "%.7f")
    post_swapped = rng.random(len(posts)) < 0.002  # data-entry slips: rejected, with a hint
    lon_text[post_swapped], lat_text[post_swapped] = lat_text[post_swapped], lon_text[post_swapped]
    post_commune = np.where(post_swapped, -1, row_of.get_indexer(posts["commune"]))
    stated = names[row_of.get_indexer(posts["commune"])]
    wrong = rng.random(len(stated)) < 0.01  # stated commune differs: a warning, kept
    stated[wrong] = names[rng.integers(0, len(names), wrong.sum())]
    east, north = (_text(v, "%.2f") for v in _xy(sites))
    bts_swapped = rng.random(len(sites)) < 0.002
    east[bts_swapped], north[bts_swapped] = north[bts_swapped], east[bts_swapped]

    commune_file = {"ma_xa": communes["code"], "ten_xa": communes["name"],
                    "loai": [KIND_LABELS[k] for k in communes["kind"]]}
    for key, col in (("district", "huyen"), ("province", "tinh")):
        if key in communes:
            commune_file[col] = communes[key]
    files: dict[str, str | pd.DataFrame] = {
        "ictgis.toml": workspace_toml(nat, count_types),
        "boundaries/communes.gpkg": gpd.GeoDataFrame(
            {**commune_file, "dan_so": communes["population"], "ghi_chu": SYNTHETIC_LABEL},
            geometry=communes.geometry, crs=WORK_CRS),
        "layers/post_offices.csv": pd.DataFrame({
            "ma_diem": posts["id"], "ten_diem": posts["name"], "loai_diem": posts["label"],
            "xa_phuong": stated, "kinh_do": lon_text, "vi_do": lat_text,
            "ghi_chu": SYNTHETIC_LABEL}),
        "layers/bts.csv": pd.DataFrame({
            "ma_tram": sites["id"],
            "nha_mang": [";".join(o) for o in sites["operators"]],
            "cong_nghe": [";".join(t) for t in sites["technologies"]],
            "loai_cot": sites["mast_class"].fillna(""),
            "do_cao_m": [f"{h:.1f}" if h == h else "" for h in sites["height"]],
            "trang_thai": sites["status"],
            "toa_do_y": east,    # VN-2000 Y is the easting
            "toa_do_x": north,   # and X the northing
            "ghi_chu": SYNTHETIC_LABEL,
        }),
    }
    if nat.subscribers is not None:
        files["layers/subscribers.csv"] = nat.subscribers.assign(ghi_chu=SYNTHETIC_LABEL)
    if nat.zones is not None and nat.planned is not None and nat.proposals is not None:
        files |= _plan_files(nat)
    io.write_workspace_files(root, files)
    bts_commune = np.where(bts_swapped, -1, row_of.get_indexer(sites["commune"]))
    notes = [f"written with slips: {post_swapped.sum()} postal points with swapped lat/lon, "
             f"{wrong.sum()} stating another commune, {bts_swapped.sum()} BTS with swapped X/Y"]
    return Written(post_commune, bts_commune, notes)


def _plan_files(nat: National) -> dict[str, str | pd.DataFrame]:
    """The plan's zones (GPKG), planned sites (VN-2000 X/Y) and proposals (WGS 84) as files."""
    from ictgis.crs import transform_xy

    zones, planned, proposed = nat.zones, nat.planned, nat.proposals
    assert zones is not None and planned is not None and proposed is not None
    px, py = _xy(planned)
    lon, lat = transform_xy(*_xy(proposed), WORK_CRS, "EPSG:4326")
    return {
        "layers/plan/zones.gpkg": gpd.GeoDataFrame({
            "ma_vung": zones["id"], "ten_vung": zones["name"],
            "loai_vung": zones["zone_class"].map(ZONE_LABELS),
            "cot_cho_phep": [";".join(c) for c in zones["allowed_classes"]],
            "chieu_cao_toi_da_m": zones["max_height"], "ghi_chu": SYNTHETIC_LABEL,
        }, geometry=zones.geometry, crs=WORK_CRS),
        "layers/plan/planned_sites.csv": pd.DataFrame({
            "ma_quy_hoach": planned["id"], "loai_cot": planned["mast_class"].fillna(""),
            "ban_kinh_m": planned["radius"], "toa_do_y": _text(px, "%.2f"),
            "toa_do_x": _text(py, "%.2f"), "ghi_chu": SYNTHETIC_LABEL}),
        "layers/plan/proposals.csv": pd.DataFrame({
            "ma_de_xuat": proposed["id"],
            "nha_mang": [";".join(o) for o in proposed["operators"]],
            "loai_cot": proposed["mast_class"].fillna(""),
            "do_cao_m": [f"{h:.1f}" for h in proposed["height"]],
            "kinh_do": _text(lon, "%.7f"), "vi_do": _text(lat, "%.7f"),
            "ghi_chu": SYNTHETIC_LABEL}),
    }


def national_workspace(root: Path, *, seed: int, era: str = "legacy", factor: float = 1.0
                       ) -> National:
    """Build and write the national demo of ``era`` into ``root`` (``--scale national``).

    ``factor`` scales every count (1: the country's own numbers).
    """
    from ictgis.config.keys import default_of

    scale = Scale(communes=ERA_COMMUNES[era]).times(factor)
    nat = build(seed, scale, plan=True, country=vietnam(era), subscribers=True)
    write_workspace(nat, root, default_of("postal.count_types"))
    return nat
