"""Write outputs and workspace files: text, CSV, XLSX, GeoPackage/GeoJSON layers, each atomically."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio

from ictgis.io.atomic import atomic_path
from ictgis.io.formats import FORMULA_PREFIXES, OUTPUT_FORMATS

#: GeoPackage 1.2: the version QGIS LTR on Debian stable (GDAL 3.6) opens without a warning.
GPKG_OPTIONS = {"VERSION": "1.2"}

#: SQLite page cache while a GeoPackage is written (MB, GDAL's ``OGR_SQLITE_CACHE``; it grows
#: only as needed): building the spatial index of a million points in SQLite's default 2 MB
#: cache costs a quarter more CPU time.
GPKG_CACHE_MB = 256


def _write_gpkg(gdf: gpd.GeoDataFrame, path: Path, layer: str) -> None:
    """Write one layer of a GeoPackage (GeoPackage 1.2, with its spatial index).

    ``OGR_SQLITE_CACHE`` is a process-wide GDAL setting: it is set for the write unless the
    user set it, and restored after (another thread's write at that moment may get the
    default cache: slower, never different).
    """
    own = pyogrio.get_gdal_config_option("OGR_SQLITE_CACHE") is None
    if own:
        pyogrio.set_gdal_config_options({"OGR_SQLITE_CACHE": str(GPKG_CACHE_MB)})
    try:
        pyogrio.write_dataframe(_plain(gdf), path, layer=layer, driver="GPKG",
                                dataset_options=GPKG_OPTIONS)
    finally:
        if own:
            pyogrio.set_gdal_config_options({"OGR_SQLITE_CACHE": None})


def write_bytes(path: Path, data: bytes) -> None:
    """Write a file atomically (temporary file, then rename)."""
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)


def write_text(path: Path, text: str) -> None:
    """Write a UTF-8 text file atomically (temporary file, then rename)."""
    write_bytes(path, text.encode("utf-8"))


#: Text a spreadsheet never runs: a plain number ("-3.5", "+84"), the placeholder "-".
_HARMLESS = re.compile(r"-|[+-]?(\d+([.,]\d*)?|[.,]\d+)([eE][+-]?\d+)?")


def is_formula_like(value: object) -> bool:
    """Whether a cell value is text that a spreadsheet could run as a formula.

    Numbers (and text that is a plain number, such as ``"-3.5"``, or the placeholder ``"-"``)
    are not; any other text starting with one of :data:`FORMULA_PREFIXES` is.
    """
    return (isinstance(value, str) and value.startswith(FORMULA_PREFIXES)
            and _HARMLESS.fullmatch(value) is None)


def neutralise_text(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose formula-like text cells and headers start with an apostrophe.

    The apostrophe is OWASP's recommendation for CSV files: a spreadsheet shows the text and
    never evaluates it. Numbers stay numbers. :func:`ictgis.io.read_output_table` removes
    the apostrophe again when a later step reads the table back. The first character of
    every cell is looked at in one pass over a list, the rest of the check once per distinct
    value (pandas' ``.str`` calls a lambda a cell).
    """
    out = frame.rename(columns=lambda c: f"'{c}" if is_formula_like(c) else c)
    for col in out.columns:
        values = out[col]
        if not (pd.api.types.is_object_dtype(values) or pd.api.types.is_string_dtype(values)):
            continue
        starts = {v for v in values.tolist() if isinstance(v, str) and v.startswith(FORMULA_PREFIXES)}
        formulas = [v for v in starts if is_formula_like(v)]
        if formulas:
            todo = values.isin(formulas)
            out.loc[todo, col] = "'" + values[todo].astype(str)
    return out


#: Significant digits of the numbers in CSV tables (``"%.10g"``).
CSV_DIGITS = 10


def _format_floats(values: np.ndarray) -> np.ndarray:
    """Floats as the text of ``"%.10g" % value`` (:data:`CSV_DIGITS`), NaN as ``""``.

    What pandas' ``float_format`` writes, without its per-value overhead (about four times
    faster). float32 values are written as the float64 they equal, as Python formats them.
    """
    x = np.asarray(values, dtype=np.float64)
    out = np.array(list(map(f"%.{CSV_DIGITS}g".__mod__, x.tolist())), dtype=object)
    out[np.isnan(x)] = ""
    return out


