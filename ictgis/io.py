"""The only module that touches files: read layers in any accepted format, write outputs atomically."""

from __future__ import annotations

import codecs
import contextlib
import logging
import os
import shutil
import tempfile
import unicodedata
import warnings
import zipfile
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio

from ictgis.admin import fold, map_unique
from ictgis.config import LayerConfig
from ictgis.errors import DataError, LayerReadError

logger = logging.getLogger(__name__)

#: File endings ictgis reads, and how: "table" (CSV/XLSX point lists) or "vector" (GDAL).
FORMATS: Mapping[str, str] = {
    ".csv": "table", ".txt": "table", ".xlsx": "table",
    ".gpkg": "vector", ".shp": "vector", ".geojson": "vector", ".json": "vector",
    ".kml": "vector", ".kmz": "vector", ".fgb": "vector", ".zip": "vector",
}

#: Column holding where each row came from ("row 7" in a table, "feature 7" in a vector layer).
WHERE = "_where"

#: Output formats of tables and layers, and their file endings.
OUTPUT_FORMATS: Mapping[str, str] = {"csv": ".csv", "xlsx": ".xlsx", "gpkg": ".gpkg",
                                     "geojson": ".geojson"}


def read_layer(cfg: LayerConfig) -> pd.DataFrame:
    """Read a layer file as it is, before field mapping.

    Parameters
    ----------
    cfg
        The layer's configuration (path, layer/sheet, encoding, CRS).

    Returns
    -------
    pandas.DataFrame or geopandas.GeoDataFrame
        Tables (CSV/XLSX) as text columns; vector files as a GeoDataFrame in the file's CRS
        (or ``cfg.crs`` when given, which overrides a missing or wrong ``.prj``). Both carry a
        :data:`WHERE` column that locates each row for messages.

    Raises
    ------
    LayerReadError
        When the file is missing, of an unknown format or unreadable.
    DataError
        When the layer is empty or a vector layer has no CRS and none is configured.
    """
    path = cfg.path
    if not path.exists():
        msg = f"{path}: file not found (set [layers.{cfg.name}] path in ictgis.toml)"
        raise LayerReadError(msg)
    kind = FORMATS.get(path.suffix.lower())
    if kind is None:
        msg = f"{path.name}: unsupported format {path.suffix!r} (use one of {', '.join(FORMATS)})"
        raise LayerReadError(msg)
    frame = _read_table(cfg) if kind == "table" else _read_vector(cfg)
    frame = _nfc(frame)
    if frame.empty:
        msg = "the layer has no rows"
        raise DataError(msg, file=path.name)
    return frame


def _nfc(frame: pd.DataFrame) -> pd.DataFrame:
    """Compose Vietnamese text (NFC): legacy code pages such as cp1258 give combining marks."""
    frame.columns = [unicodedata.normalize("NFC", str(c)) for c in frame.columns]
    for col in frame.columns:
        values = frame[col]
        if col == "geometry" or not (values.dtype == object or pd.api.types.is_string_dtype(values)):
            continue
        text = values.astype("string")
        todo = ~text.str.isascii().fillna(True)
        if todo.any():
            frame.loc[todo, col] = map_unique(
                values.loc[todo], lambda v: unicodedata.normalize("NFC", v) if isinstance(v, str) else v)
    return frame


def _read_table(cfg: LayerConfig) -> pd.DataFrame:
    path = cfg.path
    try:
        if path.suffix.lower() == ".xlsx":
            frame = pd.read_excel(path, sheet_name=cfg.layer or 0, dtype=str, engine="openpyxl")
        else:
            encoding = cfg.encoding or "utf-8-sig"
            frame = pd.read_csv(
                path, dtype=str, keep_default_na=False, sep=_sniff_separator(path, encoding),
                encoding=encoding, skip_blank_lines=False,
            )
    except UnicodeDecodeError as exc:
        msg = (f"{path.name}: text is not {cfg.encoding or 'UTF-8'} ({exc.reason} at byte "
               f"{exc.start}); set [layers.{cfg.name}] encoding, e.g. \"cp1258\"")
        raise LayerReadError(msg) from None
    except (ValueError, OSError, pd.errors.ParserError, zipfile.BadZipFile, KeyError) as exc:
        msg = f"{path.name}: cannot read the table: {exc}"
        raise LayerReadError(msg) from None
    frame.columns = [str(c).strip() for c in frame.columns]
    frame = frame.fillna("").astype(str).apply(lambda col: col.str.strip())
    # spreadsheet row numbers: the header is row 1; blank rows count but are dropped
    frame[WHERE] = [f"row {i}" for i in range(2, 2 + len(frame))]
    blank_rows = (frame.drop(columns=WHERE) == "").all(axis=1)
    return frame.loc[~blank_rows].reset_index(drop=True)


