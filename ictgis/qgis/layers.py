"""Which layers the QGIS project shows, in which group, with which styles.

:func:`project_plan` looks at what the earlier steps wrote (through :mod:`ictgis.outputs`) and
at the workspace, and returns the layers of the project: only those that exist, each with its
styles. The workspace layers (postal points, BTS sites, plan zones and planned sites) and the
uncovered areas are not among the earlier outputs: they become layers of
``qgis/layers.gpkg``, so that the outputs folder holds everything the project shows.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd

from ictgis import i18n, outputs
from ictgis.maps.labels import labels_for
from ictgis.maps.styles import INDICATORS
from ictgis.qgis import styles
from ictgis.qgis.project import ProjectLayer
from ictgis.qgis.styles import Style

if TYPE_CHECKING:
    from ictgis.workspace import Workspace

#: Groups of the layer tree, top first (drawn on top): ids of ``qgis.group.*``.
GROUPS = ("priorities", "bts", "postal", "plan", "coverage", "stats")
#: Workspace layers copied into ``qgis/layers.gpkg``.
WORKSPACE_LAYERS = ("post_offices", "bts", "zones", "planned_sites")
#: Layer of the uncovered areas in ``qgis/layers.gpkg``.
UNCOVERED = "uncovered_areas"


@dataclass(frozen=True)
class RasterStyle:
    """What a GeoTIFF gets: its sidecar style, a band description, a colour table (classes)."""

    style: Style
    description: str
    colormap: Mapping[int, tuple[int, int, int, int]] | None = None


@dataclass(frozen=True)
class ProjectPlan:
    """The project's layers and what must be written for them.

    Attributes
    ----------
    layers
        The layers of the project, top first within each group.
    groups
        Group titles, top first (in the language in force).
    workspace
        Layers to write into ``qgis/layers.gpkg`` (name -> layer).
    rasters
        GeoTIFF (relative to the outputs folder) -> its style.
    extent
        The province's bounds with a margin, in the working CRS.
    """

    layers: tuple[ProjectLayer, ...]
    groups: tuple[str, ...]
    workspace: Mapping[str, gpd.GeoDataFrame]
    rasters: Mapping[str, RasterStyle]
    extent: tuple[float, float, float, float]

    def gpkg_styles(self) -> dict[str, dict[str, Sequence[Style]]]:
        """GeoPackage (relative) -> layer -> styles, for :func:`ictgis.qgis.write_layer_styles`."""
        found: dict[str, dict[str, Sequence[Style]]] = {}
        for layer in self.layers:
            if "|layername=" in layer.source and layer.styles:
                path, name = layer.source.removeprefix("./").split("|layername=")
                found.setdefault(path, {})[name] = layer.styles
        return found


def _source(found: outputs.Outputs, step: str, layer: str) -> str:
    return f"./{found.gpkg(step).relative_to(found.root).as_posix()}|layername={layer}"


def _raster_source(found: outputs.Outputs, path: Path) -> str:
    return f"./{path.relative_to(found.root).as_posix()}"


def _text(value: object) -> object:
    """Tuples (operators, technologies) as ``"a, b"`` text, as the outputs write them."""
    if isinstance(value, tuple | list):
        return ", ".join(str(v) for v in value)
    return value


def _texts(values: pd.Series) -> pd.Series:
    """:func:`_text` of each value, computed once per distinct value."""
    codes, distinct = pd.factorize(values.to_numpy(dtype=object))
    made = np.empty(len(distinct) + 1, dtype=object)
    made[:-1] = [_text(v) for v in distinct]
    out = made[codes]  # code -1 (a missing value) takes the last slot, then the value itself
    missing = codes < 0
    out[missing] = values.to_numpy(dtype=object)[missing]
    return pd.Series(out, index=values.index, dtype=object)


def workspace_layers(ws: Workspace, found: outputs.Outputs) -> dict[str, gpd.GeoDataFrame]:
    """The workspace layers and the uncovered areas as layers of ``qgis/layers.gpkg``."""
    layers: dict[str, gpd.GeoDataFrame] = {}
    for name in WORKSPACE_LAYERS:
        gdf = getattr(ws, name, None)
        if gdf is None or not len(gdf):
            continue
        out = gdf.copy()
        for col in out.columns:
            if col != out.geometry.name and out[col].dtype == object:
                out[col] = _texts(out[col])
        layers[name] = out
    gaps = found.uncovered_areas()
    if gaps is not None and len(gaps):
        points = gpd.points_from_xy(gaps["x"], gaps["y"], crs=ws.config.crs)
        layers[UNCOVERED] = gpd.GeoDataFrame(gaps, geometry=points, crs=ws.config.crs)
    return layers


def _choropleths(values: pd.DataFrame, source: str, indicator: str, scheme: str
                 ) -> list[Style]:
    """One style per indicator of ``source`` the layer has; ``indicator`` (or the first) default."""
    columns = [c for c, ind in INDICATORS.items() if ind.source == source and c in values]
    default = indicator if indicator in columns else (columns[-1] if source == "coverage"
                                                      else columns[0]) if columns else ""
    return [styles.choropleth(values[c], c, scheme=scheme, default=c == default)
            for c in columns]


def project_plan(ws: Workspace, found: outputs.Outputs, *, indicator: str = "radius_km",
                 scheme: str = "quantiles") -> ProjectPlan:
    """The layers of the project from what ``found`` holds and the workspace.

    Parameters
    ----------
    ws
        The workspace (its layers, coverage settings, the province's extent).
    found
        The outputs folder being built.
    indicator, scheme
        The default choropleth (as ``ictgis map``); every other indicator is a further style.
    """
    t = labels_for()
    group = {key: i18n.t(f"qgis.group.{key}") for key in GROUPS}
    layers: list[ProjectLayer] = []

    def vector(key: str, name: str, step: str, layer: str, gdf: gpd.GeoDataFrame,
               kind: str, found_styles: Sequence[Style], visible: bool = True) -> None:
        layers.append(ProjectLayer(group[key], name, _source(found, step, layer), kind,
                                   tuple(found_styles), visible, len(gdf)))

    stats = found.layer(outputs.STATS, "regions")
    if stats is not None:
        vector("stats", t["region_outlines"], outputs.STATS, "regions", stats, "polygon",
               [styles.outlines("region", stroke="#000000", width=0.8, size=11)])
    stats = found.layer(outputs.STATS, "districts")
    if stats is not None:
        vector("stats", t["district_outlines"], outputs.STATS, "districts", stats, "polygon",
               [styles.outlines("district", stroke="#333333", width=0.45, size=8.5)])
    communes = found.stats_communes()
    if communes is not None:
        found_styles = _choropleths(communes, "stats", indicator, scheme)
        shown = next((s for s in found_styles if s.default), None)
        vector("stats", _layer_name(found_styles, shown), outputs.STATS, "communes", communes,
               "polygon", found_styles)

    extra = workspace_layers(ws, found)
    for key, name, kind, style, visible in (
        ("postal", "post_offices", "point", lambda g: styles.postal(g["type"]), True),
        ("bts", "bts", "point", lambda g: styles.bts(g["operators"]), True),
        ("plan", "planned_sites", "point", lambda g: styles.planned(), False),
        ("plan", "zones", "polygon", lambda g: styles.zones(g["zone_class"]), False),
        ("coverage", UNCOVERED, "point", lambda g: styles.uncovered(), False),
    ):
        if name in extra:
            gdf = extra[name]
            vector(key, _workspace_name(name, len(gdf)), outputs.QGIS, name, gdf, kind,
                   [style(gdf)], visible)

    # only the severities: the findings of a large BTS file are a million rows
    links = found.findings("links", columns=["severity"])
    if links is not None and len(links):
        vector("plan", i18n.t("qgis.layer.links", n=i18n.number(len(links), 0)),
               outputs.SITING, "links", links, "line", [styles.links(links["severity"])], False)
    findings = found.findings("findings", columns=["severity"])
    if findings is not None and len(findings):
        vector("plan", t["findings_layer"].format(n=i18n.number(len(findings), 0)),
               outputs.SITING, "findings", findings, "point",
               [styles.findings(findings["severity"])], False)
    _order(layers, group["plan"], ("links", "findings", "planned_sites", "zones"))

    covered = found.coverage_communes()
    if covered is not None:
        found_styles = _choropleths(covered, "coverage", indicator, scheme)
        shown = next((s for s in found_styles if s.default), None)
        vector("coverage", _layer_name(found_styles, shown), outputs.COVERAGE, "communes",
               covered, "polygon", found_styles, False)
    rasters = _rasters(ws, found, group["coverage"], layers)

    layers += _priorities(found, group["priorities"])
    x0, y0, x1, y1 = ws.communes.total_bounds
    pad = 0.03 * max(x1 - x0, y1 - y0)
    return ProjectPlan(tuple(layers), tuple(group[key] for key in GROUPS), extra, rasters,
                       (x0 - pad, y0 - pad, x1 + pad, y1 + pad))


def _layer_name(found_styles: Sequence[Style], shown: Style | None) -> str:
    """The commune layer's name: that of its default indicator, as on the HTML map."""
    if shown is not None and shown.column:
        return styles.indicator_name(shown.column)
    return found_styles[0].name if found_styles else ""


def _workspace_name(name: str, n: int) -> str:
    t = labels_for()
    count = i18n.number(n, 0)
    return {"post_offices": f"{t['postal_points']} ({count})",
            "bts": f"{t['bts_legend']} ({count})",
            "planned_sites": t["planned_layer"].format(n=count),
            "zones": t["zones"],
            UNCOVERED: i18n.t("qgis.layer.uncovered")}[name]


def _order(layers: list[ProjectLayer], group: str, names: Sequence[str]) -> None:
    """Sort the layers of ``group`` by their layer name in ``names`` (in place)."""
    rank = {name: i for i, name in enumerate(names)}
    members = [layer for layer in layers if layer.group == group]
    members.sort(key=lambda layer: rank.get(layer.source.split("|layername=")[-1], len(rank)))
    it = iter(members)
    layers[:] = [next(it) if layer.group == group else layer for layer in layers]


def _rasters(ws: Workspace, found: outputs.Outputs, group: str,
             layers: list[ProjectLayer]) -> dict[str, RasterStyle]:
    """The class rasters (visible colours, dBm labels) and the level rasters (a subgroup)."""
    technologies = ws.config.coverage.technologies
    operator_names = {"any": i18n.t("coverage.any_operator")}
    rasters: dict[str, RasterStyle] = {}
    levels: list[ProjectLayer] = []
    for tech in reversed(list(technologies)):
        cfg = technologies[tech]
        path = found.folder(outputs.COVERAGE) / outputs.class_raster(tech)
        if path.is_file():
            style = styles.signal_classes(cfg.classes_dbm)
            source = _raster_source(found, path)
            rasters[source.removeprefix("./")] = RasterStyle(
                style, i18n.t("qgis.band.class", tech=tech.upper()),
                styles.colormap(cfg.classes_dbm))
            layers.append(ProjectLayer(group, labels_for()["signal_legend"].format(
                tech=tech.upper()), source, "raster", (style,), False))
        for path in found.rasters():
            operator = path.stem.removeprefix("level_").rsplit("_", 1)[0]
            if path.name != outputs.level_raster(operator, tech):
                continue
            style = styles.signal_levels(cfg.classes_dbm)
            shown = operator_names.get(operator, _operator_name(operator))
            source = _raster_source(found, path)
            rasters[source.removeprefix("./")] = RasterStyle(
                style, i18n.t("qgis.band.level", tech=tech.upper(), operator=shown))
            levels.append(ProjectLayer(f"{group}/{i18n.t('qgis.group.levels')}",
                                       i18n.t("qgis.layer.level", tech=tech.upper(),
                                              operator=shown), source, "raster", (style,),
                                       False))
    layers += levels
    return rasters


def _operator_name(slug: str) -> str:
    """An operator's name from its file name (``vinaphone`` -> ``VinaPhone``)."""
    from ictgis.telecom import OPERATORS

    return str(OPERATORS.get(slug, slug))


def _priorities(found: outputs.Outputs, group: str) -> list[ProjectLayer]:
    """The layers of the GeoPackages of ``priorities/`` (when that step has run)."""
    import pyogrio

    folder = found.folder(outputs.PRIORITIES)
    layers = []
    for path in sorted(folder.glob("*.gpkg")) if folder.is_dir() else []:
        for name, geometry in pyogrio.list_layers(path):
            if geometry is None or name == "layer_styles":
                continue
            count = int(pyogrio.read_info(path, layer=name)["features"])
            kind = ("point" if "Point" in geometry else
                    "line" if "Line" in geometry else "polygon")
            style = styles.ranked(kind)
            layers.append(ProjectLayer(
                group, name, f"./{path.relative_to(found.root).as_posix()}|layername={name}",
                kind, (style,), True, count))
    return layers
