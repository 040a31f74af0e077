"""The configuration as frozen dataclasses; every default comes from :mod:`ictgis.config.keys`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

from ictgis.config.keys import default_of


def spacing_pairs(table: Mapping[str, Mapping[str, float]]) -> Mapping[str, tuple[float, float]]:
    """``{class: {urban, rural}}`` as in TOML -> ``{class: (urban, rural)}``."""
    return MappingProxyType({cls: (pair["urban"], pair["rural"]) for cls, pair in table.items()})


@dataclass(frozen=True)
class LayerConfig:
    """Where one layer lives and how its columns map to ictgis's names.

    Attributes
    ----------
    name
        Layer role: one of :data:`LAYER_SCHEMAS`.
    path
        Absolute path of the file.
    fields
        Canonical name -> column name in the file.
    layer
        Layer (GeoPackage/KML) or sheet (XLSX) name; the first one when ``None``.
    crs
        CRS to assume when the file has none, and the CRS of coordinate columns in tables.
    encoding
        Text encoding of a Shapefile ``.dbf`` or a CSV (e.g. ``"cp1258"``).
    by
        Join key of a table layer (population: ``code``/``name``; subscribers:
        ``commune``/``district``).
    era
        ``current``: the layer's commune codes are those of the commune layer; ``former``:
        they are former communes', re-based through the crosswalk (:mod:`ictgis.crosswalk`).
    """

    name: str
    path: Path
    fields: Mapping[str, str]
    layer: str | None = default_of("layers.<layer>.layer")
    crs: str | None = default_of("layers.<layer>.crs")
    encoding: str | None = default_of("layers.<layer>.encoding")
    by: str | None = default_of("layers.<layer>.by")
    era: str = default_of("layers.<layer>.era")

    @property
    def label(self) -> str:
        """File name used in messages."""
        return self.path.name


@dataclass(frozen=True)
class SitingConfig:
    """Thresholds of the BTS siting rules (``[siting]``); defaults from DOMAIN.md §2.

    The Tiền Giang values of QĐ 557/QĐ-UBND (2018) could not be retrieved: every default is
    an example from another province's plan and must be replaced by the plan's own numbers.

    Attributes
    ----------
    mast_classes
        Known mast classes; a mast of another class is an error.
    a1_classes
        The classes that count as A1 (không cồng kềnh); the others are A2.
    plan_statuses
        Statuses of masts checked against the planned positions (new builds); masts of other
        statuses are existing infrastructure and only listed when a planned site is unbuilt.
    deviation_urban_m, deviation_rural_m
        Allowed distance from a planned position when the planned site gives none.
    aviation_height_m
        Height from which a mast needs aviation marking and height approval (NĐ 32/2016).
    duplicate_tolerance_m
        Masts closer than this are reported as a duplicate position.
    min_spacing_m
        Mast class (or ``default``) -> (urban, rural) minimum distance between masts of
        different operators; closer means co-location is required (Hải Dương: 100/400 m).
    sharing_target_pct
        The plan's target share of masts shared by 2+ operators, when it sets one.
    proposals_require_plan
        Whether a proposal away from every planned site is refused (else only warned).
    """

    mast_classes: tuple[str, ...] = default_of("siting.mast_classes")
    a1_classes: tuple[str, ...] = default_of("siting.a1_classes")
    plan_statuses: tuple[str, ...] = default_of("siting.plan_statuses")
    deviation_urban_m: float = default_of("siting.deviation_urban_m")
    deviation_rural_m: float = default_of("siting.deviation_rural_m")
    aviation_height_m: float = default_of("siting.aviation_height_m")
    duplicate_tolerance_m: float = default_of("siting.duplicate_tolerance_m")
    min_spacing_m: Mapping[str, tuple[float, float]] = field(
        default_factory=lambda: spacing_pairs(default_of("siting.min_spacing_m")))
    sharing_target_pct: float | None = default_of("siting.sharing_target_pct")
    proposals_require_plan: bool = default_of("siting.proposals_require_plan")

    def spacing(self, mast_class: str, urban: bool) -> float:
        """Minimum spacing for a mast class in an urban or rural commune."""
        urban_m, rural_m = self.min_spacing_m.get(mast_class, self.min_spacing_m["default"])
        return urban_m if urban else rural_m


@dataclass(frozen=True)
class TechnologyConfig:
    """Radio parameters of one technology (``[coverage.technologies.<name>]``).

    Attributes
    ----------
    frequency_mhz
        Carrier frequency; it picks the model (Okumura-Hata up to 1500 MHz, COST-231 Hata
        above).
    eirp_dbm
        EIRP of the measured signal at the antenna boresight: BCCH for 2G, CPICH for 3G (RSCP),
        one reference-signal resource element for 4G (RSRP).
    threshold_dbm
        Level from which a place counts as covered (after the margin).
    margin_db
        Shadowing (and body) margin subtracted from the median level.
    mobile_height_m
        Height of the receiving antenna.
    classes_dbm
        Lower limits of the signal classes, best first (DOMAIN.md §4.5).
    """

    frequency_mhz: float
    eirp_dbm: float
    threshold_dbm: float
    margin_db: float = default_of("coverage.technologies.<name>.margin_db")
    mobile_height_m: float = default_of("coverage.technologies.<name>.mobile_height_m")
    classes_dbm: tuple[float, ...] = default_of("coverage.technologies.<name>.classes_dbm")


#: Built-in technologies [assumptions, DOMAIN.md §4], from ``[coverage] technologies``.
DEFAULT_TECHNOLOGIES: Mapping[str, TechnologyConfig] = MappingProxyType({
    name: TechnologyConfig(**values)
    for name, values in default_of("coverage.technologies").items()})


@dataclass(frozen=True)
class CoverageConfig:
    """Parameters of the coverage model (``[coverage]``).

    Attributes
    ----------
    resolution_m
        Pixel size of the rasters, in the working CRS.
    max_range_km
        No site is evaluated farther than this (Hata is fitted up to 20 km).
    min_distance_km
        Distances below this are evaluated at this distance. The models are fitted from 1 km;
        they are extrapolated down to it (100 m: small urban cells reach a few hundred metres).
    floor_dbm
        Levels below this are left as nodata.
    tile_px
        Rasters are computed in square tiles of this many pixels (bounded memory).
    population_raster
        Optional population raster (path relative to the workspace), resampled to the grid
        by sums and rescaled to the communes' populations.
    landcover_raster, landcover_classes
        Optional land-cover raster and value -> environment; where it has a listed value it
        sets the pixel's environment instead of the commune kind.
    threads
        Tiles computed at once (numpy releases the GIL while stamping); default: the cores.
    environment
        Commune kind -> environment of the model (urban_large, urban, suburban, open).
    default_height_m
        Mast class (or ``default``) -> antenna height when the mast has none.
    sector_front_back_db
        Maximum attenuation of the sector antenna pattern (3GPP-style, 12 (θ/θ3dB)²).
    technologies
        Name -> :class:`TechnologyConfig`.
    """

    resolution_m: float = default_of("coverage.resolution_m")
    max_range_km: float = default_of("coverage.max_range_km")
    min_distance_km: float = default_of("coverage.min_distance_km")
    floor_dbm: float = default_of("coverage.floor_dbm")
    tile_px: int = default_of("coverage.tile_px")
    population_raster: str | None = default_of("coverage.population_raster")
    landcover_raster: str | None = default_of("coverage.landcover_raster")
    landcover_classes: Mapping[int, str] = field(
        default_factory=lambda: default_of("coverage.landcover_classes"))
    threads: int = field(default_factory=lambda: default_of("coverage.threads"))
    environment: Mapping[str, str] = field(
        default_factory=lambda: default_of("coverage.environment"))
    default_height_m: Mapping[str, float] = field(
        default_factory=lambda: default_of("coverage.default_height_m"))
    sector_front_back_db: float = default_of("coverage.sector_front_back_db")
    technologies: Mapping[str, TechnologyConfig] = field(
        default_factory=lambda: DEFAULT_TECHNOLOGIES)


@dataclass(frozen=True)
class ChecksConfig:
    """Thresholds of the data checks made when a workspace is loaded (``[checks]``).

    Attributes
    ----------
    overlap_tolerance_pct
        Overlaps of two communes, and gaps between communes, larger than this share (%) of
        the smaller commune's area are listed; each overlap is counted once.
    max_outside_pct
        A point layer with more than this share (%) of its rows outside the province stops.
    min_mast_height_m, max_mast_height_m
        Plausible mast heights (m); masts outside are rejected.
    """

    overlap_tolerance_pct: float = default_of("checks.overlap_tolerance_pct")
    max_outside_pct: float = default_of("checks.max_outside_pct")
    min_mast_height_m: float = default_of("checks.min_mast_height_m")
    max_mast_height_m: float = default_of("checks.max_mast_height_m")


@dataclass(frozen=True)
class ReportConfig:
    """The frame of the Word report and the year it is about (``[report]``)."""

    year: int | None = default_of("report.year")
    date: str | None = default_of("report.date")
    governing_body: str | None = default_of("report.governing_body")
    agency: str | None = default_of("report.agency")
    symbol: str = default_of("report.symbol")
    place: str | None = default_of("report.place")
    signer_title: str | None = default_of("report.signer_title")
    signer_name: str = default_of("report.signer_name")
    recipients: tuple[str, ...] = default_of("report.recipients")


@dataclass(frozen=True)
class PrioritiesConfig:
    """What the ranking of new sites maximises, and what a site costs (``[priorities]``)."""

    technology: str = default_of("priorities.technology")
    operator: str = default_of("priorities.operator")
    grid_m: float | None = default_of("priorities.grid_m")
    cost_vnd: Mapping[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class ComputeConfig:
    """Where the heavy work runs (``[compute]``): a dask.distributed scheduler, or locally."""

    scheduler: str | None = default_of("compute.scheduler")


@dataclass(frozen=True)
class Config:
    """A workspace configuration. Build it with :func:`load_config` or :func:`parse_config`."""

    path: Path
    province: str
    layers: Mapping[str, LayerConfig]
    regions: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    macro_regions: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    crs: str = default_of("province.crs")
    synthetic: bool = default_of("province.synthetic")
    population_year: int | None = default_of("province.population_year")
    official_area_km2: float | None = default_of("province.official_area_km2")
    urban_kinds: tuple[str, ...] = default_of("admin.urban_kinds")
    region_by: str = default_of("admin.region_by")
    tiers: int | None = default_of("admin.tiers")
    count_types: tuple[str, ...] = default_of("postal.count_types")
    type_aliases: Mapping[str, str] = field(
        default_factory=lambda: default_of("postal.type_aliases"))
    operators: Mapping[str, str] = field(default_factory=dict)
    checks: ChecksConfig = field(default_factory=ChecksConfig)
    siting: SitingConfig = field(default_factory=SitingConfig)
    coverage: CoverageConfig = field(default_factory=CoverageConfig)
    targets: Mapping[str, float] = field(default_factory=dict)
    targets_next_year: Mapping[str, float] = field(default_factory=dict)
    indicators: Mapping[str, float] = field(default_factory=dict)
    report: ReportConfig = field(default_factory=ReportConfig)
    priorities: PrioritiesConfig = field(default_factory=PrioritiesConfig)
    compute: ComputeConfig = field(default_factory=ComputeConfig)

    @property
    def root(self) -> Path:
        """The workspace folder (where ``ictgis.toml`` is)."""
        return self.path.parent

