"""Static PNG choropleths for reports, drawn with matplotlib's ``Figure`` API (no pyplot).

matplotlib is imported when a map is drawn, not with :mod:`ictgis.maps`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from io import BytesIO
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ictgis import admin, i18n, outputs
from ictgis.maps.classification import Classes, choropleth_classes
from ictgis.maps.data import MapData
from ictgis.maps.labels import labels_for
from ictgis.maps.styles import NODATA_COLOR

if TYPE_CHECKING:
    from matplotlib.figure import Figure
    from matplotlib.path import Path


def static_figure(communes: gpd.GeoDataFrame, panels: Sequence[tuple[str, str]],
                  classes: Classes, *, title: str, synthetic: bool = False,
                  dpi: int = 120) -> Figure:
    """A choropleth of commune columns with region outlines, for reports (a ``Figure``).

    Parameters
    ----------
    communes
        Communes in the (metric) working CRS with the panel columns and ``region``.
    panels
        (column, panel title) pairs, drawn side by side with the same classes.
    classes
        Classes and colours (:func:`choropleth_classes`).
    title
        Figure title, wrapped to the figure's width (never cut); ``synthetic`` adds the
        synthetic-data label.
    dpi
        Resolution, dots per inch.
    Labels are in the language of ``classes``.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.collections import LineCollection, PathCollection
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
    FigureCanvasAgg(fig)  # a renderer to measure the title with
    names = [f"panel{i}" for i in range(len(panels))]
    # matplotlib's stub wants list[HashableList] (invariant) where any nested list of str works
    axes = fig.subplot_mosaic([names, ["legend"] * len(panels)],  # type: ignore[list-item]
                              height_ratios=[map_height, legend_height])
    outlines = None
    if "region" in communes.columns and communes["region"].notna().any():
        outlines = admin.outlines(communes, "region")
    palette = np.array([*classes.colors, NODATA_COLOR])
    paths = polygon_paths(communes.geometry.array)
    for name, (column, panel_title) in zip(names, panels, strict=True):
        ax = axes[name]
        idx = classes.index(communes[column])
        colors = palette[np.where(idx >= 0, idx, len(classes.colors))]
        ax.add_collection(PathCollection(paths, facecolors=colors, edgecolors="white",
                                         linewidths=0.25))
        ax.autoscale_view()
        if outlines is not None:
            ax.add_collection(LineCollection(_lines(outlines.geometry.array),
                                             colors="#111111", linewidths=1.1))
            for point, region in zip(shapely.point_on_surface(outlines.geometry.array),
                                     outlines["region"], strict=True):
                ax.annotate(str(region), (point.x, point.y), ha="center", va="center",
                            fontsize=8, fontweight="bold", color="#111111",
                            bbox={"boxstyle": "round,pad=0.2", "fc": "white", "alpha": 0.7,
                                  "lw": 0})
        if panel_title:
            ax.set_title(wrap_text(fig, panel_title, fontsize=11, share=1 / len(panels)),
                         fontsize=11)
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
    key.legend(handles=handles, loc="upper center", ncols=ncols, fontsize=8,
               title=wrap_text(fig, f"{ind.label} ({ind.units}), "
                               f"{t[f'scheme_{classes.scheme}']}", fontsize=9),
               title_fontsize=9, frameon=False)
    if synthetic:
        key.text(0.5, 0.0, t["synthetic"], ha="center", va="bottom", color="#b00000",
                 fontsize=10, fontweight="bold", transform=key.transAxes)
    fig.suptitle(wrap_text(fig, title, fontsize=13, weight="bold"), fontsize=13,
                 fontweight="bold")
    return fig


def polygon_paths(polygons: np.ndarray) -> list[Path]:
    """One matplotlib ``Path`` per (multi)polygon: every ring a closed subpath, holes included.

    The paths geopandas' ``plot`` draws (each part's exterior, then its interiors), built
    for the whole array at once instead of polygon by polygon (Agg leaves the holes
    unfilled whichever way their rings turn).
    """
    from matplotlib.path import Path

    parts, part_of = shapely.get_parts(polygons, return_index=True)
    rings, ring_of = shapely.get_rings(parts, return_index=True)
    xy = shapely.get_coordinates(rings)
    n = shapely.get_num_coordinates(rings)
    codes = np.full(len(xy), Path.LINETO, dtype=Path.code_type)
    ends = np.cumsum(n)
    codes[ends - n], codes[ends - 1] = Path.MOVETO, Path.CLOSEPOLY
    # the first vertex of each polygon, and the end
    cuts = np.append(ends - n, len(xy))[np.searchsorted(part_of[ring_of],
                                                        np.arange(len(polygons) + 1))]
    return [Path(xy[a:b], codes[a:b]) for a, b in zip(cuts[:-1], cuts[1:], strict=True)]


def _lines(polygons: np.ndarray) -> list[np.ndarray]:
    """The outlines of polygons as (n, 2) vertex arrays, one per ring."""
    return [shapely.get_coordinates(ring) for ring in
            shapely.get_parts(shapely.boundary(polygons))]


def static_map(communes: gpd.GeoDataFrame, panels: Sequence[tuple[str, str]], classes: Classes,
               *, title: str, synthetic: bool = False, dpi: int = 120) -> bytes:
    """:func:`static_figure` as PNG bytes."""
    fig = static_figure(communes, panels, classes, title=title, synthetic=synthetic, dpi=dpi)
    buffer = BytesIO()
    fig.savefig(buffer, format="png", facecolor="white")
    return buffer.getvalue()


def wrap_text(fig: Figure, text: str, *, fontsize: float, weight: str = "normal",
              share: float = 1.0) -> str:
    """``text`` broken into lines (at spaces) that fit ``share`` of the figure's width.

    Widths are measured with the figure's renderer (``fig`` needs a canvas that has one, such
    as Agg), leaving 4 % of the width as margin; a word longer than a line stays whole.
    """
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    room = fig.get_figwidth() * fig.dpi * share * 0.96
    probe = fig.text(0, 0, "", fontsize=fontsize, fontweight=weight)

    def fits(line: str) -> bool:
        probe.set_text(line)
        return bool(probe.get_window_extent(renderer).width <= room)

    lines: list[str] = []
    for word in text.split():
        if lines and fits(f"{lines[-1]} {word}"):
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    probe.remove()
    return "\n".join(lines)


def static_maps(data: MapData, *, indicator: str = "radius_km", scheme: str = "quantiles",
                k: int = 5, lang: str | None = None) -> dict[str, bytes]:
    """The choropleth of ``indicator`` and, with coverage, ``static_coverage.png``.

    The choropleth is ``static_radius.png`` for ``radius_km`` (the default),
    ``static_<indicator>.png`` for another indicator. The coverage figure has one panel per
    technology, all with the same classes. ``lang``: the language of the titles, the legend
    and its numbers, ``vi`` or ``en`` (default: the language in force).
    """
    t = labels_for(lang)
    lang = lang or i18n.current()
    out = {}
    c = data.communes
    province = data.province
    if indicator in c.columns:
        classes = choropleth_classes(c[indicator], indicator, scheme=scheme, k=k, lang=lang)
        if indicator == "radius_km":
            name, title = "radius", t["static_radius"].format(province=province)
        else:
            name = indicator
            title = t["static_indicator"].format(province=province, label=classes.indicator.label)
        out[outputs.static_map(name)] = static_map(c, [(indicator, "")], classes,
                                                   synthetic=data.synthetic, title=title)
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
