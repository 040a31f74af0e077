"""Read layers in any accepted format (tables, vector files, legacy encodings); map their fields."""

from __future__ import annotations

import codecs
import csv
import gzip
import logging
import unicodedata
import warnings
import zipfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import pyogrio

from ictgis.config import LayerConfig
from ictgis.errors import DataError, LayerReadError
from ictgis.i18n import t
from ictgis.io.formats import FORMATS, FORMULA_PREFIXES, GZIP_FORMATS, WHERE
from ictgis.text import fold, nfc
from ictgis.text_encodings import CANDIDATES, guess_encoding, vietnamese_share

logger = logging.getLogger(__name__)


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
        :data:`WHERE` column that locates each row for messages: ``row N`` as a spreadsheet
        numbers it (the header is row 1, so the first data row is row 2; title rows above the
        header count), ``feature N`` with the feature id QGIS shows (GDAL's FID: a
        GeoPackage's ``fid``, from 1; a Shapefile's record, GeoJSON and FlatGeobuf from 0).

    Raises
    ------
    LayerReadError
        When the file is missing, of an unknown format or unreadable.
    DataError
        When the layer is empty or a vector layer has no CRS and none is configured.
    """
    path = cfg.path
    if not path.exists():
        msg = t("errors.io.layer_not_found", path=path, layer=cfg.name)
        raise LayerReadError(msg)
    if cfg.encoding is not None:
        try:
            codecs.lookup(cfg.encoding)
        except LookupError:
            msg = t("errors.io.unknown_encoding", encoding=cfg.encoding, layer=cfg.name,
                    known=", ".join(CANDIDATES))
            raise LayerReadError(msg) from None
    suffix = format_suffix(path)
    kind = FORMATS.get(suffix)
    if kind is None or (is_gzip(path) and suffix not in GZIP_FORMATS):
        shown = "".join(path.suffixes[-2:]) if is_gzip(path) else path.suffix
        msg = t("errors.io.unsupported", name=path.name, suffix=shown,
                formats=", ".join([*FORMATS, *(f"{s}.gz" for s in sorted(GZIP_FORMATS))]))
        raise LayerReadError(msg)
    frame = _nfc(_read_table(cfg), cells=False) if kind == "table" else _nfc(_read_vector(cfg))
    if frame.empty:
        msg = t("errors.io.no_rows")
        raise DataError(msg, file=path.name)
    return frame


def is_gzip(path: Path) -> bool:
    """Whether a layer file is gzip-compressed (``bts.csv.gz``)."""
    return path.suffix.lower() == ".gz"


def format_suffix(path: Path) -> str:
    """The ending that says a layer file's format: ``.csv`` for ``bts.csv`` and ``bts.csv.gz``."""
    return (path.with_suffix("") if is_gzip(path) else path).suffix.lower()


def _nfc(frame: pd.DataFrame, *, cells: bool = True) -> pd.DataFrame:
    """Compose Vietnamese text (NFC): legacy code pages such as cp1258 give combining marks.

    The column names always; the text cells with ``cells`` (:func:`_composed`; a table's are
    composed as they are read, by :func:`_tidy`).
    """
    frame.columns = [nfc(str(c)) for c in frame.columns]
    for j in range(frame.shape[1]) if cells else ():
        values = frame.iloc[:, j]
        if frame.columns[j] == "geometry" or not (
                values.dtype == object or pd.api.types.is_string_dtype(values)):
            continue
        text = values.tolist()
        composed = _composed(text)
        if composed is not text:
            frame.isetitem(j, pd.Series(composed, index=values.index, dtype=values.dtype))
    return frame


def _composed(text: list[Any]) -> list[Any]:
    """The text cells of a column composed (NFC), once per distinct non-ASCII cell.

    ``text`` itself when none changes; cells that are not text (None, NaN) stay as they are.
    """
    try:
        plain = "".join(text).isascii()
    except TypeError:  # a vector layer's column may hold None or NaN
        plain = "".join(v for v in text if isinstance(v, str)).isascii()
    if plain:
        return text
    composed = {v: unicodedata.normalize("NFC", v) for v in
                {v for v in text if isinstance(v, str) and not v.isascii()}}
    out = [composed.get(v, v) if isinstance(v, str) else v for v in text]
    return text if out == text else out


#: How many rows a table may have above its header (a title, a date, blank lines).
TITLE_ROWS = 20


