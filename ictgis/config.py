"""Workspace configuration: ``ictgis.toml`` -> frozen dataclasses; every error names key and file."""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from ictgis.crs import DEFAULT_CRS, check_crs_name, parse_crs
from ictgis.errors import ConfigError

CONFIG_NAME = "ictgis.toml"

#: Postal point types counted in N by default: the public postal network (DOMAIN.md §1.2).
DEFAULT_COUNT_TYPES = ("buu_cuc", "buu_cuc_phat", "diem_bdvhx", "dai_ly", "kiot", "thung_thu")

#: Commune kinds that are urban by default (GSO rule, DOMAIN.md §1.4).
DEFAULT_URBAN_KINDS = ("phuong", "thi_tran")

KINDS = ("phuong", "thi_tran", "xa")

_COORD_FIELDS = ("lon", "lat", "easting", "northing")

#: Per layer: required canonical fields, optional ones, and the allowed values of ``by``.
LAYER_SCHEMAS: Mapping[str, dict[str, tuple[str, ...]]] = MappingProxyType(
    {
        "communes": {
            "required": ("code", "name"),
            "optional": ("kind", "district", "population", "area_km2"),
            "by": (),
        },
        "population": {
            "required": ("population",),
            "optional": ("code", "name", "district"),
            "by": ("code", "name"),
        },
        "post_offices": {
            "required": ("id", "type"),
            "optional": ("name", "commune", *_COORD_FIELDS),
            "by": (),
        },
        "bts": {
            "required": ("id", "operators"),
            "optional": (
                "technologies", "mast_class", "height", "status", "commune", "azimuth",
                "beamwidth", *_COORD_FIELDS,
            ),
            "by": (),
        },
        "zones": {
            "required": ("zone_class",),
            "optional": ("id", "name", "allowed_classes", "max_height"),
            "by": (),
        },
        "plan_features": {
            "required": ("zone_class", "buffer"),
            "optional": ("id", "name"),
            "by": (),
        },
        "planned_sites": {
            "required": ("id",),
            "optional": ("mast_class", "operators", "radius", *_COORD_FIELDS),
            "by": (),
        },
        "proposals": {
            "required": ("id",),
            "optional": (
                "operators", "technologies", "mast_class", "height", "commune", *_COORD_FIELDS,
            ),
            "by": (),
        },
        "subscribers": {
            "required": (),
            "optional": (
                "commune", "district", "fixed", "mobile_postpaid", "mobile_prepaid",
                "internet_fixed", "internet_mobile",
            ),
            "by": ("commune", "district"),
        },
    }
)

REQUIRED_LAYERS = ("communes", "post_offices")
_LAYER_KEYS = {"path", "layer", "crs", "encoding", "fields", "by"}
_TOP_KEYS = {"province", "admin", "regions", "postal", "layers", "siting", "coverage",
             "targets", "indicators"}

