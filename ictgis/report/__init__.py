"""The yearly report: headline indicators ("Biểu số 1"), tables and charts, as HTML and XLSX."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ictgis.i18n import ids, number, t


@dataclass(frozen=True)
class Indicator:
    """One headline indicator: where its value comes from and how it is shown.

    Its name is ``report.indicator.<id>`` and its unit ``report.unit.<unit>`` in the catalogue.
    """

    id: str
    unit: str
    table: str       # "stats", "coverage", "siting" or "reported"
    column: str
    rural: bool = False
    decimals: int = 2
    #: Whether a smaller value is better (a service radius, people per point): the plan is
    #: then met or not, never a percentage that would read as its opposite.
    lower_is_better: bool = False

    @property
    def name(self) -> str:
        """The indicator's name in the language in force."""
        return t(f"report.indicator.{self.id}")


#: The rows of "Biểu số 1", in order.
INDICATORS: tuple[Indicator, ...] = (
    Indicator("radius_km", "km_per_point", "stats", "radius_km", lower_is_better=True),
    Indicator("radius_km_rural", "km_per_point", "stats", "radius_km", rural=True,
              lower_is_better=True),
    Indicator("pop_per_point", "people_per_point", "stats", "pop_per_point", decimals=0,
              lower_is_better=True),
    Indicator("pop_per_point_rural", "people_per_point", "stats", "pop_per_point", rural=True,
              decimals=0, lower_is_better=True),
    Indicator("phone_per_100", "subs_per_100", "stats", "phone_per_100"),
    Indicator("phone_per_100_rural", "subs_per_100", "stats", "phone_per_100", rural=True),
    Indicator("phone_per_100_incl_prepaid", "subs_per_100", "stats", "phone_per_100_incl_prepaid"),
    Indicator("phone_per_100_incl_prepaid_rural", "subs_per_100", "stats",
              "phone_per_100_incl_prepaid", rural=True),
    Indicator("internet_fixed_per_100", "subs_per_100", "stats", "internet_fixed_per_100"),
    Indicator("internet_fixed_per_100_rural", "subs_per_100", "stats", "internet_fixed_per_100",
              rural=True),
    Indicator("masts_per_100km2", "masts_per_100km2", "stats", "masts_per_100km2"),
    Indicator("shared_mast_pct", "pct", "stats", "shared_mast_pct", decimals=1),
    Indicator("compliance_pct", "pct", "siting", "compliance_pct", decimals=1),
    Indicator("pop_pct_any_2g", "pct", "coverage", "pop_pct_any_2g", decimals=1),
    Indicator("pop_pct_any_3g", "pct", "coverage", "pop_pct_any_3g", decimals=1),
    Indicator("pop_pct_any_4g", "pct", "coverage", "pop_pct_any_4g", decimals=1),
    Indicator("revenue_bn_vnd", "bn_vnd", "reported", "revenue_bn_vnd", decimals=0),
)

KNOWN_IDS = tuple(i.id for i in INDICATORS)


def headline(tables: Mapping[str, Mapping[str, pd.DataFrame]], *,
             reported: Mapping[str, float], targets: Mapping[str, float],
             next_targets: Mapping[str, float] | None = None,
             previous: Mapping[str, float] | None = None) -> pd.DataFrame:
    """The headline indicators, "Biểu số 1": value, this year's plan and how far it is met.

    "% đạt" is the result against the plan of the **same** year (the 2018 report: "đạt 82% so
    với kế hoạch cả năm 2018"). For an indicator where lower is better (R, Dp) a percentage
    would read as its opposite: the plan is met or not (``status``), and ``pct_achieved`` is
    left empty.

    Parameters
    ----------
    tables
        ``{"stats": {level: table}, "coverage": {level: table}, "siting": {level: table}}``;
        a missing source leaves its indicators out.
    reported
        Figures the GIS cannot compute (``[indicators]`` of ictgis.toml, e.g. revenue).
    targets
        The plan of the report year by indicator id (``[targets]``).
    next_targets
        The plan of the next year (``[targets_next_year]``), shown beside the result.
    previous
        Last year's values by indicator id (``--compare``).

    Returns
    -------
    pandas.DataFrame
        ``id``, ``indicator``, ``unit``, ``value``, ``target``, ``pct_achieved``, ``status``
        (``met``/``not_met``/empty), ``next_target`` and, with ``previous``, ``previous`` and
        ``change``. Rows without a value are left out.
    """
    next_targets = next_targets or {}
    unknown = sorted((set(targets) | set(next_targets)) - set(KNOWN_IDS))
    if unknown:
        msg = t("report.targets_unknown", name=unknown[0], known=", ".join(KNOWN_IDS))
        raise ValueError(msg)
    rows = []
    for ind in INDICATORS:
        value = indicator_value(ind, tables, reported)
        if value is None:
            continue
        target = targets.get(ind.id)
        status = None
        if target is not None:
            status = "met" if (value <= target if ind.lower_is_better else value >= target) \
                else "not_met"
        rows.append({
            "id": ind.id, "indicator": ind.name, "unit": t(f"report.unit.{ind.unit}"),
            "value": value,
            "target": target if target is not None else np.nan,
            "pct_achieved": (value / target * 100 if target and not ind.lower_is_better
                             else np.nan),
            "status": status,
            "next_target": next_targets.get(ind.id, np.nan),
            "decimals": ind.decimals,
        })
    out = pd.DataFrame(rows, columns=["id", "indicator", "unit", "value", "target",
                                      "pct_achieved", "status", "next_target", "decimals"])
    if previous is not None:
        out["previous"] = out["id"].map(previous).astype(float)
        out["change"] = out["value"] - out["previous"]
    return out


