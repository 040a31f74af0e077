"""What a map shows: the layers of a workspace and the results of earlier steps, per region."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ictgis import text

if TYPE_CHECKING:
    from ictgis.workspace import Workspace


@dataclass(frozen=True)
class CoverageRaster:
    """A classified signal raster of one technology (``class_any_<tech>.tif``).

    Attributes
    ----------
    classes
        uint8 signal classes, 1 = best, 0 = nodata.
    transform, crs
        Georeferencing of ``classes``.
    classes_dbm
        Lower limits of the classes, best first (``[coverage.technologies.<tech>]``).
    threshold_dbm
        Received level from which a place counts as covered (threshold + margin), or None.
    """

    classes: np.ndarray
    transform: Any
    crs: Any
    classes_dbm: tuple[float, ...]
    threshold_dbm: float | None = None


@dataclass(frozen=True)
class MapData:
    """Everything a map shows, in the working CRS; absent layers are None (and left out).

    Attributes
    ----------
    province
        Province name, for the title.
    synthetic
        Whether the data is synthetic (labelled in the title and the legend).
    communes
        Communes with ``code``, ``name``, admin columns, and the indicator columns available.
    post_offices, bts, zones, planned_sites
        Workspace layers.
    findings, links
        Siting findings (points: ``site_id``, ``rule``, ``severity``, ``message``) and the
        lines from a site to the mast it conflicts with.
    coverage
        Technology -> classified signal raster.
    region
        The region a map is limited to, or None for the whole province.
    """

    province: str
    synthetic: bool
    communes: gpd.GeoDataFrame
    post_offices: gpd.GeoDataFrame | None = None
    bts: gpd.GeoDataFrame | None = None
    zones: gpd.GeoDataFrame | None = None
    planned_sites: gpd.GeoDataFrame | None = None
    #: The ranked sites of ``ictgis priorities`` (``rank``, ``candidate``, ``marginal_people``,
    #: ``cumulative_covered_pct``), or None before that step.
    priorities: gpd.GeoDataFrame | None = None
    findings: gpd.GeoDataFrame | None = None
    links: gpd.GeoDataFrame | None = None
    coverage: Mapping[str, CoverageRaster] = field(default_factory=dict)
    region: str | None = None
    #: Indicators by province (``province`` and the indicator columns) in a national
    #: workspace, for the national page's choropleth; None in a one-province workspace.
    provinces: pd.DataFrame | None = None
    #: What a polygon of ``communes`` is: ``commune``, or ``province`` (the national page).
    unit: str = "commune"


_COMMUNE_COLUMNS = ("code", "name", "kind", "province", "macro_region", "district", "region",
                    "population", "area_km2")
_STATS_COLUMNS = ("n_points", "radius_km", "pop_per_point", "masts", "masts_per_100km2")


def _attributes(table: pd.DataFrame, columns: Iterable[str]) -> pd.DataFrame:
    keep = [c for c in columns if c in table.columns]
    out = pd.DataFrame(table[["code", *keep]]).copy()
    out["code"] = out["code"].astype(str)
    return out.drop_duplicates("code")


def map_data(ws: Workspace, *, stats: pd.DataFrame | None = None,
             coverage: pd.DataFrame | None = None,
             findings: gpd.GeoDataFrame | None = None, links: gpd.GeoDataFrame | None = None,
             rasters: Mapping[str, CoverageRaster] | None = None,
             priorities: gpd.GeoDataFrame | None = None,
             provinces: pd.DataFrame | None = None) -> MapData:
    """Gather the layers of a workspace and the results of earlier steps for the maps.

    Parameters
    ----------
    ws
        A loaded :class:`ictgis.workspace.Workspace`.
    stats
        Commune indicators of ``ictgis stats`` (``code``, ``radius_km``, ``pop_per_point``,
        ``masts_per_100km2``, ...).
    coverage
        Commune coverage of ``ictgis coverage`` (``code``, ``pop_pct_any_<tech>``), or None.
    findings, links
        Layers of ``findings.gpkg`` in the working CRS, or None.
    rasters
        Technology -> :class:`CoverageRaster`, or None.
    priorities
        The ``ranking`` layer of ``priorities.gpkg`` in the working CRS, or None.
    provinces
        Indicators by province (national workspace: ``province.csv`` of the statistics,
        with the coverage's), or None.
    """
    communes = ws.communes[[c for c in _COMMUNE_COLUMNS if c in ws.communes.columns]
                           + ["geometry"]].copy()
    communes["code"] = communes["code"].astype(str)
    if stats is not None:
        communes = communes.merge(_attributes(stats, _STATS_COLUMNS), on="code", how="left")
    if coverage is not None:
        columns = [c for c in coverage.columns if str(c).startswith("pop_pct_any_")]
        communes = communes.merge(_attributes(coverage, columns), on="code", how="left")
    communes = gpd.GeoDataFrame(communes, geometry="geometry", crs=ws.communes.crs)
    return MapData(
        province=ws.config.province, synthetic=bool(ws.config.synthetic), communes=communes,
        post_offices=ws.post_offices, bts=ws.bts, zones=ws.zones,
        planned_sites=ws.planned_sites, findings=findings, links=links,
        coverage=dict(rasters or {}), priorities=priorities,
        provinces=provinces if national(communes) else None,
    )


def national(communes: pd.DataFrame) -> bool:
    """Whether the communes are of several provinces (a national workspace)."""
    return "province" in communes.columns and communes["province"].nunique() > 1


def provinces(data: MapData) -> list[str]:
    """The provinces of a national workspace, by name (empty for one province)."""
    if not national(data.communes):
        return []
    return sorted(str(p) for p in pd.unique(data.communes["province"].dropna()))


def regions(data: MapData) -> list[str]:
    """The regions of the communes, in order of first appearance (empty without regions)."""
    if "region" not in data.communes.columns:
        return []
    return [str(r) for r in pd.unique(data.communes["region"].dropna())]


def region_slug(name: str) -> str:
    """File-name form of a region name: ``"Vùng phía Tây"`` -> ``"vung_phia_tay"``."""
    return text.slug(name, "region")


def region_data(data: MapData, region: str, *, level: str = "region") -> MapData:
    """The part of ``data`` in one region (or one unit of another ``level``: ``province``).

    Communes by their region; postal points and masts by their commune; the other layers
    where they touch the region's area.
    """
    communes = data.communes[data.communes[level] == region]
    codes = set(communes["code"])
    # touching the area = touching one of its communes (no union of the communes needed)
    tree = shapely.STRtree(communes.geometry.array)

    def by_commune(gdf: gpd.GeoDataFrame | None) -> gpd.GeoDataFrame | None:
        if gdf is None:
            return None
        if "commune" in gdf.columns:
            return gdf[gdf["commune"].astype("string").isin(codes).fillna(False).to_numpy(bool)]
        return touching(gdf)

    def touching(gdf: gpd.GeoDataFrame | None) -> gpd.GeoDataFrame | None:
        if gdf is None:
            return None
        hit = np.zeros(len(gdf), dtype=bool)
        hit[tree.query(gdf.geometry.array, predicate="intersects")[0]] = True
        return gdf[hit]

    return dataclasses.replace(
        data, communes=communes, post_offices=by_commune(data.post_offices),
        bts=by_commune(data.bts), zones=touching(data.zones),
        planned_sites=touching(data.planned_sites), findings=touching(data.findings),
        priorities=touching(data.priorities),
        links=touching(data.links), region=region, provinces=None,
    )
