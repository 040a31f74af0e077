"""The only code that touches files: read any accepted format; one atomic writer.

``io.read`` reads layers (tables and vector files) and maps their fields, ``io.write`` writes
tables, workbooks, layers and workspace files, ``io.raster`` GeoTIFFs; every file goes through
:func:`atomic_path` (``io.atomic``). The names below are the public interface: use
``from ictgis import io`` and ``io.read_layer(...)``, ``io.write_csv(...)``...
"""

from ictgis.io.atomic import atomic_path, staged_copy, staged_dir
from ictgis.io.raster import read_raster, read_raster_on_grid, write_raster
from ictgis.io.read import (
    FORMATS,
    WHERE,
    map_fields,
    package_versions,
    read_files,
    read_layer,
    read_output_layer,
    read_output_table,
    read_output_tables,
    sha256,
)
from ictgis.io.write import (
    OUTPUT_FORMATS,
    write_bytes,
    write_csv,
    write_layers,
    write_tables,
    write_text,
    write_workspace_files,
    write_xlsx,
)

# moved to ictgis.parse; kept here for existing callers
from ictgis.parse import parse_coordinate, parse_number

__all__ = [
    "FORMATS", "OUTPUT_FORMATS", "WHERE", "atomic_path", "map_fields", "package_versions",
    "parse_coordinate", "parse_number", "read_files", "read_layer", "read_output_layer",
    "read_output_table", "read_output_tables", "read_raster", "read_raster_on_grid", "sha256",
    "staged_copy", "staged_dir", "write_bytes", "write_csv", "write_layers", "write_raster",
    "write_tables", "write_text", "write_workspace_files", "write_xlsx",
]