#: Mast classes and their group: A1 = không cồng kềnh, A2 = cồng kềnh (TTLT 15/2016; DOMAIN §2.3).
DEFAULT_MAST_CLASSES = ("A1a", "A1b", "A2a", "A2b", "A2c")
DEFAULT_A1_CLASSES = ("A1a", "A1b")


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
    """

    name: str
    path: Path
    fields: Mapping[str, str]
    layer: str | None = None
    crs: str | None = None
    encoding: str | None = None
    by: str | None = None

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

    mast_classes: tuple[str, ...] = DEFAULT_MAST_CLASSES
    a1_classes: tuple[str, ...] = DEFAULT_A1_CLASSES
    plan_statuses: tuple[str, ...] = ("dang_xay_dung",)
    deviation_urban_m: float = 50.0
    deviation_rural_m: float = 100.0
    aviation_height_m: float = 45.0
    duplicate_tolerance_m: float = 1.0
    min_spacing_m: Mapping[str, tuple[float, float]] = field(
        default_factory=lambda: MappingProxyType({"default": (100.0, 400.0)}))
    sharing_target_pct: float | None = None
    proposals_require_plan: bool = True

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
    margin_db: float = 5.0
    mobile_height_m: float = 1.5
    classes_dbm: tuple[float, ...] = (-65.0, -75.0, -85.0, -95.0, -105.0)


#: Default technologies [assumptions, DOMAIN.md §4]: bands of 2018, typical EIRPs of the
#: measured channel, thresholds of the VNPT legend (2G/3G) and common LTE practice.
DEFAULT_TECHNOLOGIES: Mapping[str, TechnologyConfig] = MappingProxyType({
    "2G": TechnologyConfig(frequency_mhz=900, eirp_dbm=55, threshold_dbm=-95),
    "3G": TechnologyConfig(frequency_mhz=2100, eirp_dbm=45, threshold_dbm=-95),
    "4G": TechnologyConfig(frequency_mhz=1800, eirp_dbm=27, threshold_dbm=-110,
                           classes_dbm=(-80.0, -90.0, -100.0, -110.0, -120.0)),
})

#: Default antenna height by mast class, for masts with no surveyed height [assumption].
DEFAULT_HEIGHTS_M: Mapping[str, float] = MappingProxyType(
    {"A1a": 12.0, "A1b": 15.0, "A2a": 25.0, "A2b": 40.0, "A2c": 30.0, "default": 30.0})

ENVIRONMENTS = ("urban_large", "urban", "suburban", "open")


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
    height_step_m
        Antenna heights are rounded to this step, so that sites share loss kernels.
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

    resolution_m: float = 50.0
    max_range_km: float = 15.0
    min_distance_km: float = 0.1
    floor_dbm: float = -125.0
    height_step_m: float = 1.0
    tile_px: int = 512
    population_raster: str | None = None
    landcover_raster: str | None = None
    landcover_classes: Mapping[int, str] = field(default_factory=dict)
    threads: int = field(default_factory=lambda: os.cpu_count() or 1)
    environment: Mapping[str, str] = field(default_factory=lambda: MappingProxyType(
        {"phuong": "urban", "thi_tran": "suburban", "xa": "open"}))
    default_height_m: Mapping[str, float] = field(default_factory=lambda: DEFAULT_HEIGHTS_M)
    sector_front_back_db: float = 20.0
    technologies: Mapping[str, TechnologyConfig] = field(
        default_factory=lambda: DEFAULT_TECHNOLOGIES)


@dataclass(frozen=True)
class Config:
    """A workspace configuration. Build it with :func:`load_config` or :func:`parse_config`."""

    path: Path
    province: str
    layers: Mapping[str, LayerConfig]
    regions: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    crs: str = DEFAULT_CRS
    synthetic: bool = False
    population_year: int | None = None
    official_area_km2: float | None = None
    urban_kinds: tuple[str, ...] = DEFAULT_URBAN_KINDS
    region_by: str = "district"
    count_types: tuple[str, ...] = DEFAULT_COUNT_TYPES
    type_aliases: Mapping[str, str] = field(default_factory=dict)
    siting: SitingConfig = field(default_factory=SitingConfig)
    coverage: CoverageConfig = field(default_factory=CoverageConfig)
    targets: Mapping[str, float] = field(default_factory=dict)
    indicators: Mapping[str, float] = field(default_factory=dict)

    @property
    def root(self) -> Path:
        """The workspace folder (where ``ictgis.toml`` is)."""
        return self.path.parent


def load_config(workspace: Path | str) -> Config:
    """Read ``ictgis.toml`` from a workspace folder (or the file itself).

    Raises
    ------
    ConfigError
        When the file is missing, is not TOML, or any key is missing, unknown or invalid.
    """
    path = Path(workspace)
    if path.is_dir():
        path = path / CONFIG_NAME
    if not path.is_file():
        msg = f"{path}: no workspace configuration here (run `ictgis demo DIR` for an example)"
        raise ConfigError(msg)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        msg = f"{path.name}: not valid TOML: {exc}"
        raise ConfigError(msg) from None
    return parse_config(data, path=path.resolve())


class _Reader:
    """Reads typed values from a TOML table, naming key and file in every error."""

    def __init__(self, file: str, table: Mapping[str, Any], section: str) -> None:
        self.file, self.table, self.section = file, table, section

    def where(self, key: str | None = None) -> str:
        parts = [f"[{self.section}]" if self.section else "", key or ""]
        return f"{self.file}: " + " ".join(p for p in parts if p)

    def fail(self, key: str | None, problem: str) -> ConfigError:
        return ConfigError(f"{self.where(key)} {problem}")

    def check_keys(self, allowed: set[str]) -> None:
        unknown = sorted(set(self.table) - allowed)
        if unknown:
            raise self.fail(unknown[0], f"is not a known key (known: {', '.join(sorted(allowed))})")

    def get(self, key: str, kind: type | tuple[type, ...], default: Any = ...) -> Any:
        if key not in self.table:
            if default is ...:
                raise self.fail(key, "is missing")
            return default
        value = self.table[key]
        if isinstance(value, bool) and kind is not bool and bool not in _as_tuple(kind):
            raise self.fail(key, f"must be {_kind_name(kind)}, got {value!r}")
        if not isinstance(value, kind):
            raise self.fail(key, f"must be {_kind_name(kind)}, got {value!r}")
        return value

    def strings(self, key: str, default: tuple[str, ...]) -> tuple[str, ...]:
        value = self.get(key, list, list(default))
        if not all(isinstance(v, str) for v in value):
            raise self.fail(key, "must be a list of strings")
        return tuple(value)

    def sub(self, key: str, *, required: bool = False) -> _Reader:
        table = self.get(key, dict, ... if required else {})
        section = f"{self.section}.{key}" if self.section else key
        return _Reader(self.file, table, section)


def _as_tuple(kind: type | tuple[type, ...]) -> tuple[type, ...]:
    return kind if isinstance(kind, tuple) else (kind,)


def _kind_name(kind: type | tuple[type, ...]) -> str:
    names = {str: "a string", int: "an integer", float: "a number", bool: "true or false",
             list: "a list", dict: "a table"}
    return " or ".join(names.get(k, k.__name__) for k in _as_tuple(kind))


def parse_config(data: Mapping[str, Any], *, path: Path) -> Config:
    """Build a :class:`Config` from parsed TOML.

    Parameters
    ----------
    data
        The TOML document as a mapping.
    path
        Path of the file, used to resolve layer paths and in messages.
    """
    top = _Reader(path.name, data, "")
    top.check_keys(_TOP_KEYS)

    province = top.sub("province", required=True)
    province.check_keys({"name", "crs", "synthetic", "population_year", "official_area_km2"})
    crs = check_crs_name(province.get("crs", str, DEFAULT_CRS), where=province.where("crs"))
    area = province.get("official_area_km2", (int, float), None)
    if area is not None and not area > 0:  # also catches TOML's nan
        raise province.fail("official_area_km2", f"must be > 0, got {area}")

    admin = top.sub("admin")
    admin.check_keys({"urban_kinds", "region_by"})
    urban_kinds = admin.strings("urban_kinds", DEFAULT_URBAN_KINDS)
    bad = [k for k in urban_kinds if k not in KINDS]
    if bad:
        raise admin.fail("urban_kinds", f"has {bad[0]!r}; kinds are {', '.join(KINDS)}")
    region_by = admin.get("region_by", str, "district")
    if region_by not in {"district", "commune"}:
        raise admin.fail("region_by", f"must be 'district' or 'commune', got {region_by!r}")

    regions_reader = top.sub("regions")
    regions: dict[str, tuple[str, ...]] = {}
    for region in regions_reader.table:
        regions[region] = regions_reader.strings(region, ())
        if not regions[region]:
            raise regions_reader.fail(region, "must list at least one unit")

    postal = top.sub("postal")
    postal.check_keys({"count_types", "type_aliases"})
    count_types = postal.strings("count_types", DEFAULT_COUNT_TYPES)
    aliases_reader = postal.sub("type_aliases")
    aliases = {k: aliases_reader.get(k, str) for k in aliases_reader.table}

    layers_reader = top.sub("layers", required=True)
    layers_reader.check_keys(set(LAYER_SCHEMAS))
    layers = {
        name: _parse_layer(layers_reader.sub(name), name, path.parent)
        for name in layers_reader.table
    }
    for name in REQUIRED_LAYERS:
        if name not in layers:
            raise layers_reader.fail(name, "is missing: this layer is required")

    return Config(
        siting=_parse_siting(top.sub("siting")),
        coverage=_parse_coverage(top.sub("coverage")),
        targets=_numbers(top.sub("targets")),
        indicators=_numbers(top.sub("indicators")),
        path=path,
        province=province.get("name", str),
        layers=MappingProxyType(layers),
        regions=MappingProxyType(regions),
        crs=crs,
        synthetic=province.get("synthetic", bool, False),
        population_year=province.get("population_year", int, None),
        official_area_km2=float(area) if area is not None else None,
        urban_kinds=urban_kinds,
        region_by=region_by,
        count_types=count_types,
        type_aliases=MappingProxyType(aliases),
    )


def _positive(reader: _Reader, key: str, default: float) -> float:
    value = reader.get(key, (int, float), default)
    if not value > 0:
        raise reader.fail(key, f"must be > 0, got {value}")
    return float(value)


def _parse_siting(reader: _Reader) -> SitingConfig:
    reader.check_keys({
        "mast_classes", "a1_classes", "plan_statuses", "deviation_urban_m", "deviation_rural_m",
        "aviation_height_m", "duplicate_tolerance_m", "min_spacing_m", "sharing_target_pct",
        "proposals_require_plan",
    })
    base = SitingConfig()
    classes = reader.strings("mast_classes", base.mast_classes)
    a1 = reader.strings("a1_classes", base.a1_classes)
    unknown = [c for c in a1 if c not in classes]
    if unknown:
        raise reader.fail("a1_classes", f"has {unknown[0]!r}, which is not in mast_classes")
    spacing_reader = reader.sub("min_spacing_m")
    spacing = dict(base.min_spacing_m)
    for key in spacing_reader.table:
        if key != "default" and key not in classes:
            raise spacing_reader.fail(key, f"is not a mast class ({', '.join(classes)}) "
                                      "nor 'default'")
        pair = spacing_reader.sub(key, required=True)
        pair.check_keys({"urban", "rural"})
        spacing[key] = (_positive(pair, "urban", ...), _positive(pair, "rural", ...))
    target = reader.get("sharing_target_pct", (int, float), None)
    if target is not None and not 0 <= target <= 100:
        raise reader.fail("sharing_target_pct", f"must be between 0 and 100, got {target}")
    return SitingConfig(
        mast_classes=classes,
        a1_classes=a1,
        plan_statuses=reader.strings("plan_statuses", base.plan_statuses),
        deviation_urban_m=_positive(reader, "deviation_urban_m", base.deviation_urban_m),
        deviation_rural_m=_positive(reader, "deviation_rural_m", base.deviation_rural_m),
        aviation_height_m=_positive(reader, "aviation_height_m", base.aviation_height_m),
        duplicate_tolerance_m=_positive(reader, "duplicate_tolerance_m",
                                        base.duplicate_tolerance_m),
        min_spacing_m=MappingProxyType(spacing),
        sharing_target_pct=None if target is None else float(target),
        proposals_require_plan=reader.get("proposals_require_plan", bool,
                                          base.proposals_require_plan),
    )


def _numbers(reader: _Reader) -> Mapping[str, float]:
    """A table of indicator id -> number ([targets], [indicators])."""
    return MappingProxyType({k: float(reader.get(k, (int, float))) for k in reader.table})


def _parse_coverage(reader: _Reader) -> CoverageConfig:
    reader.check_keys({
        "resolution_m", "max_range_km", "min_distance_km", "floor_dbm", "height_step_m",
        "tile_px", "threads", "population_raster", "landcover_raster", "landcover_classes",
        "environment", "default_height_m",
        "sector_front_back_db", "technologies",
    })
    base = CoverageConfig()
    env_reader = reader.sub("environment")
    env_reader.check_keys(set(KINDS))
    environment = dict(base.environment)
    for kind in env_reader.table:
        value = env_reader.get(kind, str)
        if value not in ENVIRONMENTS:
            raise env_reader.fail(kind, f"must be one of {', '.join(ENVIRONMENTS)}, got {value!r}")
        environment[kind] = value
    heights_reader = reader.sub("default_height_m")
    heights = dict(base.default_height_m)
    heights.update({k: _positive(heights_reader, k, ...) for k in heights_reader.table})
    tech_reader = reader.sub("technologies")
    technologies = dict(base.technologies) if not tech_reader.table else {}
    for name in tech_reader.table:
        tech = tech_reader.sub(name, required=True)
        tech.check_keys({"frequency_mhz", "eirp_dbm", "threshold_dbm", "margin_db",
                         "mobile_height_m", "classes_dbm"})
        default = base.technologies.get(name)
        classes = tech.get("classes_dbm", list, list(default.classes_dbm) if default else
                           list(TechnologyConfig.classes_dbm))
        if not all(isinstance(c, int | float) for c in classes) or sorted(classes,
                                                                         reverse=True) != classes:
            raise tech.fail("classes_dbm", "must be numbers from the best class down")
        margin = tech.get("margin_db", (int, float), default.margin_db if default else 5.0)
        if margin < 0:
            raise tech.fail("margin_db", f"must be >= 0, got {margin}")

        def _from(key: str, tech: _Reader = tech, default: TechnologyConfig | None = default
                  ) -> float:
            fallback = getattr(default, key) if default else ...
            return float(tech.get(key, (int, float), fallback))

        technologies[name] = TechnologyConfig(
            frequency_mhz=_positive(tech, "frequency_mhz",
                                    default.frequency_mhz if default else ...),
            eirp_dbm=_from("eirp_dbm"), threshold_dbm=_from("threshold_dbm"),
            margin_db=float(margin),
            mobile_height_m=_positive(tech, "mobile_height_m",
                                      default.mobile_height_m if default else 1.5),
            classes_dbm=tuple(float(c) for c in classes),
        )
    tile = reader.get("tile_px", int, base.tile_px)
    if tile < 64:
        raise reader.fail("tile_px", f"must be >= 64, got {tile}")
    threads = reader.get("threads", int, base.threads)
    if threads < 1:
        raise reader.fail("threads", f"must be >= 1, got {threads}")
    lc_reader = reader.sub("landcover_classes")
    landcover: dict[int, str] = {}
    for key in lc_reader.table:
        value = lc_reader.get(key, str)
        if not key.lstrip("-").isdigit() or value not in ENVIRONMENTS:
            raise lc_reader.fail(key, "must map a whole-number class to one of "
                                 f"{', '.join(ENVIRONMENTS)}")
        landcover[int(key)] = value
    return CoverageConfig(
        landcover_raster=reader.get("landcover_raster", str, None),
        landcover_classes=MappingProxyType(landcover),
        threads=threads,
        population_raster=reader.get("population_raster", str, None),
        resolution_m=_positive(reader, "resolution_m", base.resolution_m),
        max_range_km=_positive(reader, "max_range_km", base.max_range_km),
        min_distance_km=_positive(reader, "min_distance_km", base.min_distance_km),
        floor_dbm=float(reader.get("floor_dbm", (int, float), base.floor_dbm)),
        height_step_m=_positive(reader, "height_step_m", base.height_step_m),
        tile_px=tile,
        environment=MappingProxyType(environment),
        default_height_m=MappingProxyType(heights),
        sector_front_back_db=_positive(reader, "sector_front_back_db",
                                       base.sector_front_back_db),
        technologies=MappingProxyType(technologies),
    )


def _parse_layer(reader: _Reader, name: str, root: Path) -> LayerConfig:
    schema = LAYER_SCHEMAS[name]
    reader.check_keys(_LAYER_KEYS)
    raw_path = reader.get("path", str)
    crs = reader.get("crs", str, None)
    if crs is not None:
        parse_crs(crs, where=reader.where("crs"))
    by = reader.get("by", str, schema["by"][0] if schema["by"] else None)
    if schema["by"] and by not in schema["by"]:
        raise reader.fail("by", f"must be one of {', '.join(schema['by'])}, got {by!r}")
    if not schema["by"] and "by" in reader.table:
        raise reader.fail("by", "is not used by this layer")

    fields_reader = reader.sub("fields")
    allowed = set(schema["required"]) | set(schema["optional"])
    fields_reader.check_keys(allowed)
    fields = {key: fields_reader.get(key, str) for key in fields_reader.table}
    for key in schema["required"]:
        if key not in fields:
            raise fields_reader.fail(key, "is missing: name the column that holds it")
    needed_by = {"code": ("code",), "name": ("name",), "commune": ("commune",),
                 "district": ("district",)}.get(by or "", ())
    for key in needed_by:
        if key not in fields:
            raise fields_reader.fail(key, f"is missing: by = {by!r} joins on it")
    for pair in (("lon", "lat"), ("easting", "northing")):
        if (pair[0] in fields) != (pair[1] in fields):
            missing = pair[1] if pair[0] in fields else pair[0]
            raise fields_reader.fail(missing, f"is missing: {pair[0]}/{pair[1]} go together")
    if "easting" in fields and crs is None:
        raise reader.fail("crs", "is missing: easting/northing columns need their CRS")

    path = Path(raw_path)
    return LayerConfig(
        name=name,
        path=path if path.is_absolute() else (root / path),
        fields=MappingProxyType(fields),
        layer=reader.get("layer", str, None),
        crs=crs,
        encoding=reader.get("encoding", str, None),
        by=by,
    )
