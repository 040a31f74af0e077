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

#: Endings of the files that may also be read gzip-compressed (``bts.csv.gz``).
GZIP_FORMATS = frozenset({".csv", ".txt", ".geojson", ".json", ".kml"})

#: Output formats of tables and layers, and their file endings.
OUTPUT_FORMATS: Mapping[str, str] = MappingProxyType({
    "csv": ".csv", "xlsx": ".xlsx", "gpkg": ".gpkg", "geojson": ".geojson"})

#: Formats that later steps read back (:mod:`ictgis.outputs`: the CSV tables; the GeoPackage
#: layers the maps show): a step writes them whatever formats are asked, which only add others.
READ_BACK_FORMATS: tuple[str, ...] = ("csv", "gpkg")

#: Column holding where each row came from ("row 7" in a table, "feature 7" in a vector layer).
WHERE = "_where"

#: First characters that make a spreadsheet read a text cell as a formula (OWASP, "CSV
#: injection"): the writers of ``io.write`` neutralise text that starts with one of them.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
