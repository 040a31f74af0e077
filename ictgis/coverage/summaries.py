"""Coverage tables: covered population and area at every level, uncovered areas, headers, tags."""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from ictgis.config import CoverageConfig, TechnologyConfig
from ictgis.coverage.grid import Grid
from ictgis.coverage.kernels import covered_mask
from ictgis.coverage.models import model_name_quiet
from ictgis.i18n import labels, t

logger = logging.getLogger(__name__)

# ----------------------------------------------------------------------------- summaries


def coverage_levels(communes: pd.DataFrame, covered: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Covered population and area (% too) at every level the communes support.

    Parameters
    ----------
    communes
        The commune table (code, zone, district, region, population, area_km2).
    covered
        :attr:`CoverageResult.covered`.

    Returns
    -------
    dict
        Level -> table with ``population``, ``pop_covered_<op>_<tech>``,
        ``pop_pct_<op>_<tech>`` and ``area_pct_<op>_<tech>``, recomputed from sums.
    """
    from ictgis import admin

    labels = [c for c in ("code", "name", "kind", "zone", "district", "region", "population",
                          "area_km2") if c in communes]
    table = pd.DataFrame(communes[labels]).merge(covered.drop(columns="pixel_km2"), on="code")
    sums = [c for c in table.columns if c.startswith(("pop_covered_", "px_covered_"))]
    levels = [lvl for lvl, keys in admin.LEVELS.items() if set(keys) <= set(table.columns)]
    out = {}
    for level in levels:
        agg = admin.aggregate(table, level, ["population", "pixels", *sums])
        if level == "commune":
            agg = table[[c for c in ("code", "name", "kind", "zone", "district", "region")
                         if c in table]].merge(agg, on="code")
        for col in [c for c in sums if c.startswith("pop_covered_")]:
            key = col.removeprefix("pop_covered_")
            agg[f"pop_pct_{key}"] = admin.safe_ratio(agg[col], agg["population"], 100)
            agg[f"area_pct_{key}"] = admin.safe_ratio(agg[f"px_covered_{key}"], agg["pixels"], 100)
        out[level] = agg.drop(columns=[c for c in agg.columns if c.startswith("px_covered_")])
    return out


def uncovered_areas(level: np.ndarray, tech: TechnologyConfig, people: np.ndarray,
                    index: np.ndarray, communes: pd.DataFrame, grid: Grid, *, top: int = 10
                    ) -> pd.DataFrame:
    """The largest populated areas with no coverage, ranked by population.

    Parameters
    ----------
    level
        Any-operator received level of one technology (NODATA where nothing reaches).
    tech
        The technology (threshold and margin).
    people
        Population per pixel.
    index
        Commune index per pixel (-1 outside).
    communes
        The communes (for the commune holding most of each area's people).
    grid
        The grid (pixel size and georeferencing).
    top
        How many areas to list.

    Returns
    -------
    pandas.DataFrame
        ``rank``, ``population``, ``area_km2``, ``x``, ``y`` (population-weighted centre,
        working CRS), ``commune`` (code) and ``commune_name``.
    """
    from scipy import ndimage

    covered = covered_mask(level, tech)
    gap = (index >= 0) & ~covered & (people > 0)
    labels, count = ndimage.label(gap)
    columns = ["rank", "population", "area_km2", "x", "y", "commune", "commune_name"]
    if count == 0:
        return pd.DataFrame(columns=columns)
    lab = labels[gap]
    pop = people[gap]
    totals = np.bincount(lab, weights=pop, minlength=count + 1)
    pixels = np.bincount(lab, minlength=count + 1)
    rows, cols = np.nonzero(gap)
    x = grid.transform.c + (cols + 0.5) * grid.resolution
    y = grid.transform.f - (rows + 0.5) * grid.resolution
    cx = np.bincount(lab, weights=pop * x, minlength=count + 1)
    cy = np.bincount(lab, weights=pop * y, minlength=count + 1)
    best = np.argsort(-totals[1:], kind="stable")[:top] + 1
    # commune holding most of each area's people
    pairs = pd.DataFrame({"area": lab, "commune": index[gap], "pop": pop})
    main = (pairs[pairs["area"].isin(best)].groupby(["area", "commune"])["pop"].sum()
            .reset_index().sort_values(["area", "pop"], ascending=[True, False])
            .drop_duplicates("area").set_index("area")["commune"])
    codes = communes["code"].to_numpy()
    names = communes["name"].to_numpy() if "name" in communes else codes
    return pd.DataFrame({
        "rank": np.arange(1, len(best) + 1), "population": totals[best],
        "area_km2": pixels[best] * grid.resolution ** 2 / 1e6,
        "x": cx[best] / totals[best], "y": cy[best] / totals[best],
        "commune": codes[main.loc[best].to_numpy()], "commune_name": names[main.loc[best].to_numpy()],
    }, columns=columns)


def headers(columns: list[str] | set[str]) -> dict[str, str]:
    """Headers (with units) of the coverage tables, in the language in force."""
    out = labels("coverage.header")
    for col in columns:
        for prefix in ("pop_covered_", "pop_pct_", "area_pct_"):
            if col.startswith(prefix):
                op, _, tech = col.removeprefix(prefix).rpartition("_")
                who = t("coverage.any_operator") if op == "any" else op
                out[col] = t(f"coverage.header_of.{prefix.rstrip('_')}", technology=tech.upper(),
                             operator=who)
    return out


def raster_tags(tech: str, cfg: TechnologyConfig, settings: CoverageConfig, operator: str,
                *, synthetic: bool) -> dict[str, object]:
    """Model parameters written into every raster's metadata (texts in the language in force)."""
    return {
        "ictgis_layer": t("coverage.tag.level"), "operator": operator,
        "technology": tech, "model": model_name_quiet(cfg.frequency_mhz),
        "frequency_mhz": cfg.frequency_mhz, "eirp_dbm": cfg.eirp_dbm,
        "threshold_dbm": cfg.threshold_dbm, "margin_db": cfg.margin_db,
        "mobile_height_m": cfg.mobile_height_m, "classes_dbm": list(cfg.classes_dbm),
        "resolution_m": settings.resolution_m, "max_range_km": settings.max_range_km,
        "min_distance_km": settings.min_distance_km, "floor_dbm": settings.floor_dbm,
        "environment": dict(settings.environment),
        "data": t("stats.synthetic.yes") if synthetic else "",
    }
