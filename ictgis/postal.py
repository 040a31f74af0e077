"""Postal indicators: service radius R = sqrt(S/(pi N)) and population per point P/N at any level."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

from ictgis import admin
from ictgis.admin import safe_ratio
from ictgis.text import fold, map_unique

# input vocabulary, not display text (the names shown are ``labels("stats.point_type")``)
#: Canonical postal point types -> spellings recognised in data (folded, the official name
#: among them).
POINT_TYPES: Mapping[str, tuple[str, ...]] = {
    "buu_cuc": (
        "buu cuc", "buu cuc cap 1", "buu cuc cap 2", "buu cuc cap 3", "buu cuc cap i",
        "buu cuc cap ii", "buu cuc cap iii", "buu cuc trung tam", "buu dien tinh",
        "buu dien huyen", "buu dien thanh pho", "buu dien thi xa", "bc", "bc1", "bc2", "bc3",
        "post office",
    ),
    "buu_cuc_phat": ("buu cuc phat", "bc phat", "delivery office"),
    "diem_bdvhx": (
        "diem bdvhx", "diem bd vhx", "bdvhx", "bd vhx", "diem buu dien van hoa xa",
        "buu dien van hoa xa", "diem buu dien van hoa", "diem bd vhx xa",
    ),
    "dai_ly": ("dai ly", "dai ly buu chinh", "dai ly buu dien", "dlbc"),
    "kiot": ("kiot", "ki ot", "ki ot buu chinh", "kiosk", "kiot buu chinh"),
    "thung_thu": (
        "thung thu", "thung thu cong cong", "thung thu doc lap", "hop thu cong cong",
        "post box", "mailbox",
    ),
    "chuyen_phat": (
        "van phong chuyen phat khong thuoc mang buu chinh cong cong", "chuyen phat",
        "van phong chuyen phat", "van phong chuyen phat tu nhan", "chuyen phat tu nhan",
        "courier",
    ),
}

#: Note (id; label ``stats.note.no_points``) where R and Dp are empty: no counted point.
NO_POINTS = "no_points"

ADDITIVE = ("area_km2", "population", "n_points")


def _spellings(aliases: Mapping[str, str]) -> dict[str, str]:
    table = {fold(code): code for code in POINT_TYPES}
    for code, names in POINT_TYPES.items():
        table.update({name: code for name in names})
    table.update({fold(raw): code for raw, code in aliases.items()})
    return table


def point_type(raw: pd.Series, aliases: Mapping[str, str] | None = None) -> pd.Series:
    """Canonical type of each postal point from its raw label.

    Parameters
    ----------
    raw
        Type labels as written in the data ("Bưu cục cấp 2", "Điểm BĐ-VHX", "dai_ly", ...).
    aliases
        Extra spellings -> canonical type, from ``ictgis.toml`` [postal.type_aliases].

    Returns
    -------
    pandas.Series
        One of :data:`POINT_TYPES`, NA where the label is unknown.
    """
    table = _spellings(aliases or {})
    return map_unique(raw, lambda v: table.get(fold(v))).astype("string")


def count_points(
    types: pd.Series, communes: pd.Series, index: pd.Index, *, count_types: Iterable[str]
) -> pd.DataFrame:
    """Count postal points per commune: counted total N and every type.

    Parameters
    ----------
    types
        Canonical type of each point.
    communes
        Commune code each point lies in, aligned with ``types``.
    index
        All commune codes (communes without points get 0).
    count_types
        Types that count in N.

    Returns
    -------
    pandas.DataFrame
        Indexed by commune code: ``n_points`` and ``n_<type>`` for every type in
        :data:`POINT_TYPES`.
    """
    counts = pd.DataFrame(admin.count_pairs(communes, index, types, list(POINT_TYPES)),
                          index=index, columns=list(POINT_TYPES))
    counted = [t for t in POINT_TYPES if t in set(count_types)]
    out = counts.add_prefix("n_")
    out.insert(0, "n_points", counts[counted].sum(axis=1))
    return out


def service_radius(area_km2: pd.Series, n_points: pd.Series) -> pd.Series:
    """Average service radius per point R = sqrt(S / (pi N)) in km; NaN where N = 0.

    Examples
    --------
    >>> import pandas as pd
    >>> round(service_radius(pd.Series([331212.0]), pd.Series([18502])).iloc[0], 2)
    2.39
    """
    return np.sqrt(safe_ratio(area_km2, n_points * np.pi)).rename("radius_km")


def add_indicators(sums: pd.DataFrame) -> pd.DataFrame:
    """Add postal indicators to a table of sums (any level).

    Adds ``radius_km`` (R = sqrt(S/(pi N))), ``pop_per_point`` (Dp = P/N),
    ``points_per_10k`` (N per 10,000 inhabitants) and ``postal_note`` (:data:`NO_POINTS`
    where R and Dp are empty). The inputs S (``area_km2``), P (``population``) and N
    (``n_points``) stay beside them.
    """
    out = sums.copy()
    out["radius_km"] = service_radius(out["area_km2"], out["n_points"])
    out["pop_per_point"] = safe_ratio(out["population"], out["n_points"])
    out["points_per_10k"] = safe_ratio(out["n_points"], out["population"], 10_000)
    out["postal_note"] = pd.Series(NO_POINTS, index=out.index, dtype="string").where(
        out["n_points"] == 0
    )
    return out