def _read_table(cfg: LayerConfig) -> pd.DataFrame:
    """Read a CSV or XLSX table as text; rows above the header (a title) are skipped.

    The header is the first row; when it lacks a configured column, the header is the first
    of the first :data:`TITLE_ROWS` rows that has them all (a sheet with a title above its
    table). Rows keep their spreadsheet numbers (:data:`WHERE`) either way.
    """
    path = cfg.path
    try:
        try:
            frame, skip = _read_text_table(cfg, 0)
            found = _has_fields(frame.columns, cfg)
        except pd.errors.ParserError:  # a title line with fewer fields than the table
            frame, skip, found = None, 0, False
        if not found:
            skip = _header_offset(cfg)
            if skip or frame is None:
                frame, skip = _read_text_table(cfg, skip)
    except UnicodeDecodeError as exc:
        guess = None if cfg.encoding else guess_encoding(_raw_lines(path))
        msg = t("errors.io.not_encoding", name=path.name, encoding=cfg.encoding or "UTF-8",
                reason=exc.reason, start=exc.start, layer=cfg.name,
                suggestion=guess.encoding if guess else FALLBACK_ENCODING)
        raise LayerReadError(msg) from None
    except (ValueError, OSError, EOFError, pd.errors.ParserError, zipfile.BadZipFile,
            KeyError) as exc:  # EOFError: a truncated .gz
        msg = t("errors.io.table_unreadable", name=path.name, error=exc)
        raise LayerReadError(msg) from None
    frame.columns = [str(c).strip() for c in frame.columns]
    blank: Sequence[int] = range(len(frame))  # rows whose cells are all empty so far
    for j in range(frame.shape[1]):  # on lists: pandas' .str calls a lambda a cell
        values = frame.iloc[:, j]
        text = values.tolist()
        tidy = _tidy(text)
        if tidy is not text:
            frame.isetitem(j, pd.Series(tidy, index=values.index, dtype=values.dtype))
        blank = [i for i in blank if not tidy[i]]
    # spreadsheet row numbers: the header is row 1 (below any title rows); blank rows count but
    # are dropped. Locators are data, not display text ("row 7"); validate.where_text shows
    # them in the language
    first = skip + 2
    frame[WHERE] = [f"row {i}" for i in range(first, first + len(frame))]
    return frame.drop(index=blank).reset_index(drop=True) if blank else frame


def _tidy(text: list[str]) -> list[str]:
    """Cells stripped of white space around them and composed; ``text`` if none changes."""
    tidy = _composed([v.strip() for v in text])
    return text if tidy == text else tidy


def _read_text_table(cfg: LayerConfig, skip: int) -> tuple[pd.DataFrame, int]:
    """The table below ``skip`` rows, every cell as text (an empty cell as ``""``), and ``skip``."""
    path = cfg.path
    if format_suffix(path) == ".xlsx":
        frame = pd.read_excel(path, sheet_name=cfg.layer or 0, dtype=str, engine="openpyxl",
                              skiprows=skip).fillna("").astype(str)
    else:  # without na_filter, a missing or empty field is "" (and no cell is looked at twice)
        encoding = cfg.encoding or "utf-8-sig"
        lines = _first_lines(path, encoding, skip + 1)
        frame = pd.read_csv(
            path, dtype=str, na_filter=False, sep=_separator(lines[skip] if skip < len(
                lines) else ""), encoding=encoding, skip_blank_lines=False, skiprows=skip,
        )
    return frame, skip


def _has_fields(columns: Iterable[object], cfg: LayerConfig) -> bool:
    """Whether a header row holds every configured column (ignoring case and diacritics)."""
    present = {fold(str(c).strip()) for c in columns if c is not None}
    return all(fold(source) in present for source in cfg.fields.values())


def _header_offset(cfg: LayerConfig) -> int:
    """How many rows are above the header.

    The header is the first row with every configured column; 0 when none of the first
    :data:`TITLE_ROWS` rows has them (the error then lists the columns of the first row).
    """
    path = cfg.path
    if format_suffix(path) == ".xlsx":
        top = pd.read_excel(path, sheet_name=cfg.layer or 0, dtype=str, engine="openpyxl",
                            header=None, nrows=TITLE_ROWS)
        rows = [[c for c in row if isinstance(c, str)] for row in top.itertuples(index=False)]
    else:
        lines = _first_lines(path, cfg.encoding or "utf-8-sig", TITLE_ROWS)
        rows = [next(csv.reader([line], delimiter=_separator(line)), []) for line in lines]
    return next((i for i, row in enumerate(rows) if cfg.fields and _has_fields(row, cfg)), 0)


def _first_lines(path: Path, encoding: str, n: int) -> list[str]:
    """The first ``n`` lines of a (possibly gzipped) text file."""
    opener = gzip.open if is_gzip(path) else open
    with opener(path, "rt", encoding=encoding, errors="replace", newline="") as handle:
        return [line.rstrip("\r\n") for _, line in zip(range(n), handle, strict=False)]


