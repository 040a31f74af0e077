"""File formats and the row locator column: constants only, so that importing them is instant."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

#: File endings ictgis reads, and how: "table" (CSV/XLSX point lists) or "vector" (GDAL).
FORMATS: Mapping[str, str] = MappingProxyType({
    ".csv": "table", ".txt": "table", ".xlsx": "table",
    ".gpkg": "vector", ".shp": "vector", ".geojson": "vector", ".json": "vector",
    ".kml": "vector", ".kmz": "vector", ".fgb": "vector", ".zip": "vector",
})

#: Output formats of tables and layers, and their file endings.
OUTPUT_FORMATS: Mapping[str, str] = MappingProxyType({
    "csv": ".csv", "xlsx": ".xlsx", "gpkg": ".gpkg", "geojson": ".geojson"})

#: Column holding where each row came from ("row 7" in a table, "feature 7" in a vector layer).
WHERE = "_where"
