"""Static PNG choropleths for reports, drawn with matplotlib's ``Figure`` API (no pyplot).

matplotlib is imported when a map is drawn, not with :mod:`ictgis.maps`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from io import BytesIO

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ictgis import i18n, outputs
from ictgis.maps.classification import Classes, choropleth_classes
from ictgis.maps.data import MapData
from ictgis.maps.labels import labels_for
from ictgis.maps.styles import NODATA_COLOR


def static_map(communes: gpd.GeoDataFrame, panels: Sequence[tuple[str, str]], classes: Classes,
               *, title: str, synthetic: bool = False, dpi: int = 120) -> bytes:
    """A PNG choropleth of commune columns with region outlines, for reports.

    Parameters
    ----------
    communes
        Communes in the (metric) working CRS with the panel columns and ``region``.
    panels
        (column, panel title) pairs, drawn side by side with the same classes.
    classes
        Classes and colours (:func:`choropleth_classes`).
    title
        Figure title; ``synthetic`` adds the synthetic-data label.
    Labels are in the language of ``classes``.

    Returns
    -------
    bytes
        The PNG image.
    """
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch

    t = labels_for(classes.lang)
    x0, y0, x1, y1 = communes.total_bounds
    aspect = (y1 - y0) / max(x1 - x0, 1.0)
    width = max(9.0, 5.5 * len(panels))
    map_height = width / len(panels) * aspect
    ncols = min(len(classes.colors) + 1, 3 * len(panels))
    legend_height = 0.55 + 0.22 * -(-(len(classes.colors) + 1) // ncols) + 0.3 * synthetic
    fig = Figure(figsize=(width, map_height + legend_height + 0.5), dpi=dpi,
                 layout="constrained")
    names = [f"panel{i}" for i in range(len(panels))]
    # matplotlib's stub wants list[HashableList] (invariant) where any nested list of str works
    axes = fig.subplot_mosaic([names, ["legend"] * len(panels)],  # type: ignore[list-item]
                              height_ratios=[map_height, legend_height])
    outlines = None
    if "region" in communes.columns and communes["region"].notna().any():
        outlines = communes[["region", "geometry"]].dissolve(by="region").reset_index()
    palette = np.array([*classes.colors, NODATA_COLOR])
    for name, (column, panel_title) in zip(names, panels, strict=True):
        ax = axes[name]
        idx = classes.index(communes[column])
        colors = palette[np.where(idx >= 0, idx, len(classes.colors))]
        communes.plot(ax=ax, color=colors, edgecolor="white", linewidth=0.25)
        if outlines is not None:
            outlines.boundary.plot(ax=ax, color="#111111", linewidth=1.1)
            for point, region in zip(shapely.point_on_surface(outlines.geometry.array),
                                     outlines["region"], strict=True):
                ax.annotate(str(region), (point.x, point.y), ha="center", va="center",
                            fontsize=8, fontweight="bold", color="#111111",
                            bbox={"boxstyle": "round,pad=0.2", "fc": "white", "alpha": 0.7,
                                  "lw": 0})
        ax.set_title(panel_title, fontsize=11)
        ax.set_axis_off()
        ax.set_aspect("equal")
    handles = [Patch(facecolor=c, edgecolor="#777777", label=label)
               for c, label in zip(classes.colors, classes.labels, strict=True)]
    if communes[[c for c, _ in panels]].isna().to_numpy().any():
        handles.append(Patch(facecolor=NODATA_COLOR, edgecolor="#777777",
                             label=t["no_data"].format(why=classes.indicator.nodata)))
    ind = classes.indicator
    key = axes["legend"]
    key.set_axis_off()
    key.legend(handles=handles, loc="upper center", ncols=ncols,
               fontsize=8, title=f"{ind.label} ({ind.units}), {t[f'scheme_{classes.scheme}']}",
               title_fontsize=9, frameon=False)
    if synthetic:
        key.text(0.5, 0.0, t["synthetic"], ha="center", va="bottom", color="#b00000",
                 fontsize=10, fontweight="bold", transform=key.transAxes)
    fig.suptitle(title, fontsize=13, fontweight="bold")
    buffer = BytesIO()
    fig.savefig(buffer, format="png", facecolor="white")
    return buffer.getvalue()


def static_maps(data: MapData, *, scheme: str = "quantiles", k: int = 5,
                lang: str | None = None) -> dict[str, bytes]:
    """``static_radius.png`` (R by commune) and, with coverage, ``static_coverage.png``.

    The coverage figure has one panel per technology, all with the same classes. ``lang``: the
    language of the titles, the legend and its numbers, ``vi`` or ``en`` (default: the
    language in force).
    """
    t = labels_for(lang)
    lang = lang or i18n.current()
    out = {}
    c = data.communes
    province = data.province
    if "radius_km" in c.columns:
        classes = choropleth_classes(c["radius_km"], "radius_km", scheme=scheme, k=k, lang=lang)
        out[outputs.static_map("radius")] = static_map(
            c, [("radius_km", "")], classes, synthetic=data.synthetic,
            title=t["static_radius"].format(province=province))
    columns = [col for col in c.columns if str(col).startswith("pop_pct_any_")]
    if columns:
        values = pd.concat([c[col] for col in columns], ignore_index=True)
        classes = choropleth_classes(values, "pop_pct_any_4g", scheme=scheme, k=k, lang=lang)
        classes = dataclasses.replace(classes, indicator=dataclasses.replace(
            classes.indicator, label=t["covered_any"]))
        panels = [(col, col.removeprefix("pop_pct_any_").upper()) for col in columns]
        out[outputs.static_map("coverage")] = static_map(
            c, panels, classes, synthetic=data.synthetic,
            title=t["static_coverage"].format(province=province))
    return out