#: How much of a text file the encoding is guessed from (bytes).
GUESS_BYTES = 1 << 18

#: The encoding suggested when none reads as Vietnamese: older Vietnamese files are mostly
#: Windows-1258.
FALLBACK_ENCODING = "cp1258"


def _raw_lines(path: Path) -> list[bytes]:
    """The lines of the first :data:`GUESS_BYTES` of a (possibly gzipped) text file, undecoded."""
    opener = gzip.open if is_gzip(path) else open
    with opener(path, "rb") as handle:
        return handle.read(GUESS_BYTES).splitlines()


def _separator(header: str) -> str:
    """The CSV separator (``,`` ``;`` or tab) that a header line uses most."""
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


def _without_cpg(path: Path) -> bool:
    """Whether a layer is a Shapefile (or its DBF) with no ``.cpg`` beside it."""
    return path.suffix.lower() in {".shp", ".dbf"} and not any(
        p.suffix.lower() == ".cpg" for p in layer_files(path))


def _undeclared_dbf(path: Path) -> bool:
    """Whether a Shapefile's DBF says nothing of its text's encoding.

    No .cpg and no code page byte: GDAL then reads the text as Latin-1, which no Vietnamese
    file is.
    """
    if not _without_cpg(path):
        return False
    dbf = next((p for p in layer_files(path) if p.suffix.lower() == ".dbf"), None)
    if dbf is None:
        return False
    with dbf.open("rb") as handle:
        header = handle.read(32)
    return len(header) < 30 or header[29] == 0


def _transcode(gdf: gpd.GeoDataFrame, cfg: LayerConfig, encoding: str, *,
               undeclared: bool = False) -> gpd.GeoDataFrame:
    """Decode text read as latin-1 with the layer's legacy encoding.

    ``undeclared``: the file does not say its encoding and UTF-8 is tried; text that is not
    UTF-8 stops with a message asking for the encoding, naming the one in which the text
    reads as Vietnamese (:func:`ictgis.text_encodings.guess_encoding`; Windows-1258 when none
    does).
    """
    as_read = gdf.drop(columns="geometry") if undeclared else gdf  # to guess the encoding

    def _decode(value: object) -> object:
        if not isinstance(value, str):
            return value
        try:
            return value.encode("latin-1").decode(encoding)
        except UnicodeError as exc:
            if undeclared:
                guess = guess_encoding(_raw_texts(as_read))
                likely = guess.encoding if guess else FALLBACK_ENCODING
                shown = value.encode("latin-1").decode(likely, errors="replace")
                msg = t("errors.io.no_cpg", name=cfg.path.name, text=_visible(nfc(shown))[:40],
                        layer=cfg.name, encoding=likely)
            else:
                msg = t("errors.io.not_legacy_encoding", name=cfg.path.name,
                        encoding=encoding, error=exc, layer=cfg.name)
            raise LayerReadError(msg) from None

    gdf.columns = [_decode(c) if c != "geometry" else c for c in gdf.columns]
    for col in gdf.columns:
        if col != "geometry" and (gdf[col].dtype == object or pd.api.types.is_string_dtype(gdf[col])):
            gdf[col] = gdf[col].map(_decode)
    return gdf


#: How many distinct text values of a layer tell its encoding.
GUESS_VALUES = 2000

#: Below this share of Vietnamese words (among those beyond ASCII), the text of a layer whose
#: file does not say its encoding may be read in the wrong one ...
MIN_VIETNAMESE_SHARE = 0.9

#: ... and is, when another encoding reads this much more of it as Vietnamese.
GUESS_MARGIN = 0.2


def _texts(gdf: pd.DataFrame) -> list[str]:
    """Distinct text values beyond ASCII of a layer, and its column names (up to a limit)."""
    values = dict.fromkeys(c for c in gdf.columns if isinstance(c, str) and not c.isascii())
    for col in gdf.columns:
        column = gdf[col]
        if len(values) >= GUESS_VALUES or col == "geometry" or not (
                column.dtype == object or pd.api.types.is_string_dtype(column)):
            continue
        values.update(dict.fromkeys(v for v in pd.unique(column.dropna())
                                    if isinstance(v, str) and not v.isascii()))
    return list(values)[:GUESS_VALUES]


def _raw_texts(gdf: pd.DataFrame) -> list[bytes]:
    """The bytes of a layer's text values, read byte for byte (as Latin-1)."""
    return [v.encode("latin-1") for v in _texts(gdf)]