def _sniff_separator(path: Path, encoding: str) -> str:
    """Pick the CSV separator (``,`` ``;`` or tab) that the header line uses most."""
    with path.open(encoding=encoding, errors="replace") as handle:
        header = handle.readline()
    return max((",", ";", "\t"), key=header.count)


def _cpg_encoding(path: Path) -> str | None:
    """The Python codec named by a Shapefile's ``.cpg`` (``1258``, ``CP1258``, ``UTF-8``...)."""
    cpg = path.with_suffix(".cpg")
    if path.suffix.lower() not in {".shp", ".dbf"} or not cpg.is_file():
        return None
    name = cpg.read_text(encoding="ascii", errors="ignore").strip().lower()
    name = f"cp{name}" if name.isdigit() else name.removeprefix("ansi ")
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def _transcode(gdf: gpd.GeoDataFrame, cfg: LayerConfig, encoding: str) -> gpd.GeoDataFrame:
    """Decode text read as latin-1 with the layer's legacy encoding."""

    def _decode(value: object) -> object:
        if not isinstance(value, str):
            return value
        try:
            return value.encode("latin-1").decode(encoding)
        except UnicodeError as exc:
            msg = (f"{cfg.path.name}: text is not {encoding} ({exc}); "
                   f"check [layers.{cfg.name}] encoding")
            raise LayerReadError(msg) from None

    gdf.columns = [_decode(c) if c != "geometry" else c for c in gdf.columns]
    for col in gdf.columns:
        if col != "geometry" and (gdf[col].dtype == object or pd.api.types.is_string_dtype(gdf[col])):
            gdf[col] = gdf[col].map(_decode)
    return gdf


def _read_vector(cfg: LayerConfig) -> gpd.GeoDataFrame:
    path = cfg.path
    source = f"/vsizip/{path}" if path.suffix.lower() == ".zip" else str(path)
    encoding = cfg.encoding or _cpg_encoding(path)
    legacy = encoding is not None and codecs.lookup(encoding).name != "utf-8"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            # GDAL's iconv recoding drops the last character of every cp1258 string, so legacy
            # text is read byte for byte (latin-1) and decoded by Python's codec.
            gdf = pyogrio.read_dataframe(source, layer=cfg.layer,
                                         encoding="ISO-8859-1" if legacy else None)
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError) as exc:
        msg = f"{path.name}: cannot read the layer: {exc}"
        raise LayerReadError(msg) from None
    if legacy:
        gdf = _transcode(gdf, cfg, encoding)
    if cfg.crs is not None:
        if gdf.crs is not None and not gdf.crs.equals(cfg.crs):
            logger.info("%s: using the configured CRS %s instead of the file's %s",
                        path.name, cfg.crs, gdf.crs.name)
        gdf = gdf.set_crs(cfg.crs, allow_override=True)
    elif gdf.crs is None and not gdf.empty:
        msg = (f"the layer has no CRS (no .prj?); set [layers.{cfg.name}] crs in ictgis.toml, "
               "e.g. \"EPSG:9210\" for VN-2000 / TM-3 105-45")
        raise DataError(msg, file=path.name)
    gdf[WHERE] = [f"feature {i}" for i in range(1, len(gdf) + 1)]
    return gdf