def whole_level(tables: Mapping[str, Mapping[str, pd.DataFrame]]) -> str:
    """The level of the whole area in the output tables: ``country`` or ``province``.

    ``country`` in a national workspace (its ``province`` tables have one row per province).
    """
    return "country" if any("country" in step for step in tables.values()) else "province"


def indicator_value(ind: Indicator, tables: Mapping[str, Mapping[str, pd.DataFrame]],
                    reported: Mapping[str, float]) -> float | None:
    """The value of one indicator from the output tables (None when not available)."""
    if ind.table == "reported":
        return reported.get(ind.id)
    source = tables.get(ind.table) or {}
    if ind.rural:
        table = source.get("zone")
        if table is None or ind.column not in table:
            return None
        rows = table[ids("admin.zone", table["zone"]) == "rural"]
    else:
        table = source.get(whole_level(tables))
        if table is None or ind.column not in table:
            return None
        rows = table
    if rows.empty or pd.isna(rows[ind.column].iloc[0]):
        return None
    return float(rows[ind.column].iloc[0])


def values_by_id(table: pd.DataFrame) -> dict[str, float]:
    """``{id: value}`` of a headline table (for ``previous``)."""
    return dict(zip(table["id"], table["value"].astype(float), strict=True))


def achieved(row: Mapping[str, object]) -> str:
    """What the "% đạt" column shows: the percentage, or met / not met for lower-is-better."""
    status = row.get("status")
    if isinstance(status, str) and pd.isna(row.get("pct_achieved")):
        return t(f"report.status.{status}")
    return fmt(row.get("pct_achieved"), 1)


def change(value: object, decimals: int, unit: str) -> str:
    """A change as the report shows it: signed, with its unit; "—" when there is none."""
    if value is None or pd.isna(value):
        return ""
    amount = round(float(value), decimals)  # type: ignore[arg-type]
    if amount == 0:
        return "—"
    return f"{'+' if amount > 0 else '−'}{number(abs(amount), decimals)} {unit}".strip()


def fmt(value: object, decimals: int = 2) -> str:
    """A number as the report shows it, in the language's convention (empty for missing)."""
    if value is None or value is pd.NA:
        return ""
    if isinstance(value, int | float | np.integer | np.floating):
        return number(float(value), decimals)
    return str(value)




def render_html(context: Mapping[str, object]) -> str:
    """The report page (self-contained: styles inline, images as data URIs), text escaped.

    The template is ``ictgis/report/templates/report.html.j2``.
    """
    from jinja2 import Environment, PackageLoader

    env = Environment(loader=PackageLoader("ictgis.report", "templates"), autoescape=True,
                      trim_blocks=True, lstrip_blocks=True)
    return env.get_template("report.html.j2").render(fmt=fmt, **context)


def table_section(section_id: str, title: str, table: pd.DataFrame,
                  columns: Mapping[str, tuple[str, int | None]]) -> dict[str, object]:
    """A table of the report: ``columns`` maps column -> (header, decimals or None for text)."""
    present = [c for c in columns if c in table]
    rows = [[(fmt(row[c], d) if (d := columns[c][1]) is not None else str(row[c]),
              d is not None) for c in present] for _, row in table.iterrows()]
    return {"id": section_id, "title": title, "headers": [columns[c][0] for c in present],
            "rows": rows}
