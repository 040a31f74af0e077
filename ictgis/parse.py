"""Numbers and coordinates from text cells: decimal commas, thousands separators, DMS."""

from __future__ import annotations

import pandas as pd

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
    out = pd.to_numeric(values, errors="coerce").astype(float)  # plain decimals, vectorised
    # the rest (decimal commas, DMS) only where the plain parse failed on a non-empty cell
    failed = out.isna().to_numpy(bool)
    if failed.any():
        text = values.loc[failed].astype("string").str.strip()
        redo = (text.notna() & (text != "")).to_numpy(bool)
        if redo.any():
            rows = text.index[redo]
            out.loc[rows] = _parse_written(text.loc[rows]).to_numpy()
    return out


def _parse_written(text: pd.Series) -> pd.Series:
    """Coordinates written with a decimal comma or as degrees-minutes-seconds (NaN if neither)."""
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
    plain = pd.to_numeric(values, errors="coerce").astype(float)  # vectorised; spaces around ok
    # a plain parse is right except for "12.345" as a count (thousands, not a fraction): such
    # a cell reads as less than 1000, so the text is looked at only there and where it failed
    look = plain.isna() | (integer & (plain.abs() < 1000))
    if not look.any():
        return plain
    text = values.loc[look].astype("string").str.strip().str.replace("\u00a0", " ", regex=False)
    redo = (plain.loc[look].isna() & text.notna() & (text != "")).to_numpy()
    if integer:
        redo |= text.str.fullmatch(r"[-+]?\d{1,3}\.\d{3}").fillna(False).to_numpy(bool)
    if redo.any():
        rows = text.index[redo]
        plain.loc[rows] = _parse_separated(text.loc[rows], integer=integer)
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