def map_fields(frame: pd.DataFrame, cfg: LayerConfig) -> pd.DataFrame:
    """Rename the configured source columns to ictgis's canonical names.

    Columns are found by exact name first, then ignoring case and diacritics. Unmapped
    columns are kept under their own names.

    Raises
    ------
    DataError
        When a configured column is not in the file; the message lists the columns there are.
    """
    columns = [c for c in frame.columns if c not in (WHERE, "geometry")]
    folded: dict[str, list[str]] = {}
    for col in columns:
        folded.setdefault(fold(col), []).append(col)
    rename: dict[str, str] = {}
    for canonical, source in cfg.fields.items():
        if source in frame.columns:
            rename[source] = canonical
            continue
        candidates = folded.get(fold(source), [])
        if len(candidates) == 1:
            rename[candidates[0]] = canonical
            continue
        msg = (f"column {source!r} (for {canonical}, [layers.{cfg.name}.fields]) is not in the "
               f"file; its columns are: {', '.join(columns)}")
        raise DataError(msg, file=cfg.label)
    keep = [c for c in frame.columns if c not in rename.values() or c in rename]
    return frame[keep].rename(columns=rename)


# --------------------------------------------------------------------------------- outputs


@contextlib.contextmanager
def staged_dir(target: Path) -> Iterator[Path]:
    """Write a folder of outputs atomically.

    Yields a temporary folder beside ``target``; when the block ends without error it replaces
    ``target`` as a whole. On error the temporary folder is removed and ``target`` is left as
    it was.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-", dir=target.parent))
    umask = os.umask(0)
    os.umask(umask)
    tmp.chmod(0o777 & ~umask)  # mkdtemp makes it private; outputs are shared like any folder
    try:
        yield tmp
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    old = target.with_name(f".{target.name}.old-{os.getpid()}")
    if target.exists():
        target.rename(old)
    tmp.rename(target)
    shutil.rmtree(old, ignore_errors=True)


@contextlib.contextmanager
def staged_copy(target: Path) -> Iterator[Path]:
    """Update a folder as a whole: work in a copy, swap it in only when everything succeeded.

    Yields a temporary folder beside ``target`` that starts as a copy of it (hard links, so
    it costs no space and earlier results stay readable); when the block ends without error
    the copy replaces ``target``. On error the copy is removed and ``target`` is untouched.
    """
    target = Path(target)
    with staged_dir(target) as tmp:
        if target.is_dir():
            shutil.copytree(target, tmp, dirs_exist_ok=True, copy_function=_link_or_copy,
                            ignore=shutil.ignore_patterns(".*.tmp-*", ".*.old-*"))
        yield tmp


def _link_or_copy(source: str, destination: str) -> None:
    try:
        os.link(source, destination)
    except OSError:
        shutil.copy2(source, destination)


def write_text(path: Path, text: str) -> None:
    """Write a UTF-8 text file atomically (temporary file, then rename)."""
    write_bytes(path, text.encode("utf-8"))


def write_csv(frame: pd.DataFrame, path: Path) -> None:
    """Write a table as UTF-8 CSV with a byte-order mark (Excel opens it with its diacritics)."""
    out = frame.drop(columns="geometry", errors="ignore")
    out.to_csv(path, index=False, encoding="utf-8-sig", float_format="%.10g")


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
) -> list[Path]:
    """Write a set of tables (and map layers) in the requested formats into ``directory``.

    Parameters
    ----------
    directory
        An existing folder (usually from :func:`staged_dir`).
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

    Returns
    -------
    list of pathlib.Path
        The files written.
    """
    written: list[Path] = []
    if "csv" in formats:
        for table_name, table in tables.items():
            write_csv(table, directory / f"{table_name}.csv")
            written.append(directory / f"{table_name}.csv")
    if "xlsx" in formats:
        write_xlsx(tables, directory / f"{name}.xlsx", headers=headers,
                   formats=number_formats, title=title)
        written.append(directory / f"{name}.xlsx")
    for fmt in ("gpkg", "geojson"):
        if fmt in formats and layers:
            write_layers(layers, directory / f"{name}{OUTPUT_FORMATS[fmt]}")
            written += sorted(directory.glob(f"{name}*{OUTPUT_FORMATS[fmt]}"))
    return written


def write_layers(layers: Mapping[str, gpd.GeoDataFrame], path: Path) -> None:
    """Write GeoDataFrames as the layers of one GeoPackage, or as one GeoJSON file each.

    GeoJSON files are reprojected to WGS 84 (RFC 7946) with the official VN-2000 shift and
    named ``<stem>_<layer>.geojson``.
    """
    from ictgis.crs import to_crs

    for name, gdf in layers.items():
        if path.suffix == ".geojson":
            out = path.with_name(f"{path.stem}_{name}.geojson")
            pyogrio.write_dataframe(_plain(to_crs(gdf, "EPSG:4326")), out, driver="GeoJSON")
        else:
            pyogrio.write_dataframe(_plain(gdf), path, layer=name, driver="GPKG")


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
    """
    from openpyxl.utils import get_column_letter

    headers = headers or {}
    formats = formats or {}
    start = 2 if title else 0
    tmp = path.with_name(f".{path.stem}.tmp-{os.getpid()}{path.suffix}")  # atomic, as all writes
    with pd.ExcelWriter(tmp, engine="openpyxl") as writer:
        for name, frame in sheets.items():
            table = frame.drop(columns="geometry", errors="ignore")
            table = table.rename(columns={c: headers.get(c, c) for c in table.columns})
            table.to_excel(writer, sheet_name=name[:31], index=False, startrow=start)
            sheet = writer.sheets[name[:31]]
            if title:
                sheet.cell(row=1, column=1, value=title)
            sheet.freeze_panes = sheet.cell(row=start + 2, column=1)
            for j, col in enumerate(frame.drop(columns="geometry", errors="ignore").columns, 1):
                letter = get_column_letter(j)
                sheet.column_dimensions[letter].width = max(10, min(40, len(headers.get(col, col)) + 2))
                fmt = formats.get(col)
                if fmt:
                    for (cell,) in sheet.iter_rows(min_row=start + 2, min_col=j, max_col=j):
                        cell.number_format = fmt
    tmp.replace(path)