def write_csv(frame: pd.DataFrame, path: Path) -> None:
    """Write a table as UTF-8 CSV with a byte-order mark (Excel opens it with its diacritics).

    Numbers are written with :data:`CSV_DIGITS` significant digits (``"%.10g"``: ``5``,
    ``0.1``, ``1.5e+10``; NaN as an empty cell), formatted by :func:`_format_floats`. Text that
    a spreadsheet could run as a formula gets a leading apostrophe (:func:`neutralise_text`).
    """
    out = neutralise_text(frame.drop(columns="geometry", errors="ignore"))
    for j in range(out.shape[1]):
        values = out.iloc[:, j]
        if isinstance(values.dtype, np.dtype) and values.dtype.kind == "f":
            out.isetitem(j, _format_floats(values.to_numpy()))
    # the byte-order mark written by hand: Python's "utf-8-sig" encoder is called once a row
    with atomic_path(path) as tmp, tmp.open("w", encoding="utf-8", newline="") as handle:
        handle.write("\ufeff")
        out.to_csv(handle, index=False, float_format=f"%.{CSV_DIGITS}g")


def write_tables(
    directory: Path,
    tables: Mapping[str, pd.DataFrame],
    *,
    formats: Sequence[str],
    layers: Mapping[str, gpd.GeoDataFrame] | None = None,
    name: str = "tables",
    headers: Mapping[str, str] | None = None,
    number_formats: Mapping[str, str] | None = None,
    title: str | None = None,
    sheet_names: Mapping[str, str] | None = None,
    readable: Callable[[pd.DataFrame], pd.DataFrame] | None = None,
) -> list[Path]:
    """Write a set of tables (and map layers) in the requested formats into ``directory``.

    Parameters
    ----------
    directory
        An existing folder (usually from :func:`~ictgis.io.staged_dir`).
    tables
        Table name -> table: ``<table>.csv`` each, and one sheet each of ``<name>.xlsx``.
    formats
        Any of :data:`OUTPUT_FORMATS`.
    layers
        Layer name -> GeoDataFrame: layers of ``<name>.gpkg``, or ``<name>_<layer>.geojson``.
    name
        Stem of the workbook and the layer files.
    headers, number_formats, title
        Passed to :func:`write_xlsx`.
    sheet_names
        Table name -> the name of its sheet (a translated name); others keep theirs.
    readable
        Applied to each table of the workbook only (ids a reader should not see, as names);
        the CSVs keep the table as it is, for machines and later steps.

    Returns
    -------
    list of pathlib.Path
        The files written.
    """
    # the writers as ``ictgis.io`` exports them, so that one replaced there (a test simulating
    # a full disk) is the one used
    from ictgis import io

    written: list[Path] = []
    if "csv" in formats:
        for table_name, table in tables.items():
            io.write_csv(table, directory / f"{table_name}.csv")
            written.append(directory / f"{table_name}.csv")
    if "xlsx" in formats:
        names = sheet_names or {}
        shown = readable or (lambda table: table)
        io.write_xlsx({names.get(k, k): shown(v) for k, v in tables.items()},
                      directory / f"{name}.xlsx",
                      headers=headers, formats=number_formats, title=title)
        written.append(directory / f"{name}.xlsx")
    for fmt in ("gpkg", "geojson"):
        if fmt in formats and layers:
            io.write_layers(layers, directory / f"{name}{OUTPUT_FORMATS[fmt]}")
            written += sorted(directory.glob(f"{name}*{OUTPUT_FORMATS[fmt]}"))
    return written


def write_layers(layers: Mapping[str, gpd.GeoDataFrame], path: Path) -> None:
    """Write GeoDataFrames as the layers of one GeoPackage, or as one GeoJSON file each.

    GeoJSON files are reprojected to WGS 84 (RFC 7946) with the official VN-2000 shift and
    named ``<stem>_<layer>.geojson``.
    """
    from ictgis.crs import to_crs

    if not layers:
        return
    if path.suffix == ".geojson":
        for name, gdf in layers.items():
            out = path.with_name(f"{path.stem}_{name}.geojson")
            with atomic_path(out) as tmp:
                pyogrio.write_dataframe(_plain(to_crs(gdf, "EPSG:4326")), tmp, layer=out.stem,
                                        driver="GeoJSON")
    else:
        with atomic_path(path) as tmp:
            for name, gdf in layers.items():
                _write_gpkg(gdf, tmp, name)


