"""Reading ``ictgis.toml``: every key checked against its declaration; errors name key and file."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any

from ictgis.config.keys import (
    LAYER_SCHEMAS,
    REQUIRED,
    SECTIONS,
    Computed,
    Key,
    default_of,
)
from ictgis.config.model import (
    DEFAULT_TECHNOLOGIES,
    ChecksConfig,
    ComputeConfig,
    Config,
    CoverageConfig,
    LayerConfig,
    PrioritiesConfig,
    ReportConfig,
    SitingConfig,
    TechnologyConfig,
    spacing_pairs,
)
from ictgis.crs import check_crs_name, parse_crs
from ictgis.errors import ConfigError
from ictgis.i18n import plain_number, t

CONFIG_NAME = "ictgis.toml"

_DECLARED: Any = object()


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
        msg = t("config.no_config", path=path)
        raise ConfigError(msg)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        msg = t("config.not_toml", name=path.name, error=exc)
        raise ConfigError(msg) from None
    return parse_config(data, path=path.resolve())


class _Reader:
    """One TOML table and its declared section; reads checked values, naming key and file.

    ``section`` is the table's place in the file (``layers.bts``), ``declared`` the section of
    :data:`~ictgis.config.keys.SECTIONS` that declares its keys (``layers.<layer>``).
    """

    def __init__(self, file: str, table: Mapping[str, Any], section: str = "",
                 declared: str = "") -> None:
        self.file, self.table, self.section, self.declared = file, table, section, declared

    def where(self, key: str | None = None) -> str:
        parts = [f"[{self.section}]" if self.section else "", key or ""]
        return f"{self.file}: " + " ".join(p for p in parts if p)

    def fail(self, key: str | None, problem: str) -> ConfigError:
        return ConfigError(t("config.at", where=self.where(key), problem=problem))

    def check_keys(self, allowed: set[str]) -> None:
        unknown = sorted(set(self.table) - allowed)
        if unknown:
            raise self.fail(unknown[0], t("config.unknown_key", known=", ".join(sorted(allowed))))

    @property
    def keys(self) -> Mapping[str, Key]:
        """The declared keys of this table."""
        return SECTIONS[self.declared]

    @property
    def pattern(self) -> Key:
        """The declared key that stands for every key of this table (``<region>``)."""
        return next(key for key in self.keys.values() if key.is_pattern)

    def read(self, key: Key, name: str | None = None, default: Any = _DECLARED) -> Any:
        """The value of ``name`` (default: the key's name), checked and converted.

        ``default`` replaces the declared default (a built-in technology's value).
        """
        name = name or key.name
        if name not in self.table:
            default = key.default if default is _DECLARED else default
            if default is REQUIRED:
                raise self.fail(name, t("config.missing"))
            return default.factory() if isinstance(default, Computed) else key.convert(default)
        value = self.table[name]
        problem = key.check(value)
        if problem:
            raise self.fail(name, problem)
        return key.convert(value)

    def values(self, **defaults: Any) -> dict[str, Any]:
        """Every declared key of a table of fixed keys except sub-tables (unknown keys fail)."""
        self.check_keys(set(self.keys))
        return {name: self.read(key, default=defaults.get(name, _DECLARED))
                for name, key in self.keys.items() if key.type != "table"}

    def entries(self) -> dict[str, Any]:
        """Every key of a table of free keys (``[regions]``), in file order."""
        return {name: self.read(self.pattern, name) for name in self.table}

    def sub(self, name: str, *, required: bool = False) -> _Reader:
        """The sub-table ``name`` (empty when absent and not ``required``)."""
        table_key = Key(self.section, name, "table", REQUIRED if required else {})
        table = self.read(table_key)
        declared = f"{self.declared}.{name}" if self.declared else name
        if declared not in SECTIONS:  # a table of any name: layers.<layer>, technologies.<name>
            depth = declared.count(".")
            declared = next(s for s in SECTIONS
                            if s.startswith(f"{self.declared}.<") and s.count(".") == depth)
        section = f"{self.section}.{name}" if self.section else name
        return _Reader(self.file, table, section, declared)


def parse_config(data: Mapping[str, Any], *, path: Path) -> Config:
    """Build a :class:`Config` from parsed TOML.

    Parameters
    ----------
    data
        The TOML document as a mapping.
    path
        Path of the file, used to resolve layer paths and in messages.
    """
    top = _Reader(path.name, data)
    top.check_keys({section.split(".")[0] for section in SECTIONS})

    province_reader = top.sub("province", required=True)
    province = province_reader.values()
    check_crs_name(province["crs"], where=province_reader.where("crs"))
    admin = top.sub("admin").values()
    regions = top.sub("regions").entries()
    postal_reader = top.sub("postal")
    postal = postal_reader.values()
    aliases = postal_reader.sub("type_aliases").entries()
    operators = top.sub("operators").entries()
    checks_reader = top.sub("checks")
    checks = ChecksConfig(**checks_reader.values())
    if checks.min_mast_height_m >= checks.max_mast_height_m:
        raise checks_reader.fail("max_mast_height_m", t(
            "config.heights_order", low=plain_number(checks.min_mast_height_m),
            high=plain_number(checks.max_mast_height_m)))

    layers_reader = top.sub("layers", required=True)
    layers_reader.check_keys(set(layers_reader.keys))
    layers = {name: _parse_layer(layers_reader.sub(name), name, path.parent)
              for name in layers_reader.table}
    for name, key in layers_reader.keys.items():
        if key.default is REQUIRED and name not in layers:
            raise layers_reader.fail(name, t("config.missing_layer"))
    if "crosswalk" not in layers:
        former = [name for name, layer in layers.items() if layer.era == "former"]
        if former:
            raise layers_reader.sub(former[0]).fail("era", t("config.era_needs_crosswalk"))

    return Config(
        path=path,
        province=province.pop("name"),
        **province,
        **admin,
        **postal,
        type_aliases=MappingProxyType(aliases),
        operators=MappingProxyType(operators),
        checks=checks,
        regions=MappingProxyType(regions),
        macro_regions=MappingProxyType(top.sub("macro_regions").entries()),
        layers=MappingProxyType(layers),
        siting=_parse_siting(top.sub("siting")),
        coverage=_parse_coverage(top.sub("coverage")),
        targets=MappingProxyType(top.sub("targets").entries()),
        targets_next_year=MappingProxyType(top.sub("targets_next_year").entries()),
        indicators=MappingProxyType(top.sub("indicators").entries()),
        report=ReportConfig(**top.sub("report").values()),
        priorities=_parse_priorities(top.sub("priorities")),
        compute=ComputeConfig(**top.sub("compute").values()),
    )


def _parse_priorities(reader: _Reader) -> PrioritiesConfig:
    costs = reader.sub("cost_vnd").entries()
    return PrioritiesConfig(**reader.values(), cost_vnd=MappingProxyType(costs))


def _parse_siting(reader: _Reader) -> SitingConfig:
    values = reader.values()
    classes = values["mast_classes"]
    unknown = [c for c in values["a1_classes"] if c not in classes]
    if unknown:
        raise reader.fail("a1_classes", t("config.a1_not_a_class", value=unknown[0]))
    spacing_reader = reader.sub("min_spacing_m")
    spacing = dict(spacing_pairs(default_of("siting.min_spacing_m")))
    for name in spacing_reader.table:
        if name != "default" and name not in classes:
            raise spacing_reader.fail(name, t("config.spacing_class", classes=", ".join(classes)))
        pair = spacing_reader.sub(name, required=True).values()
        spacing[name] = (pair["urban"], pair["rural"])
    return SitingConfig(**values, min_spacing_m=MappingProxyType(spacing))


def _parse_coverage(reader: _Reader) -> CoverageConfig:
    values = reader.values()
    environment = reader.sub("environment").values()
    heights = dict(default_of("coverage.default_height_m"))
    heights.update(reader.sub("default_height_m").entries())
    tech_reader = reader.sub("technologies")
    builtin = default_of("coverage.technologies")
    technologies = {
        name: TechnologyConfig(**tech_reader.sub(name, required=True).values(
            **builtin.get(name, {})))
        for name in tech_reader.table
    }
    lc_reader = reader.sub("landcover_classes")
    landcover: dict[int, str] = {}
    for name, value in lc_reader.entries().items():
        if not name.lstrip("-").isdigit():
            raise lc_reader.fail(name, lc_reader.pattern.explain(value))
        landcover[int(name)] = value
    return CoverageConfig(
        **values,
        landcover_classes=MappingProxyType(landcover),
        environment=MappingProxyType(environment),
        default_height_m=MappingProxyType(heights),
        technologies=MappingProxyType(technologies or dict(DEFAULT_TECHNOLOGIES)),
    )


def _parse_layer(reader: _Reader, name: str, root: Path) -> LayerConfig:
    schema = LAYER_SCHEMAS[name]
    values = reader.values(by=schema["by"][0] if schema["by"] else None)
    crs, by = values["crs"], values["by"]
    if crs is not None:
        parse_crs(crs, where=reader.where("crs"))
    if schema["by"] and by not in schema["by"]:
        raise reader.fail("by", t("config.by_choice", choices=", ".join(schema["by"]), value=by))
    if not schema["by"] and "by" in reader.table:
        raise reader.fail("by", t("config.by_unused"))

    fields_reader = reader.sub("fields")
    fields_reader.check_keys(set(schema["required"]) | set(schema["optional"]))
    fields = fields_reader.entries()
    for key in schema["required"]:
        if key not in fields:
            raise fields_reader.fail(key, t("config.field_missing"))
    needed_by = {"code": ("code",), "name": ("name",), "commune": ("commune",),
                 "district": ("district",)}.get(by or "", ())
    for key in needed_by:
        if key not in fields:
            raise fields_reader.fail(key, t("config.field_for_join", by=by))
    for pair in (("lon", "lat"), ("easting", "northing")):
        if (pair[0] in fields) != (pair[1] in fields):
            missing = pair[1] if pair[0] in fields else pair[0]
            raise fields_reader.fail(missing, t("config.field_pair", first=pair[0], second=pair[1]))
    if "easting" in fields and crs is None:
        raise reader.fail("crs", t("config.crs_for_xy"))

    path = Path(values.pop("path"))
    return LayerConfig(
        name=name,
        path=path if path.is_absolute() else (root / path),
        fields=MappingProxyType(fields),
        **values,
    )