def _visible(text: object) -> str:
    r"""``text`` with its invisible characters written as ``\xNN`` or ``\uNNNN`` escapes.

    Garbled text may hold a soft hyphen, which a message would not show.
    """
    return "".join(c if c.isprintable() else f"\\x{ord(c):02x}" if ord(c) < 256
                   else f"\\u{ord(c):04x}" for c in str(text))


def _garbled(text: str) -> bool:
    """Whether a text has a word beyond ASCII that is not Vietnamese."""
    share = vietnamese_share([text])
    return share is not None and share < 1


def _check_header_code_page(gdf: gpd.GeoDataFrame, cfg: LayerConfig, source: str,
                            layer: str | None) -> None:
    """Stop when a DBF decoded by the code page of its header is not Vietnamese text.

    A DBF without ``.cpg`` whose header names a code page (Windows-1252, DOS...) is decoded
    in it by GDAL; when that gives words that are not Vietnamese and another encoding
    (:data:`ictgis.text_encodings.CANDIDATES`) gives Vietnamese, the message names it.
    """
    texts = _texts(gdf)
    share = vietnamese_share(texts)
    if share is None or share >= MIN_VIETNAMESE_SHARE:
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        raw = pyogrio.read_dataframe(source, layer=layer, read_geometry=False,
                                     encoding="ISO-8859-1")
    guess = guess_encoding(_raw_texts(raw))
    if guess is None or guess.share < share + GUESS_MARGIN:
        return
    # the first value that is not Vietnamese as read, and the same value in the guess
    pairs = ((shown, value) for col, raw_col in zip(gdf.columns.drop("geometry"), raw.columns,
                                                    strict=False)
             for shown, value in zip(gdf[col], raw[raw_col], strict=True))
    bad, example = next(((shown, value.encode("latin-1").decode(guess.encoding, errors="replace"))
                         for shown, value in pairs if isinstance(shown, str)
                         and isinstance(value, str) and _garbled(shown)),
                        (texts[0], guess.example))
    msg = t("errors.io.encoding_guess", name=cfg.path.name, text=_visible(bad)[:40],
            encoding=guess.encoding, example=_visible(nfc(example))[:40], layer=cfg.name)
    raise LayerReadError(msg)


#: Tables QGIS adds to a GeoPackage it styled: never a layer to read.
QGIS_TABLES = frozenset({"layer_styles", "qgis_projects"})


def _data_layer(source: str) -> str | None:
    """The first layer with geometry that is not QGIS's own table (None: the first layer)."""
    try:
        layers = pyogrio.list_layers(source)
    except (pyogrio.errors.DataSourceError, OSError):
        return None
    spatial = [str(name) for name, geometry in layers
               if geometry is not None and name not in QGIS_TABLES]
    return spatial[0] if spatial and len(layers) > 1 else None


def _read_vector(cfg: LayerConfig) -> gpd.GeoDataFrame:
    path = cfg.path
    prefix = {".zip": "/vsizip/", ".gz": "/vsigzip/"}.get(path.suffix.lower(), "")
    source = f"{prefix}{path}"
    encoding = cfg.encoding or _cpg_encoding(path)
    undeclared = encoding is None and _undeclared_dbf(path)
    header_code_page = encoding is None and not undeclared and _without_cpg(path)
    if undeclared:  # GDAL would take the bytes for Latin-1: garbled names, silently
        encoding = "utf-8"
    legacy = encoding if encoding is not None and (
        undeclared or codecs.lookup(encoding).name != "utf-8") else None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            # GDAL's iconv recoding drops the last character of every cp1258 string, so legacy
            # text is read byte for byte (latin-1) and decoded by Python's codec.
            layer = cfg.layer or _data_layer(source)
            gdf = pyogrio.read_dataframe(source, layer=layer, fid_as_index=True,
                                         encoding="ISO-8859-1" if legacy else None)
        if header_code_page:
            _check_header_code_page(gdf, cfg, source, layer)
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError) as exc:
        msg = t("errors.io.layer_unreadable", name=path.name, error=exc)
        raise LayerReadError(msg) from None
    if legacy:
        gdf = _transcode(gdf, cfg, legacy, undeclared=undeclared)
    if cfg.crs is not None:
        if gdf.crs is not None and not gdf.crs.equals(cfg.crs):
            logger.info("%s: using the configured CRS %s instead of the file's %s",
                        path.name, cfg.crs, gdf.crs.name)
        gdf = gdf.set_crs(cfg.crs, allow_override=True)
    elif gdf.crs is None and not gdf.empty:
        msg = t("errors.io.no_crs", layer=cfg.name)
        raise DataError(msg, file=path.name)
    # the feature id QGIS shows for the file (GDAL's FID: a GeoPackage's fid, from 1; a
    # Shapefile's record number, from 0); a locator, as above
    gdf[WHERE] = [f"feature {fid}" for fid in gdf.index]
    return gdf.reset_index(drop=True)


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
        msg = t("errors.io.missing_column", source=source, canonical=canonical, layer=cfg.name,
                columns=", ".join(columns))
        raise DataError(msg, file=cfg.label)
    keep = [c for c in frame.columns if c not in rename.values() or c in rename]
    return frame[keep].rename(columns=rename)