# ------------------------------------------------------------------------ parsing text cells

_DMS = (
    r"^\s*(?P<h1>[NSEWnsew])?\s*(?P<deg>[-+]?\d+(?:[.,]\d+)?)\s*(?:°|º|˚|d|:|\s)?\s*"
    r"(?:(?P<min>\d+(?:[.,]\d+)?)\s*(?:'|′|’|m|:|\s)?\s*)?"
    r"(?:(?P<sec>\d+(?:[.,]\d+)?)\s*(?:\"|″|''|”|s)?\s*)?(?P<h2>[NSEWnsew])?\s*$"
)


def parse_coordinate(values: pd.Series) -> pd.Series:
    """Parse longitudes or latitudes written as decimals or as degrees-minutes-seconds.

    Accepts ``106.3601``, ``106,3601``, ``106°21'36.5"E``, ``10 21 36.5 N``, ``N10°21.608'``;
    a hemisphere letter S or W makes the value negative.

    Returns
    -------
    pandas.Series
        Floats, NaN where a cell is not a coordinate.
    """
    text = values.astype("string").str.strip()
    decimal = pd.to_numeric(text.str.replace(",", ".", regex=False), errors="coerce")
    parts = text.str.extract(_DMS)
    num = {k: pd.to_numeric(parts[k].str.replace(",", ".", regex=False), errors="coerce")
           for k in ("deg", "min", "sec")}
    minutes, seconds = num["min"].fillna(0), num["sec"].fillna(0)
    valid = num["deg"].notna() & (minutes < 60) & (seconds < 60)
    dms = num["deg"].abs() + minutes / 60 + seconds / 3600
    hemi = parts["h1"].fillna(parts["h2"]).str.upper()
    negative = hemi.isin(["S", "W"]) | text.str.startswith("-")
    dms = dms.where(~negative, -dms).where(valid)
    return decimal.fillna(dms).astype(float)


_THOUSANDS = r"^[-+]?\d{1,3}(?:([.,\s])\d{3})(?:\1\d{3})*$"


def parse_number(values: pd.Series, *, integer: bool = False) -> pd.Series:
    """Parse numbers from text cells, accepting Vietnamese and English separators.

    ``1.234.567`` and ``1,234,567`` and ``1 234 567`` are thousands separators; ``12,5`` is a
    decimal comma. With ``integer=True`` a single group like ``12.345`` is read as 12345
    (a count cannot be fractional).

    Returns
    -------
    pandas.Series
        Floats, NaN where a cell is empty or not a number.
    """
    text = values.astype("string").str.strip().str.replace("\u00a0", " ", regex=False)
    plain = pd.to_numeric(text, errors="coerce").astype(float)
    # a plain parse is right except for "12.345" as a count (thousands, not a fraction)
    redo = (plain.isna() & text.notna() & (text != "")).to_numpy()
    if integer:
        redo |= text.str.fullmatch(r"[-+]?\d{1,3}\.\d{3}").fillna(False).to_numpy(bool)
    if redo.any():
        plain.loc[redo] = _parse_separated(text.loc[redo], integer=integer)
    return plain


