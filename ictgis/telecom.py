"""Telecom indicators: subscriber densities per 100 inhabitants, BTS counts and mast sharing."""

from __future__ import annotations

import re
from collections.abc import Mapping

import numpy as np
import pandas as pd

from ictgis.admin import count_pairs, safe_ratio
from ictgis.text import fold, map_unique, slug

# input vocabulary, not display text (operator brand names read the same in every language)
#: Operator spellings (folded) -> canonical operator name.
OPERATORS: Mapping[str, str] = {
    "viettel": "Viettel", "vtl": "Viettel",
    "vinaphone": "VinaPhone", "vnpt": "VinaPhone", "vnpt vinaphone": "VinaPhone",
    "mobifone": "MobiFone", "mobiphone": "MobiFone", "vms": "MobiFone",
    "vietnamobile": "Vietnamobile", "vnmobile": "Vietnamobile", "vnm": "Vietnamobile",
    "gmobile": "Gmobile", "beeline": "Gmobile", "itelecom": "iTel", "itel": "iTel",
}

# input vocabulary, not display text
#: Technology spellings (folded) -> generation.
TECHNOLOGIES: Mapping[str, str] = {
    "2g": "2G", "gsm": "2G", "dcs": "2G", "3g": "3G", "umts": "3G", "wcdma": "3G",
    "hspa": "3G", "4g": "4G", "lte": "4G", "4g lte": "4G", "5g": "5G", "nr": "5G",
}

#: Subscriber columns of the optional subscribers table (all counts).
SUBSCRIBER_COLUMNS = (
    "fixed", "mobile_postpaid", "mobile_prepaid", "internet_fixed", "internet_mobile",
)

_SPLIT = re.compile(r"\s*[;,/+&|]\s*|\s+-\s+")


def operator_name(column_slug: str) -> str:
    """The operator a column slug stands for (``vinaphone`` -> ``VinaPhone``), else the slug."""
    names = {slug(name): name for name in OPERATORS.values()}
    return names.get(column_slug, column_slug)


def split_values(raw: pd.Series, names: Mapping[str, str]) -> pd.Series:
    """Split multi-valued cells ("Viettel; MobiFone", "GSM/LTE") into sorted canonical tuples.

    Unknown values are kept as written (stripped); empty cells give an empty tuple.
    """

    def _one(cell: object) -> tuple[str, ...]:
        parts = [p for p in _SPLIT.split(str(cell).strip()) if p]
        return tuple(sorted({names.get(fold(p), p) for p in parts}))

    out = map_unique(raw, _one)
    return out.where(out.notna(), pd.Series([()] * len(out), index=out.index, dtype=object))


def count_bts(bts: pd.DataFrame, index: pd.Index) -> pd.DataFrame:
    """Count masts per commune: all, shared by 2+ operators, per operator and per technology.

    Parameters
    ----------
    bts
        One row per mast with ``commune`` (code), ``operators`` and ``technologies``
        (tuples from :func:`split_values`).
    index
        All commune codes (communes without masts get 0).

    Returns
    -------
    pandas.DataFrame
        Indexed by commune code: ``masts``, ``masts_shared``, ``operator_sites`` (sum of
        operators over masts), ``masts_op_<operator>`` and ``masts_<tech>`` (masts carrying
        that technology).
    """
    masts = np.bincount(_positions(bts["commune"], index), minlength=len(index) + 1)[:-1]
    out = pd.DataFrame({"masts": masts}, index=index)
    for column, prefix in (("operators", "masts_op_"), ("technologies", "masts_")):
        if column not in bts:
            continue
        # the distinct value tuples are few: count masts per (commune, tuple), then spread
        codes, tuples = pd.factorize(bts[column])
        per_tuple = count_pairs(bts["commune"], index, pd.Series(codes), list(range(len(tuples))))
        sizes = np.array([len(t) for t in tuples], dtype=np.int64)
        if column == "operators":
            out["masts_shared"] = per_tuple[:, sizes >= 2].sum(axis=1)
            out["operator_sites"] = per_tuple @ sizes
        for name in sorted({v for t in tuples for v in t}):
            carries = np.array([name in t for t in tuples], dtype=bool)
            out[prefix + slug(name)] = per_tuple[:, carries].sum(axis=1)
    return out.astype(np.int64)


def _positions(codes: pd.Series, index: pd.Index) -> np.ndarray:
    """Position of each code in ``index``; codes not in it go to the extra last slot."""
    pos = index.get_indexer(codes)
    return np.where(pos >= 0, pos, len(index))


def add_indicators(sums: pd.DataFrame) -> pd.DataFrame:
    """Add telecom indicators to a table of sums (any level).

    Subscriber densities per 100 inhabitants (needs ``population`` and the
    :data:`SUBSCRIBER_COLUMNS` present):

    - ``phone_per_100``: (fixed + postpaid mobile) x 100 / P, the report's "mật độ điện thoại";
    - ``phone_per_100_incl_prepaid``: (fixed + postpaid + prepaid) x 100 / P;
    - ``internet_fixed_per_100`` and ``internet_per_100`` (fixed + mobile Internet).

    Masts (needs ``masts``): ``masts_per_100km2``, ``masts_per_10k``, ``shared_mast_pct``
    (share of masts with 2+ operators, %) and ``operators_per_mast``.
    """
    out = sums.copy()
    pop = out["population"]
    if set(SUBSCRIBER_COLUMNS) <= set(out.columns):
        phones = out["fixed"] + out["mobile_postpaid"]
        out["phone_per_100"] = safe_ratio(phones, pop, 100)
        out["phone_per_100_incl_prepaid"] = safe_ratio(phones + out["mobile_prepaid"], pop, 100)
        out["internet_fixed_per_100"] = safe_ratio(out["internet_fixed"], pop, 100)
        out["internet_per_100"] = safe_ratio(
            out["internet_fixed"] + out["internet_mobile"], pop, 100
        )
    if "masts" in out.columns:
        out["masts_per_100km2"] = safe_ratio(out["masts"], out["area_km2"], 100)
        out["masts_per_10k"] = safe_ratio(out["masts"], pop, 10_000)
        out["shared_mast_pct"] = safe_ratio(out["masts_shared"], out["masts"], 100)
        out["operators_per_mast"] = safe_ratio(out["operator_sites"], out["masts"])
    return out