#: The files of a Shapefile besides the ``.shp`` (attributes, index, projection, code page,
#: spatial indexes, metadata): all of them are inputs.
_SHAPEFILE_PARTS = (".shp", ".shx", ".dbf", ".prj", ".cpg", ".qix", ".sbn", ".sbx", ".shp.xml")

#: Files beside a raster or a GeoPackage that GDAL or SQLite read with it.
_SIDECARS = {".gpkg": ("-wal", "-shm", "-journal"), ".tif": (".aux.xml", ".ovr", ".msk"),
             ".tiff": (".aux.xml", ".ovr", ".msk")}
_WORLD_FILES = {".tif": (".tfw", ".tifw"), ".tiff": (".tfw", ".tiffw")}


def layer_files(path: Path) -> list[Path]:
    """Every file that reading ``path`` reads (those that exist, sorted).

    The parts of a Shapefile, a GeoPackage's ``-wal``/``-shm``, a raster's world file and
    ``.aux.xml``.

    Parameters
    ----------
    path
        A layer or raster file (``communes.shp``, ``communes.dbf``, ``data.gpkg``,
        ``population.tif``).

    Returns
    -------
    list of pathlib.Path
        ``path`` itself (when it exists) and its companion files.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in {".shp", ".dbf", ".shx"} and path.parent.is_dir():
        stem = path.stem.lower()
        found = [p for p in path.parent.iterdir() if p.is_file() and p.name.lower()
                 in {stem + part for part in _SHAPEFILE_PARTS}]
    else:
        found = [path,
                 *(path.with_name(path.name + end) for end in _SIDECARS.get(suffix, ())),
                 *(path.with_suffix(end) for end in _WORLD_FILES.get(suffix, ()))]
    return sorted({p for p in found if p.is_file()})


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


# ---------------------------------------------------- earlier results (moving to ictgis.outputs)


def read_output_layer(path: Path, layer: str, columns: Sequence[str] | None = None
                      ) -> gpd.GeoDataFrame | None:
    """Read one layer of an earlier step's GeoPackage (``OUT/stats/stats.gpkg``...).

    Returns None when the file or the layer does not exist (the step has not run). With
    ``columns``, only those attributes are read, without the geometry.

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
        if columns is not None:
            return gpd.GeoDataFrame(pyogrio.read_dataframe(
                path, layer=layer, columns=list(columns), read_geometry=False))
        return pyogrio.read_dataframe(path, layer=layer)
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError, OSError) as exc:
        msg = t("errors.io.output_layer_unreadable", name=path.name, layer=layer, error=exc)
        raise LayerReadError(msg) from None


def read_output_table(path: Path) -> pd.DataFrame | None:
    """A CSV table an earlier step wrote, or None when it does not exist.

    Text that :func:`ictgis.io.write_csv` protected with an apostrophe (formula-like text) is
    read back as it was.
    """
    if not Path(path).is_file():
        return None
    return _unprotect(pd.read_csv(path, encoding="utf-8-sig"))


def _unprotect(frame: pd.DataFrame) -> pd.DataFrame:
    """Remove the apostrophe :func:`ictgis.io.write.neutralise_text` put before formula-like text."""
    protected = tuple(f"'{c}" for c in FORMULA_PREFIXES)
    frame.columns = [c[1:] if isinstance(c, str) and c.startswith(protected) else c
                     for c in frame.columns]
    for col in frame.columns:
        values = frame[col]
        if not (pd.api.types.is_object_dtype(values) or pd.api.types.is_string_dtype(values)):
            continue
        try:
            todo = values.str.startswith(protected, na=False).astype(bool)
        except AttributeError:  # no text in this column
            continue
        if todo.any():
            frame.loc[todo, col] = values[todo].str[1:]
    return frame


def read_files(folder: Path, pattern: str) -> list[tuple[str, bytes]]:
    """(stem, bytes) of the files of ``folder`` matching ``pattern``, sorted by name."""
    folder = Path(folder)
    if not folder.is_dir():
        return []
    return [(p.stem, p.read_bytes()) for p in sorted(folder.glob(pattern))]
