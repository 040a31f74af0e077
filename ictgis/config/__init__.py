"""Workspace configuration: ``ictgis.toml`` -> frozen dataclasses; every key declared once.

- :mod:`ictgis.config.keys`: the declaration of every key (:data:`KEYS`): type, default,
  unit, allowed values, description and the source of the default.
- :mod:`ictgis.config.model`: the frozen dataclasses, with the declared defaults.
- :mod:`ictgis.config.parse`: reading and checking ``ictgis.toml`` against the declaration.
- :mod:`ictgis.config.reference`: the configuration reference (``docs/configuration.md``).
"""

from ictgis.config.keys import (
    DEFAULT_A1_CLASSES,
    DEFAULT_COUNT_TYPES,
    DEFAULT_HEIGHTS_M,
    DEFAULT_MAST_CLASSES,
    DEFAULT_URBAN_KINDS,
    ENVIRONMENTS,
    KEYS,
    KINDS,
    LAYER_SCHEMAS,
    REQUIRED,
    REQUIRED_LAYERS,
    SECTIONS,
    Key,
    default_of,
    help_text,
    lookup,
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
)
from ictgis.config.parse import CONFIG_NAME, load_config, parse_config
from ictgis.config.reference import render_reference

__all__ = [
    "ComputeConfig",
    "CONFIG_NAME",
    "DEFAULT_A1_CLASSES",
    "DEFAULT_COUNT_TYPES",
    "DEFAULT_HEIGHTS_M",
    "DEFAULT_MAST_CLASSES",
    "DEFAULT_TECHNOLOGIES",
    "DEFAULT_URBAN_KINDS",
    "ENVIRONMENTS",
    "KEYS",
    "KINDS",
    "LAYER_SCHEMAS",
    "REQUIRED",
    "REQUIRED_LAYERS",
    "SECTIONS",
    "ChecksConfig",
    "Config",
    "CoverageConfig",
    "Key",
    "LayerConfig",
    "PrioritiesConfig",
    "ReportConfig",
    "SitingConfig",
    "TechnologyConfig",
    "default_of",
    "help_text",
    "load_config",
    "lookup",
    "parse_config",
    "render_reference",
]
