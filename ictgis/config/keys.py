"""Every ``ictgis.toml`` key declared once: type, default, unit, allowed values and their source.

Parsing (:mod:`ictgis.config.parse`), the dataclass defaults (:mod:`ictgis.config.model`), the
configuration reference (``docs/configuration.md``) and ``--help`` texts are all generated from
:data:`KEYS`. Defaults are written as they would be in ``ictgis.toml``.

A section name with ``<...>`` stands for any table of that name (``layers.<layer>``); a key name
with ``<...>`` stands for any key of its table (``[regions] <region>``).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from ictgis.crs import DEFAULT_CRS
from ictgis.i18n import plain_number, t


class _Marker:
    """A named placeholder default (repr and reference text are its name)."""

    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        return self.text


#: Default of a key that must be given.
REQUIRED: Any = _Marker("required")

#: Default of a table whose entries are declared keys with their own defaults.
ENTRIES: Any = _Marker("the defaults of its keys")


@dataclass(frozen=True)
class Computed:
    """A default computed when the configuration is read.

    Attributes
    ----------
    text
        What the default is, for the reference (e.g. ``"the number of CPU cores"``).
    factory
        Returns the value.
    """

    text: str
    factory: Callable[[], Any]


#: Declared type -> accepted TOML values (as Python types) and the message of its phrase
#: in error messages (``config.type.*``).
TYPES: Mapping[str, tuple[tuple[type, ...], str]] = MappingProxyType({
    "string": ((str,), "config.type.string"),
    "integer": ((int,), "config.type.integer"),
    "number": ((int, float), "config.type.number"),
    "true/false": ((bool,), "config.type.boolean"),
    "list of strings": ((list,), "config.type.list"),
    "list of numbers": ((list,), "config.type.list"),
    "table": ((dict,), "config.type.table"),
})

#: List type -> accepted item types and the message of its phrase.
_ITEM_TYPES: Mapping[str, tuple[tuple[type, ...], str]] = MappingProxyType({
    "list of strings": ((str,), "config.type.strings"),
    "list of numbers": ((int, float), "config.type.numbers")})


@dataclass(frozen=True)
class Range:
    """Allowed range of a number: from ``low`` (above it when ``strict``) up to ``high``.

    Attributes
    ----------
    low
        Lower limit.
    high
        Upper limit (inclusive); no limit when ``None``.
    strict
        Whether ``low`` itself is excluded.
    grouping
        Whether the numbers are written with thousands grouped (not for years: 1990).
    """

    low: float
    high: float | None = None
    strict: bool = False
    grouping: bool = True

    def __str__(self) -> str:
        """The range in words, in the language in force (``config.range.*``)."""
        if self.high is not None:
            return str(t("config.range.between", low=self._text(self.low),
                         high=self._text(self.high)))
        return str(t("config.range.above" if self.strict else "config.range.at_least",
                     low=self._text(self.low)))

    def _text(self, value: float) -> str:
        """``value`` as the language writes it, with the decimals it needs (NaN: ``nan``)."""
        return plain_number(value, grouping=self.grouping) if value == value else "nan"

    def problem(self, value: float) -> str | None:
        """The error for ``value`` outside the range (NaN is outside every range), else ``None``."""
        shown = self._text(value)
        if self.high is not None:
            if not self.low <= value <= self.high:
                return t("config.check.between", low=self._text(self.low),
                         high=self._text(self.high), value=shown)
            return None
        inside = value > self.low if self.strict else value >= self.low
        return None if inside else t("config.check.bound", bound=self, value=shown)


#: Numbers that must be above zero.
POSITIVE = Range(0, strict=True)


@dataclass(frozen=True)
class Rule:
    """A check on the whole value that is neither a choice nor a range.

    Attributes
    ----------
    name
        Its catalogue id after ``config.rule.`` (the text in the language in force).
    text
        The rule in English, for the reference's "allowed" column (source of the catalogue entry).
    test
        Whether a (type-checked) value follows the rule.
    """

    name: str
    text: str
    test: Callable[[Any], bool]

    def __str__(self) -> str:
        return str(t(f"config.rule.{self.name}"))


NONEMPTY = Rule("nonempty", "at least one", bool)


def _computed_text(default: Any) -> str:
    """The English text of a :class:`Computed` default, else ``""``."""
    return default.text if isinstance(default, Computed) else ""


def _is_date(value: Any) -> bool:
    import datetime

    try:
        datetime.date.fromisoformat(str(value))
    except ValueError:
        return False
    return True


ISO_DATE = Rule("iso_date", "a date written YYYY-MM-DD", _is_date)
BEST_FIRST = Rule("best_first", "from the best class down", lambda v: list(v) == sorted(v, reverse=True))


@dataclass(frozen=True)
class Key:
    """One key of ``ictgis.toml``.

    Attributes
    ----------
    section
        Its table, dotted (``"siting"``, ``"layers.<layer>.fields"``).
    name
        The key; ``<...>`` for any key of the table.
    type
        One of :data:`TYPES`.
    default
        Value when the key is absent, as written in TOML: :data:`REQUIRED`, ``None`` (not
        set), :data:`ENTRIES` or a :class:`Computed`.
    unit
        Unit of a number (``"m"``, ``"dBm"``).
    description
        One line: what the key sets, in English. It is the source of the key's catalogue
        entry :attr:`description_id` (``config.en.po`` holds the same text, a test checks it;
        ``config.vi.po`` its translation); text shown to people comes from :meth:`describe`.
    source
        Where the default comes from: a DOMAIN.md section, a legal text, ``assumption``
        (to be replaced by the province's own value) or ``ictgis`` (a software choice).
    choices
        Allowed values (of every item, for a list).
    range
        Allowed range of a number.
    rule
        Any other check on the value.
    constraint
        What the parser checks beyond type, choices and range (a CRS, another key), for
        the reference.
    problem
        Catalogue id of the message when a choice or the rule fails (placeholders
        ``{value}``, ``{item}`` and ``{choices}``); the default names the choices.
    """

    section: str
    name: str
    type: str
    default: Any = REQUIRED
    unit: str = ""
    description: str = ""
    source: str = ""
    choices: tuple[str, ...] = ()
    range: Range | None = None
    rule: Rule | None = None
    constraint: str = ""
    problem: str = ""

    @property
    def path(self) -> str:
        """``section.name``, the key's id for :func:`lookup`."""
        return f"{self.section}.{self.name}"

    @property
    def description_id(self) -> str:
        """Catalogue id of the description: ``config.key.`` and :attr:`path`.

        A placeholder ``<name>`` is spelled ``_name_``
        (``config.key.coverage.technologies._name_.margin_db``).
        """
        return self.text_id("key")

    def text_id(self, kind: str) -> str:
        """Catalogue id of one of the key's texts: ``config.``, ``kind`` and :attr:`path`.

        ``kind`` is ``key`` (description), ``source``, ``constraint`` or ``computed`` (the
        text of a :class:`Computed` default).
        """
        return f"config.{kind}." + re.sub(r"<(\w+)>", r"_\1_", self.path)

    def text(self, kind: str) -> str:
        """One of the key's texts (see :meth:`text_id`) in the language in force; ``""`` if none."""
        english = {"source": self.source, "constraint": self.constraint,
                   "computed": _computed_text(self.default)}[kind]
        return str(t(self.text_id(kind))) if english else ""

    def describe(self, lang: str | None = None) -> str:
        """The description in ``lang`` (default: the language in force), from the catalogue."""
        return str(t(self.description_id, lang=lang))

    @property
    def is_pattern(self) -> bool:
        """Whether the key stands for any key of its table (``<region>``)."""
        return self.name.startswith("<")

    @property
    def allowed(self) -> str:
        """Allowed values in words (choices, range, rule, constraint)."""
        parts = [", ".join(f"`{c}`" for c in self.choices) if self.choices else "",
                 str(self.range) if self.range else "",
                 str(self.rule) if self.rule else "", self.text("constraint")]
        return "; ".join(p for p in parts if p)

    def explain(self, value: Any = None, item: Any = None) -> str:
        """The message of a failed choice or rule for ``value`` (``item``: the bad item)."""
        choices = ", ".join(self.choices)
        if self.problem:
            return t(self.problem, value=value, item=item, choices=choices)
        if self.rule:
            return t("config.check.rule", rule=str(self.rule))
        alternatives = (t("config.check.either", first=self.choices[0], second=self.choices[1])
                        if len(self.choices) == 2 else t("config.check.one_of", choices=choices))
        return t("config.check.choice", alternatives=alternatives, value=value)

    def check(self, value: Any) -> str | None:
        """The problem of a value read from TOML (message without file and key), else ``None``."""
        accepted, phrase = TYPES[self.type]
        if not _is(value, accepted):
            return t("config.check.type", type=t(phrase), value=value)
        item_types, item_phrase = _ITEM_TYPES.get(self.type, ((), ""))
        if item_types and not all(_is(v, item_types) for v in value):
            return t("config.check.items", type=t(item_phrase))
        items = value if item_types else [value]
        bad = [v for v in items if self.choices and v not in self.choices]
        if bad:
            return self.explain(value, bad[0])
        if self.range is not None:
            problem = self.range.problem(value)
            if problem:
                return problem
        if self.rule is not None and not self.rule.test(value):
            return self.explain(value)
        return None

    def convert(self, value: Any) -> Any:
        """A checked TOML value as ictgis holds it: numbers as floats, lists as tuples."""
        if value is None:
            return None
        if self.type == "number":
            return float(value)
        if self.type == "list of numbers":
            return tuple(float(v) for v in value)
        if self.type == "list of strings":
            return tuple(value)
        return value


def _is(value: Any, types: tuple[type, ...]) -> bool:
    """Whether a TOML value has one of ``types`` (``true`` is not a number)."""
    return isinstance(value, types) and (bool in types or not isinstance(value, bool))


#: Commune kinds: phường, thị trấn (before July 2025), xã, đặc khu (special zone, from July 2025).
KINDS = ("phuong", "thi_tran", "xa", "dac_khu")

#: Eras of a layer's commune codes: the communes of the commune layer, or former ones.
ERAS = ("current", "former")
ENVIRONMENTS = ("urban_large", "urban", "suburban", "open")

_COORD_FIELDS = ("lon", "lat", "easting", "northing")

#: Per layer: required canonical fields, optional ones, and the allowed values of ``by``.
LAYER_SCHEMAS: Mapping[str, dict[str, tuple[str, ...]]] = MappingProxyType(
    {
        "communes": {
            "required": ("code", "name"),
            "optional": ("kind", "district", "province", "population", "area_km2"),
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
        "crosswalk": {
            "required": ("former_code", "code"),
            "optional": ("relation", "share", "default_target", "former_name", "former_district",
                         "name", "kind"),
            "by": (),
        },
        "measurements": {
            "required": (),
            "optional": ("id", "operator", "technology", "level_dbm", "site", "date",
                         *_COORD_FIELDS),
            "by": (),
        },
        "dem": {"required": (), "optional": (), "by": ()},
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

_LAYER_TEXT = {
    "communes": "Commune polygons (code, name, kind, district, population)",
    "population": "Population table joined to the communes",
    "post_offices": "Postal service points",
    "bts": "BTS masts (points or a table with coordinates)",
    "zones": "Plan zones (polygons): prohibited, A1-only, permitted",
    "plan_features": "Plan points/lines that make zones by a buffer",
    "planned_sites": "Planned mast positions",
    "proposals": "Default proposals file of `ictgis siting`",
    "subscribers": "Subscriber counts by commune or district",
    "dem": "Ground elevation (GeoTIFF, any CRS; SRTM or the national DEM): coverage with "
           "effective antenna heights and diffraction over the terrain (docs/en/coverage.md)",
    "measurements": "Drive-test measurements of `ictgis calibrate` (received level in dBm by "
                    "operator and technology; columns default to lat, lon, operator, "
                    "technology, level_dbm)",
    "crosswalk": "Former commune code -> new commune code (relation whole/divided, share of a "
                 "divided commune); re-bases the layers whose `era` is `former`",
}
_REQUIRED_LAYERS = ("communes", "post_offices")
_PLAN = "QĐ 557/QĐ-UBND not retrieved, DOMAIN.md §2.2"
_FIELD_RULE = "per layer (see the layer table)"

#: Every key of ``ictgis.toml``, section by section, in the order of the reference.
KEYS: tuple[Key, ...] = (
    # ---------------------------------------------------------------- [province]
    Key("province", "name", "string", REQUIRED,
        description="Province name, shown in every output"),
    Key("province", "crs", "string", DEFAULT_CRS,
        description="Working metric CRS; every layer is reprojected to it once, at load time",
        source="DOMAIN.md §5.3 (VN-2000 / TM-3 105°45′)",
        constraint="a metric projected CRS (EPSG code, WKT or PROJ string)"),
    Key("province", "synthetic", "true/false", False,
        description="Label every output as made-up data", source="ictgis"),
    Key("province", "population_year", "integer", None, unit="year",
        description="Year of the population figures"),
    Key("province", "official_area_km2", "number", None, unit="km²", range=POSITIVE,
        description="Published province area; computed areas are scaled to it",
        source="not set: areas as computed (DOMAIN.md §1.4: 2,510 km² published in 2018)"),
    # ---------------------------------------------------------------- [admin]
    Key("admin", "urban_kinds", "list of strings", ("phuong", "thi_tran"), choices=KINDS,
        problem="config.problem.kinds",
        description="Commune kinds that are urban (thành thị); in the 2025 structure there is "
                    "no thị trấn, so the default makes phường urban and xã and đặc khu rural",
        source="GSO rule: phường + thị trấn (DOMAIN.md §1.4, §7)"),
    Key("admin", "region_by", "string", "district", choices=("district", "commune"),
        description="Which units [regions] lists; in a two-tier workspace, `district` means "
                    "the former districts, reached through [layers.crosswalk]",
        source="DOMAIN.md §3 (regions of districts), §7"),
    Key("admin", "tiers", "integer", None, range=Range(2, 3),
        description="Levels of local government: 3 (province, district, commune; before July "
                    "2025) or 2 (province, commune; from July 2025); not set: 3 when the commune "
                    "layer maps a district field, else 2",
        source="DOMAIN.md §7 (districts abolished on 01/07/2025)"),
    # ---------------------------------------------------------------- [regions]
    Key("regions", "<region>", "list of strings", rule=NONEMPTY,
        problem="config.problem.region_units",
        description="Units (per region_by) of one economic region; every unit in exactly one",
        source="DOMAIN.md §3"),
    # ---------------------------------------------------------------- [macro_regions]
    Key("macro_regions", "<region>", "list of strings", rule=NONEMPTY,
        problem="config.problem.region_units",
        description="Provinces of one macro-region of a national workspace (a commune layer "
                    "with a province field); every province in exactly one. Not set: the six "
                    "socio-economic regions (Trung du và miền núi phía Bắc, Đồng bằng sông Hồng, "
                    "Bắc Trung Bộ và duyên hải miền Trung, Tây Nguyên, Đông Nam Bộ, Đồng bằng "
                    "sông Cửu Long; a province formed in 2025 in the region of the province "
                    "whose name it kept)",
        source="the socio-economic regions of the national master plan 2021-2030"),
    # ---------------------------------------------------------------- [postal]
    Key("postal", "count_types", "list of strings",
        ("buu_cuc", "buu_cuc_phat", "diem_bdvhx", "dai_ly", "kiot", "thung_thu"),
        description="Postal point types counted in N (the others are loaded, not counted)",
        source="the public postal network (DOMAIN.md §1.2; Luật Bưu chính 2010 Điều 3)"),
    Key("postal", "type_aliases", "table", MappingProxyType({}),
        description="Extra spellings of point types in your data"),
    Key("postal.type_aliases", "<spelling>", "string",
        description="The point type this spelling stands for"),
    # ---------------------------------------------------------------- [operators]
    Key("operators", "<spelling>", "string",
        description="An operator name as written in your data = the operator it stands for "
                    "(extends the built-in alias table; matched ignoring case and diacritics)",
        source="ictgis (built-in aliases: ictgis.telecom.OPERATORS)"),
    # ---------------------------------------------------------------- [checks]
    Key("checks", "overlap_tolerance_pct", "number", 0.01, unit="%", range=Range(0),
        description="Overlaps of two communes and gaps between communes larger than this share "
                    "of the smaller commune's area are listed in problems.csv; an overlap is "
                    "counted once, in the commune whose code sorts first",
        source="ictgis (digitising slivers stay below it)"),
    Key("checks", "max_outside_pct", "number", 50.0, unit="%", range=Range(0, 100),
        description="When more than this share of a point layer's rows falls outside the "
                    "province, the layer stops the run (its coordinates or crs are wrong)",
        source="ictgis"),
    Key("checks", "min_mast_height_m", "number", 3.0, unit="m", range=Range(0),
        description="Masts lower than this are rejected (not a plausible height)",
        source="assumption (rooftop poles of 3 m and more)"),
    Key("checks", "max_mast_height_m", "number", 150.0, unit="m", range=POSITIVE,
        description="Masts taller than this are rejected (not a plausible height)",
        source="assumption (the tallest BTS towers are about 100-150 m)"),
    # ---------------------------------------------------------------- [layers]
    *(Key("layers", name, "table", REQUIRED if name in _REQUIRED_LAYERS else None,
          description=text) for name, text in _LAYER_TEXT.items()),
    Key("layers.<layer>", "path", "string", REQUIRED,
        description="File of the layer, relative to ictgis.toml (or absolute)"),
    Key("layers.<layer>", "layer", "string", None,
        description="Layer (GeoPackage, KML) or sheet (XLSX); not set: the first"),
    Key("layers.<layer>", "crs", "string", None,
        description="CRS of a file that has none, and of the coordinate columns of a table",
        constraint="a CRS; required with easting/northing"),
    Key("layers.<layer>", "encoding", "string", None,
        description="Text encoding of a Shapefile .dbf without .cpg or of a CSV: cp1258 "
                    "(Windows-1258), tcvn3 (TCVN3/ABC), vni (VNI Windows), utf-8 or any "
                    "Python codec; not set: UTF-8, and a message names the likely encoding "
                    "when the text is not"),
    Key("layers.<layer>", "by", "string", None,
        description="Join key of a table layer; not set: the first allowed", constraint=_FIELD_RULE),
    Key("layers.<layer>", "era", "string", "current", choices=ERAS,
        description="Whose commune codes the layer carries: the commune layer's, or former "
                    "communes' (re-based onto the communes through [layers.crosswalk])",
        constraint="`former` needs [layers.crosswalk]", source="ictgis"),
    Key("layers.<layer>", "fields", "table", MappingProxyType({}),
        description="Canonical field name = column name in the file"),
    Key("layers.<layer>.fields", "<field>", "string",
        description="Column of the file holding this field", constraint=_FIELD_RULE),
    # ---------------------------------------------------------------- [siting]
    Key("siting", "mast_classes", "list of strings", ("A1a", "A1b", "A2a", "A2b", "A2c"),
        description="Known mast classes; a mast of another class is an error",
        source="TTLT 15/2016 classes as used in provincial plans (DOMAIN.md §2.3)"),
    Key("siting", "a1_classes", "list of strings", ("A1a", "A1b"),
        description="Classes that are A1 (không cồng kềnh); the others are A2 (cồng kềnh)",
        source="TTLT 15/2016 (DOMAIN.md §2.3)", constraint="classes of mast_classes"),
    Key("siting", "plan_statuses", "list of strings", ("dang_xay_dung",),
        description="Statuses of new masts, checked against the planned positions",
        source="assumption"),
    Key("siting", "deviation_urban_m", "number", 50.0, unit="m", range=POSITIVE,
        description="Allowed distance from a planned position (urban), when the site gives none",
        source=f"assumption ({_PLAN})"),
    Key("siting", "deviation_rural_m", "number", 100.0, unit="m", range=POSITIVE,
        description="Allowed distance from a planned position (rural), when the site gives none",
        source=f"assumption ({_PLAN})"),
    Key("siting", "aviation_height_m", "number", 45.0, unit="m", range=POSITIVE,
        description="Height from which a mast needs aviation marking and height approval",
        source="NĐ 32/2016/NĐ-CP Art. 7 (DOMAIN.md §2.1)"),
    Key("siting", "duplicate_tolerance_m", "number", 1.0, unit="m", range=POSITIVE,
        description="Masts closer than this are reported as a duplicate position",
        source="assumption"),
    Key("siting", "min_spacing_m", "table",
        MappingProxyType({"default": MappingProxyType({"urban": 100.0, "rural": 400.0})}),
        description="Minimum distance between masts of different operators, by mast class",
        source="Hải Dương QĐ 26/2018/QĐ-UBND (DOMAIN.md §2.4)"),
    Key("siting.min_spacing_m", "<class>", "table", constraint="a class of mast_classes or `default`",
        description="(urban, rural) minimum spacing of this class; closer means co-location"),
    Key("siting.min_spacing_m.<class>", "urban", "number", unit="m", range=POSITIVE,
        description="Minimum spacing in urban communes"),
    Key("siting.min_spacing_m.<class>", "rural", "number", unit="m", range=POSITIVE,
        description="Minimum spacing in rural communes"),
    Key("siting", "sharing_target_pct", "number", None, unit="%", range=Range(0, 100),
        description="The plan's target share of masts shared by 2+ operators",
        source=f"not set ({_PLAN})"),
    Key("siting", "proposals_require_plan", "true/false", True,
        description="Refuse a proposal away from every planned site (else only warn)",
        source="assumption (Tây Ninh practice, DOMAIN.md §2.4)"),
    # ---------------------------------------------------------------- [coverage]
    Key("coverage", "resolution_m", "number", 50.0, unit="m", range=POSITIVE,
        description="Pixel size of the rasters, in the working CRS", source="assumption"),
    Key("coverage", "max_range_km", "number", 15.0, unit="km", range=POSITIVE,
        description="No site is evaluated farther than this",
        source="assumption (Hata is fitted up to 20 km, DOMAIN.md §4.1)"),
    Key("coverage", "min_distance_km", "number", 0.1, unit="km", range=POSITIVE,
        description="Distances below this are evaluated at this distance",
        source="assumption (Hata is fitted from 1 km, DOMAIN.md §4.1)"),
    Key("coverage", "floor_dbm", "number", -125.0, unit="dBm",
        description="Levels below this are left as nodata",
        source="assumption (below the lowest class, DOMAIN.md §4.5)"),
    Key("coverage", "tile_px", "integer", 512, unit="px", range=Range(64),
        description="Rasters are computed in square tiles of this many pixels", source="ictgis"),
    Key("coverage", "population_raster", "string", None,
        description="Population raster (relative path), resampled by sums and rescaled to "
                    "the communes' populations"),
    Key("coverage", "landcover_raster", "string", None,
        description="Land-cover raster (relative path) setting the environment of listed values"),
    Key("coverage", "landcover_classes", "table", MappingProxyType({}),
        description="Land-cover raster value -> environment"),
    Key("coverage.landcover_classes", "<value>", "string", choices=ENVIRONMENTS,
        problem="config.problem.landcover", constraint="whole-number key",
        description="Environment of the pixels with this raster value"),
    Key("coverage", "threads", "integer",
        Computed("the number of CPU cores", lambda: os.cpu_count() or 1), range=Range(1),
        description="Tiles computed at once", source="the machine"),
    Key("coverage", "environment", "table", ENTRIES,
        description="Commune kind -> environment of the propagation model"),
    *(Key("coverage.environment", kind, "string", environment, choices=ENVIRONMENTS,
          description=f"Environment of a {kind} commune (no land cover there)",
          source="assumption (Hata environments, DOMAIN.md §4.1-4.2)")
      for kind, environment in zip(KINDS, ("urban", "suburban", "open", "open"), strict=True)),
    Key("coverage", "default_height_m", "table",
        MappingProxyType({"A1a": 12.0, "A1b": 15.0, "A2a": 25.0, "A2b": 40.0, "A2c": 30.0,
                          "default": 30.0}),
        description="Antenna height by mast class (or `default`) when the mast has none",
        source="assumption (DOMAIN.md §4.4)"),
    Key("coverage.default_height_m", "<class>", "number", unit="m", range=POSITIVE,
        description="Antenna height of a mast of this class (merged with the defaults)"),
    Key("coverage", "sector_front_back_db", "number", 20.0, unit="dB", range=POSITIVE,
        description="Maximum attenuation of the sector antenna pattern, 12 (θ/θ3dB)²",
        source="assumption (3GPP-style pattern)"),
    Key("coverage", "technologies", "table", MappingProxyType({
        "2G": MappingProxyType({"frequency_mhz": 900, "eirp_dbm": 55, "threshold_dbm": -95}),
        "3G": MappingProxyType({"frequency_mhz": 2100, "eirp_dbm": 45, "threshold_dbm": -95}),
        "4G": MappingProxyType({"frequency_mhz": 1800, "eirp_dbm": 27, "threshold_dbm": -110,
                                "classes_dbm": (-80.0, -90.0, -100.0, -110.0, -120.0)}),
    }), description="Radio parameters by technology; listing any replaces these",
        source="assumption: 2018 bands, typical EIRPs, VNPT and LTE thresholds (DOMAIN.md §4)"),
    Key("coverage.technologies", "<name>", "table",
        description="One technology; a built-in name (2G, 3G, 4G) keeps its values as defaults"),
    Key("coverage.technologies.<name>", "frequency_mhz", "number", unit="MHz", range=POSITIVE,
        description="Carrier frequency; Okumura-Hata up to 1500 MHz, COST-231 Hata above"),
    Key("coverage.technologies.<name>", "eirp_dbm", "number", unit="dBm",
        description="EIRP of the measured channel (BCCH 2G, CPICH 3G, one RS element 4G)"),
    Key("coverage.technologies.<name>", "threshold_dbm", "number", unit="dBm",
        description="Level from which a place counts as covered (after the margin)"),
    Key("coverage.technologies.<name>", "margin_db", "number", 5.0, unit="dB", range=Range(0),
        description="Shadowing (and body) margin subtracted from the median level",
        source="assumption (5-10 dB for σ 6-10 dB, DOMAIN.md §4.3)"),
    Key("coverage.technologies.<name>", "mobile_height_m", "number", 1.5, unit="m",
        range=POSITIVE, description="Height of the receiving antenna",
        source="DOMAIN.md §4.3"),
    Key("coverage.technologies.<name>", "classes_dbm", "list of numbers",
        (-65.0, -75.0, -85.0, -95.0, -105.0), unit="dBm", rule=BEST_FIRST,
        problem="config.problem.best_first",
        description="Lower limits of the signal classes, best first",
        source="VNPT drive-test legend, QĐ 1705 (DOMAIN.md §4.5)"),
    # ---------------------------------------------------------------- [compute]
    Key("compute", "scheduler", "string", None,
        description="Address of a dask.distributed scheduler (tcp://HOST:8786) whose workers "
                    "compute the coverage tiles (needs ictgis[distributed]); not set: local "
                    "threads ([coverage] threads)", source="ictgis"),
    # ---------------------------------------------------------------- [report]
    Key("report", "year", "integer", None, range=Range(1990, 2100, grouping=False),
        description="The year the report is about (its title, the plan of [targets]); not set: "
                    "the report says the year is not set",
        source="ictgis"),
    Key("report", "date", "string", None, rule=ISO_DATE, problem="config.problem.date",
        description="Date of the document, YYYY-MM-DD; not set: the day of the run",
        source="ictgis"),
    Key("report", "governing_body", "string", None,
        description="The body above the agency, top left of the Word report; not set: "
                    "UBND TỈNH <province>",
        source="Nghị định 30/2020/NĐ-CP, Phụ lục I"),
    Key("report", "agency", "string", None,
        description="The agency that issues the report; not set: SỞ KHOA HỌC VÀ CÔNG NGHỆ",
        source="Nghị định 30/2020/NĐ-CP; the 2025 merger of the Sở TT&TT into the Sở KH&CN"),
    Key("report", "symbol", "string", "SKHCN",
        description="The agency's abbreviation in the number: Số: /BC-<symbol>",
        source="Nghị định 30/2020/NĐ-CP, Phụ lục III"),
    Key("report", "place", "string", None,
        description="The place of the place-and-date line; not set: the province",
        source="Nghị định 30/2020/NĐ-CP"),
    Key("report", "signer_title", "string", None,
        description="The signer's title (GIÁM ĐỐC, KT. GIÁM ĐỐC / PHÓ GIÁM ĐỐC); not set: GIÁM ĐỐC",
        source="Nghị định 30/2020/NĐ-CP"),
    Key("report", "signer_name", "string", "", description="The signer's name",
        source="ictgis"),
    Key("report", "recipients", "list of strings", (),
        description="Nơi nhận, one recipient each; not set: Lưu: VT",
        source="Nghị định 30/2020/NĐ-CP"),
    # ---------------------------------------------------------------- [priorities]
    Key("priorities", "technology", "string", "4G",
        description="Technology whose coverage the ranking of new sites maximises",
        source="ictgis"),
    Key("priorities", "operator", "string", "any",
        description="Operator whose coverage counts; `any`: covered by any operator",
        source="SDG 9.c.1 (population covered by a mobile network)"),
    Key("priorities", "grid_m", "number", None, unit="m", range=POSITIVE,
        description="Spacing of candidate positions over uncovered populated areas; not set: "
                    "no grid, only the plan's sites and a candidates file",
        source="ictgis"),
    Key("priorities", "cost_vnd", "table", MappingProxyType({}),
        description="Cost of a new site by mast class, and `colocate` for adding an operator to "
                    "a mast; not set: illustrative costs labelled synthetic",
        source="the province's own prices"),
    Key("priorities.cost_vnd", "<class>", "number", unit="VND", range=Range(0),
        description="Cost of a site of this mast class (or `colocate`)"),
    # ---------------------------------------------------------------- [targets], [indicators]
    Key("targets", "<indicator>", "number",
        description="The plan of the report year for an indicator: Biểu số 1 shows the % "
                    "achieved (for R and Dp, lower is better: achieved or not)"),
    Key("targets_next_year", "<indicator>", "number",
        description="The plan of the year after the report year, shown beside the result"),
    Key("indicators", "<indicator>", "number",
        description="A figure the GIS cannot compute (e.g. revenue_bn_vnd), reported as given"),
)

#: Section -> key name -> :class:`Key`, in declaration order.
SECTIONS: Mapping[str, Mapping[str, Key]] = MappingProxyType({
    section: MappingProxyType({k.name: k for k in KEYS if k.section == section})
    for section in dict.fromkeys(k.section for k in KEYS)
})

_BY_PATH = {key.path: key for key in KEYS}


def lookup(path: str) -> Key:
    """The declared key at ``path``.

    Parameters
    ----------
    path
        ``section.name``, e.g. ``"siting.aviation_height_m"`` or
        ``"coverage.technologies.<name>.margin_db"``.

    Raises
    ------
    KeyError
        When no key is declared there.

    Examples
    --------
    >>> lookup("siting.aviation_height_m").unit
    'm'
    """
    try:
        return _BY_PATH[path]
    except KeyError:
        msg = t("config.no_such_key", path=path)
        raise KeyError(msg) from None


def default_of(path: str) -> Any:
    """The default of a key as ictgis holds it (converted; :data:`ENTRIES` and computed resolved).

    Examples
    --------
    >>> default_of("admin.urban_kinds")
    ('phuong', 'thi_tran')
    """
    key = lookup(path)
    if key.default is ENTRIES:
        return MappingProxyType({name: default_of(entry.path)
                                 for name, entry in SECTIONS[path].items()})
    if isinstance(key.default, Computed):
        return key.default.factory()
    if key.default is REQUIRED:
        msg = t("config.no_default", path=path)
        raise KeyError(msg)
    return key.convert(key.default)


def help_text(path: str) -> str:
    """One line for a ``--help`` text: the key's description and its default with its unit.

    In the language in force (:func:`ictgis.i18n.language`).

    Examples
    --------
    >>> from ictgis.i18n import language
    >>> with language("en"):
    ...     help_text("siting.aviation_height_m")
    'Height from which a mast needs aviation marking and height approval (default: 45 m).'
    """
    key = lookup(path)
    if key.default is None or key.default is REQUIRED:
        default = str(t("config.help.not_set" if key.default is None else "config.help.required"))
    else:
        default = default_text(key)
    shown = f"{default} {key.unit}" if key.unit and key.default not in (None, REQUIRED) else default
    return str(t("config.help.text", description=key.describe(), default=shown))


def default_text(key: Key) -> str:
    """The default of a key as written in ``ictgis.toml`` (or in words)."""
    if key.is_pattern:
        return "—"
    if isinstance(key.default, Computed):
        return key.text("computed")
    if key.default is None:
        return "not set"
    if isinstance(key.default, _Marker):
        return key.default.text
    return toml_value(key.default)


def type_name(name: str) -> str:
    """A declared type (:data:`TYPES`) in words, in the language in force (``config.type_name.*``)."""
    return str(t("config.type_name." + re.sub(r"\W+", "_", name)))


def catalogue_texts() -> dict[str, str]:
    """Catalogue id -> English text of every declared text besides descriptions.

    Types, rules and each key's source, constraint and computed default: ``config.en.po``
    holds these texts (a test checks it), ``config.vi.po`` their translations.
    """
    texts = {"config.type_name." + re.sub(r"\W+", "_", name): name for name in TYPES}
    texts |= {f"config.rule.{key.rule.name}": key.rule.text for key in KEYS if key.rule}
    for key in KEYS:
        for kind, english in (("source", key.source), ("constraint", key.constraint),
                              ("computed", _computed_text(key.default))):
            if english:
                texts[key.text_id(kind)] = english
    return texts


def toml_value(value: Any) -> str:
    """A value in TOML syntax, tables inline (``{ urban = 100, rural = 400 }``)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, Mapping):
        if not value:
            return "{}"
        items = (f"{_toml_key(k)} = {toml_value(v)}" for k, v in value.items())
        return "{ " + ", ".join(items) + " }"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    return str(value)


def _toml_key(key: str) -> str:
    bare = key and all(c.isascii() and (c.isalnum() or c in "-_") for c in key)
    return key if bare else toml_value(key)


#: Layers that every workspace must have.
REQUIRED_LAYERS = tuple(k.name for k in SECTIONS["layers"].values() if k.default is REQUIRED)

#: Postal point types counted in N by default: the public postal network (DOMAIN.md §1.2).
DEFAULT_COUNT_TYPES: tuple[str, ...] = default_of("postal.count_types")

#: Commune kinds that are urban by default (GSO rule, DOMAIN.md §1.4).
DEFAULT_URBAN_KINDS: tuple[str, ...] = default_of("admin.urban_kinds")

#: Mast classes and their group: A1 = không cồng kềnh, A2 = cồng kềnh (TTLT 15/2016; DOMAIN §2.3).
DEFAULT_MAST_CLASSES: tuple[str, ...] = default_of("siting.mast_classes")
DEFAULT_A1_CLASSES: tuple[str, ...] = default_of("siting.a1_classes")

#: Default antenna height by mast class, for masts with no surveyed height [assumption].
DEFAULT_HEIGHTS_M: Mapping[str, float] = default_of("coverage.default_height_m")
