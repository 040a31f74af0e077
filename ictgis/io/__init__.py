"""The only code that touches files: read any accepted format; one atomic writer.

``io.read`` reads layers (tables and vector files) and maps their fields, ``io.write`` writes
tables, workbooks, layers and workspace files, ``io.raster`` GeoTIFFs; every file goes through
:func:`atomic_path` (``io.atomic``). The names below are the public interface: use
``from ictgis import io`` and ``io.read_layer(...)``, ``io.write_csv(...)``...

Importing this package is instant: the constants come from ``io.formats`` and every other name
is imported from its submodule on first use (``--help`` must not load geopandas).
"""

from __future__ import annotations

import importlib
from typing import Any

from ictgis.io.formats import (
    FORMATS,
    FORMULA_PREFIXES,
    GZIP_FORMATS,
    OUTPUT_FORMATS,
    READ_BACK_FORMATS,
    WHERE,
)

#: Public name -> the submodule that defines it.
_LAZY = {
    **dict.fromkeys(("atomic_path", "staged_copy", "staged_dir"), "atomic"),
    **dict.fromkeys(("RasterWindow", "raster_writer", "read_raster", "read_raster_on_grid",
                     "read_raster_under", "write_raster"), "raster"),
    **dict.fromkeys(("layer_files", "map_fields", "package_versions", "read_files", "read_layer",
                     "read_output_layer", "read_output_table", "sha256"),
                    "read"),
    **dict.fromkeys(("is_formula_like", "neutralise_text", "write_bytes", "write_csv",
                     "write_layers", "write_tables", "write_text", "write_workspace_files",
                     "write_xlsx"), "write"),
}

__all__ = ["FORMATS", "FORMULA_PREFIXES", "GZIP_FORMATS", "OUTPUT_FORMATS", "READ_BACK_FORMATS",
           "WHERE", *sorted(_LAZY)]


def __getattr__(name: str) -> Any:
    """Import a public name from its submodule on first use (and keep it here)."""
    module = _LAZY.get(name)
    if module is None:
        msg = f"module {__name__!r} has no attribute {name!r}"  # Python's own wording, for developers
        raise AttributeError(msg)
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