def _parse_separated(text: pd.Series, *, integer: bool) -> pd.Series:
    """Numbers written with thousands separators or a decimal comma."""
    grouped = text.str.fullmatch(_THOUSANDS).fillna(False)
    multi = text.str.count(r"[.,\s]") > 1
    spaced = text.str.fullmatch(r"[-+]?\d{1,3}(?:\s\d{3})+").fillna(False)
    thousands = (grouped & (multi | integer)) | spaced
    cleaned = text.where(~thousands, text.str.replace(r"[.,\s]", "", regex=True))
    cleaned = cleaned.where(thousands, cleaned.str.replace(",", ".", regex=False))
    # both separators: the last one is the decimal mark ("1.234,5" and "1,234.5")
    both = text.str.fullmatch(r"[-+]?\d{1,3}(?:([.,\s])\d{3})*[.,]\d+").fillna(False) & (
        text.str.contains(",", regex=False)
        & (text.str.contains(".", regex=False) | text.str.contains(" ", regex=False)))
    decimal_comma = text.str.rfind(",") > text.str.rfind(".")
    mixed = text.where(decimal_comma, text.str.replace(",", "", regex=False))
    mixed = mixed.where(~decimal_comma, mixed.str.replace(".", "", regex=False)
                        .str.replace(",", ".", regex=False))
    cleaned = cleaned.where(~both, mixed.str.replace(" ", "", regex=False))
    return pd.to_numeric(cleaned, errors="coerce").astype(float)


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
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".tmp-{os.getpid()}-{path.name}")
        if isinstance(content, str):
            tmp.write_text(content, encoding="utf-8")
        elif path.suffix == ".gpkg":
            pyogrio.write_dataframe(_plain(content), tmp, layer=path.stem, driver="GPKG")
        else:
            content.to_csv(tmp, index=False, encoding="utf-8")
        tmp.replace(path)
        written.append(path)
    return written