def _plain(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Drop private columns and make object columns writable by GDAL."""
    out = gdf.drop(columns=[c for c in gdf.columns if str(c).startswith("_")])
    for col in out.columns:
        if col != out.geometry.name and out[col].dtype == object:
            out[col] = out[col].astype("string")
        if out[col].dtype == bool:
            out[col] = out[col].astype(np.int8)
    return out


def write_xlsx(sheets: Mapping[str, pd.DataFrame], path: Path, *,
               headers: Mapping[str, str] | None = None,
               formats: Mapping[str, str] | None = None, title: str | None = None) -> None:
    """Write tables as the sheets of one XLSX workbook, atomically.

    Parameters
    ----------
    sheets
        Sheet name -> table.
    path
        The workbook to write.
    headers
        Column -> header shown (e.g. Vietnamese with units); other columns keep their names.
    formats
        Column -> Excel number format (``"0.00"``, ``"#,##0"``).
    title
        A line written above each table (e.g. the synthetic-data label).

    Every sheet is laid out to print (:func:`ictgis.io.sheets.print_ready`): bold wrapped
    headers, fitted columns, frozen and filtered header, A4 landscape one page wide with the
    header rows repeated, page header and footer.

    Text that a spreadsheet could run as a formula (:func:`is_formula_like`) is written as a
    string cell with ``quotePrefix`` (openpyxl would otherwise store any ``"=..."`` text as a
    live formula); numbers stay numbers.
    """
    from ictgis.io.sheets import print_ready

    headers = headers or {}
    formats = formats or {}
    start = 2 if title else 0
    with atomic_path(path) as tmp, pd.ExcelWriter(tmp, engine="openpyxl") as writer:
        for name, frame in sheets.items():
            table = frame.drop(columns="geometry", errors="ignore")
            table = table.rename(columns={c: headers.get(c, c) for c in table.columns})
            table.to_excel(writer, sheet_name=name[:31], index=False, startrow=start)
            sheet = writer.sheets[name[:31]]
            if title:
                sheet.cell(row=1, column=1, value=title)
            last = start + 1 + len(table)  # openpyxl's max_row is a scan of every cell
            for j, col in enumerate(frame.drop(columns="geometry", errors="ignore").columns, 1):
                fmt = formats.get(col)
                if fmt:
                    for (cell,) in sheet.iter_rows(min_row=start + 2, max_row=last, min_col=j,
                                                   max_col=j):
                        cell.number_format = fmt
            _text_cells(sheet, table, header_row=start + 1)
            print_ready(sheet, header_row=start + 1, title=title)


def _text_cells(sheet: Any, table: pd.DataFrame, *, header_row: int) -> None:
    """Make every formula-like text cell of an openpyxl sheet a plain string (quotePrefix).

    ``table`` is what was written with its header at ``header_row``: the cells looked at are
    the title above it, the header and the body cells of its columns that can hold text
    (found in the table, one pass over a list a column, not cell by cell in the sheet).
    """
    width = table.shape[1]
    cells = [sheet.cell(row=r, column=c) for r in range(1, header_row)
             for c in range(1, sheet.max_column + 1)]
    cells += [sheet.cell(row=header_row, column=j) for j in range(1, width + 1)]
    for j in range(width):
        values = table.iloc[:, j]
        if pd.api.types.is_numeric_dtype(values.dtype):  # numbers and booleans: no text
            continue
        rows = [i for i, v in enumerate(values.tolist()) if is_formula_like(v)]
        cells += [sheet.cell(row=header_row + 1 + i, column=j + 1) for i in rows]
    for cell in cells:
        if is_formula_like(cell.value):
            cell.data_type = "s"
            cell.quotePrefix = True


def write_workspace_files(directory: Path, files: Mapping[str, pd.DataFrame | str]) -> list[Path]:
    """Write workspace files (text, CSV tables, GeoPackage layers), each atomically.

    Parameters
    ----------
    directory
        The workspace folder.
    files
        Relative path -> content: a string (written as is), a GeoDataFrame for ``.gpkg``
        (written as the layer named after the file's stem) or a table for ``.csv``.
    """
    written = []
    for relative, content in files.items():
        path = directory / relative
        with atomic_path(path) as tmp:
            if isinstance(content, str):
                tmp.write_text(content, encoding="utf-8")
            elif path.suffix == ".gpkg":
                _write_gpkg(content, tmp, path.stem)
            else:
                content.to_csv(tmp, index=False, encoding="utf-8")
        written.append(path)
    return written
