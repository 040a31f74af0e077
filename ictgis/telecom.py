"""Telecom indicators: subscriber densities per 100 inhabitants, BTS counts and mast sharing."""

from __future__ import annotations

import operator
import re
from collections.abc import Mapping

import numpy as np
import pandas as pd

from ictgis.admin import count_pairs, safe_ratio
from ictgis.text import fold, map_unique, slug

# input vocabulary, not display text (operator brand names read the same in every language)
#: The operator alias table: spellings (folded: no diacritics, lower case, single spaces) ->
#: canonical operator name. Names are matched after :func:`~ictgis.text.fold`; a name not in
#: the table is tried again without the words of company forms (:data:`COMPANY_WORDS`:
#: "Tập đoàn Viettel", "Viettel Telecom") and without spaces ("Vina Phone", "G-Mobile").
#: ``[operators]`` in ictgis.toml adds spellings (:func:`operator_aliases`).
OPERATORS: Mapping[str, str] = {
    "viettel": "Viettel", "vtl": "Viettel", "viettel mobile": "Viettel",
    "tap doan cong nghiep vien thong quan doi": "Viettel",
    "vinaphone": "VinaPhone", "vnpt": "VinaPhone", "vnpt vinaphone": "VinaPhone",
    "vinaphone vnpt": "VinaPhone", "vnpt vnp": "VinaPhone", "vnp": "VinaPhone",
    "tap doan buu chinh vien thong viet nam": "VinaPhone",
    "mobifone": "MobiFone", "mobiphone": "MobiFone", "vms": "MobiFone",
    "vms mobifone": "MobiFone", "tong cong ty vien thong mobifone": "MobiFone",
    "vietnamobile": "Vietnamobile", "vnmobile": "Vietnamobile", "vnm": "Vietnamobile",
    "vietnam mobile": "Vietnamobile", "hutchison": "Vietnamobile",
    "gmobile": "Gmobile", "beeline": "Gmobile", "gtel": "Gmobile", "gtel mobile": "Gmobile",
    "itelecom": "iTel", "itel": "iTel", "indochina": "iTel", "indochina telecom": "iTel",
    "dong duong": "iTel", "dong duong telecom": "iTel",
}

# input vocabulary, not display text
#: Words of company names that do not tell operators apart (folded).
COMPANY_WORDS = frozenset({
    "tap", "doan", "tong", "cong", "ty", "ctcp", "cp", "jsc", "co", "ltd", "company", "corp",
    "corporation", "group", "telecom", "telecoms", "telecommunications", "the",
})

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


def operator_aliases(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The alias table: :data:`OPERATORS` extended by ``[operators]`` of ictgis.toml.

    Parameters
    ----------
    extra
        Spelling -> operator, as written in ictgis.toml. A value naming a built-in operator
        in any spelling ("viettel") takes its canonical name ("Viettel"); any other value is an
        operator the workspace declares.
    """
    table = dict(OPERATORS)
    for spelling, name in (extra or {}).items():
        table[fold(spelling)] = _lookup(name, OPERATORS) or str(name).strip()
    return table


def _lookup(name: object, table: Mapping[str, str]) -> str | None:
    """The operator a name stands for in ``table``, or None (see :data:`OPERATORS`)."""
    key = fold(name)
    if key in table:
        return table[key]
    words = [w for w in key.split(" ") if w not in COMPANY_WORDS]
    for candidate in (" ".join(words), "".join(words), key.replace(" ", "")):
        if candidate and candidate in table:
            return table[candidate]
    return None


def match_operators(raw: pd.Series, aliases: Mapping[str, str]) -> tuple[pd.Series, pd.Series]:
    """Operators of each cell ("Viettel; Tập đoàn VNPT") by the alias table, and unknown names.

    Parameters
    ----------
    raw
        Operator cells: one or several names separated by ``;``, ``,``, ``/``, ``+``, ``&``,
        ``|`` or a dash between spaces.
    aliases
        The alias table (:func:`operator_aliases`).

    Returns
    -------
    tuple of pandas.Series
        Sorted tuples of canonical operator names, and tuples of the names (as written) that
        match no operator; both aligned with ``raw``. A name matching nothing never becomes
        an operator.
    """

    def _one(cell: object) -> tuple[tuple[str, ...], tuple[str, ...]]:
        parts = [p for p in _SPLIT.split(str(cell).strip()) if p]
        names = [(p, _lookup(p, aliases)) for p in parts]
        known = tuple(sorted({n for _, n in names if n is not None}))
        return known, tuple(dict.fromkeys(p for p, n in names if n is None))

    pairs = map_unique(raw, _one, missing=((), ()))
    return (map_unique(pairs, operator.itemgetter(0)),  # the distinct pairs are few
            map_unique(pairs, operator.itemgetter(1)))


def split_values(raw: pd.Series, names: Mapping[str, str]) -> pd.Series:
    """Split multi-valued cells ("Viettel; MobiFone", "GSM/LTE") into sorted canonical tuples.

    Unknown values are kept as written (stripped); empty cells give an empty tuple.
    """

    def _one(cell: object) -> tuple[str, ...]:
        parts = [p for p in _SPLIT.split(str(cell).strip()) if p]
        return tuple(sorted({names.get(fold(p), p) for p in parts}))

    return map_unique(raw, _one, missing=())


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