def write_raster(path: Path, array: np.ndarray, *, transform: object, crs: object,
                 nodata: float | int, tags: Mapping[str, object] | None = None,
                 overviews: Sequence[int] = (2, 4, 8, 16)) -> Path:
    """Write one band as a tiled, ZSTD-compressed GeoTIFF with nodata, overviews and tags.

    Parameters
    ----------
    path
        The file to write.
    array
        The band (float32 levels or uint8 classes).
    transform, crs
        Georeferencing (an :class:`affine.Affine` and a CRS).
    nodata
        The nodata value, recorded in the file.
    tags
        Metadata written as GDAL tags (model parameters, units, the synthetic label).
    overviews
        Overview factors (averaged for floats, nearest for classes).
    """
    import rasterio
    from rasterio.enums import Resampling

    floating = np.issubdtype(array.dtype, np.floating)
    profile = {
        "driver": "GTiff", "width": array.shape[1], "height": array.shape[0], "count": 1,
        "dtype": array.dtype.name, "crs": crs, "transform": transform, "nodata": nodata,
        "tiled": True, "blockxsize": 256, "blockysize": 256, "compress": "zstd",
        # measured on the demo layers: the float predictor makes them larger and 4x slower
        "predictor": 1 if floating else 2, "zstd_level": 3, "BIGTIFF": "IF_SAFER",
    }
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(array, 1)
        if tags:
            dst.update_tags(**{k: str(v) for k, v in tags.items()})
        factors = [f for f in overviews if min(array.shape) // f >= 1]
        if factors:
            dst.build_overviews(factors, Resampling.average if floating else Resampling.nearest)
            dst.update_tags(ns="rio_overview", resampling="average" if floating else "nearest")
    return path


def read_raster(path: Path) -> tuple[np.ndarray, object, object]:
    """Read band 1 of a raster: (array, transform, crs)."""
    import rasterio

    if not path.exists():
        msg = f"{path}: file not found"
        raise LayerReadError(msg)
    try:
        with rasterio.open(path) as src:
            return src.read(1, masked=False), src.transform, src.crs
    except rasterio.errors.RasterioIOError as exc:
        msg = f"{path.name}: cannot read the raster: {exc}"
        raise LayerReadError(msg) from None


def read_raster_on_grid(path: Path, transform: object, width: int, height: int,
                        crs: object, *, resampling: str = "sum") -> np.ndarray:
    """Read a raster resampled to a grid (float64).

    ``resampling="sum"`` keeps totals (counts such as population); ``"nearest"`` keeps
    class values (land cover).
    """
    import rasterio
    from rasterio.warp import Resampling, reproject

    source, src_transform, src_crs = read_raster(path)
    with rasterio.open(path) as src:
        nodata = src.nodata
    values = source.astype(np.float64)
    if nodata is not None:
        values[source == nodata] = 0.0
    out = np.zeros((height, width), dtype=np.float64)
    reproject(values, out, src_transform=src_transform, src_crs=src_crs,
              dst_transform=transform, dst_crs=crs, resampling=Resampling[resampling],
              src_nodata=None, dst_nodata=0.0)
    return out


def sha256(path: Path) -> str:
    """SHA-256 of a file's bytes."""
    import hashlib

    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def package_versions() -> dict[str, str]:
    """Versions of ictgis and the libraries its results depend on."""
    from importlib.metadata import PackageNotFoundError, version

    out = {}
    for name in ("ictgis", "geopandas", "shapely", "pyproj", "pyogrio", "rasterio", "numpy",
                 "pandas", "scipy", "folium"):
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = "not installed"
    out["gdal"] = pyogrio.__gdal_version_string__
    import pyproj

    out["proj"] = pyproj.proj_version_str
    return out


def read_output_layer(path: Path, layer: str) -> gpd.GeoDataFrame | None:
    """Read one layer of an earlier step's GeoPackage (``OUT/stats/stats.gpkg``...).

    Returns None when the file or the layer does not exist (the step has not run).

    Raises
    ------
    LayerReadError
        When the file exists but cannot be read.
    """
    path = Path(path)
    if not path.is_file():
        return None
    try:
        if layer not in {name for name, _ in pyogrio.list_layers(path)}:
            return None
        return pyogrio.read_dataframe(path, layer=layer)
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError, OSError) as exc:
        msg = f"{path.name}: cannot read layer {layer!r}: {exc}"
        raise LayerReadError(msg) from None


def write_bytes(path: Path, data: bytes) -> None:
    """Write a file atomically (temporary file, then rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    tmp.write_bytes(data)
    tmp.replace(path)


def read_output_table(path: Path) -> pd.DataFrame | None:
    """A CSV table an earlier step wrote, or None when it does not exist."""
    return pd.read_csv(path, encoding="utf-8-sig") if Path(path).is_file() else None


def read_output_tables(outputs: Path) -> dict[str, dict[str, pd.DataFrame]]:
    """The tables earlier steps wrote, as far as they exist.

    Returns
    -------
    dict
        ``{"stats": {level: table}, "coverage": {level: table}, "siting": {level or "rules":
        table}}`` for the levels province, zone, region and district.
    """
    levels = ("province", "zone", "region", "district")
    names = {"stats": {lvl: f"stats/{lvl}.csv" for lvl in levels},
             "coverage": {lvl: f"coverage/{lvl}.csv" for lvl in levels},
             "siting": {**{lvl: f"siting/summary_compliance_{lvl}.csv" for lvl in levels},
                        "rules": "siting/summary_rules.csv"}}
    found = {}
    for step, files in names.items():
        tables = {key: read_output_table(outputs / name) for key, name in files.items()}
        tables = {key: table for key, table in tables.items() if table is not None}
        if tables:
            found[step] = tables
    return found


def read_files(folder: Path, pattern: str) -> list[tuple[str, bytes]]:
    """(stem, bytes) of the files of ``folder`` matching ``pattern``, sorted by name."""
    folder = Path(folder)
    if not folder.is_dir():
        return []
    return [(p.stem, p.read_bytes()) for p in sorted(folder.glob(pattern))]
