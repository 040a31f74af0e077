"""Step ``stats``: postal and telecom indicators at every level -> ``OUT/stats/``."""

from __future__ import annotations

from collections.abc import Mapping
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ictgis import outputs
from ictgis.steps import StepContext, output_title, readable, sheet_title

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd

    from ictgis.workspace import Workspace

NAME = outputs.STATS
#: The formats of map layers (:func:`ictgis.io.write_tables`), written once the layers are made.
LAYER_FORMATS = ("gpkg", "geojson")
NEEDS_BTS = False


@dataclass(frozen=True)
class StatsResult:
    """The indicator tables by level and the map layers made from them.

    The layers are made on a thread of their own (:func:`compute`): :attr:`layers` waits
    for them, and raises what making them raised.
    """

    tables: Mapping[str, pd.DataFrame]
    making_layers: Future[dict[str, gpd.GeoDataFrame]]
    title: str

    @property
    def layers(self) -> Mapping[str, gpd.GeoDataFrame]:
        """Layer name -> map layer (:func:`ictgis.stats.indicator_layers`)."""
        return self.making_layers.result()


def compute(ws: Workspace, ctx: StepContext, **_options: Any) -> StatsResult:
    """Indicators at every level (:func:`ictgis.stats.compute_stats`) and their map layers.

    The outlines of the larger units (GEOS coverage cleaning and union, which release the
    GIL) are made while the tables are computed and written (:func:`write`).
    """
    from ictgis.stats import compute_stats, indicator_layers
    from ictgis.threads import in_background

    tables = compute_stats(ws)
    return StatsResult(tables, in_background(indicator_layers, ws, tables),
                       output_title(ws.config))


def sheet_level(level: str, *, national: bool) -> str:
    """The sheet id of a level's table (``provinces`` for a national run's ``province``).

    A national run's ``province`` table has one row per province: "Provinces", not "Province".
    """
    return "provinces" if national and level == "province" else level


def _sheet_names(tables: Mapping[str, pd.DataFrame]) -> dict[str, str]:
    """Sheet of every level (:func:`sheet_level`)."""
    return {k: sheet_title(sheet_level(k, national="country" in tables)) for k in tables}


def write(result: StatsResult, ctx: StepContext) -> list[Path]:
    """Write ``stats/``: CSVs and GPKG (always: later steps read them), XLSX, GeoJSON.

    Zones, the province, notes and headers are written in ``ctx.lang``
    (:func:`ictgis.stats.display`).
    """
    from ictgis import io
    from ictgis.i18n import language
    from ictgis.stats import NUMBER_FORMATS, display, headers

    folder = ctx.outputs.folder(NAME)
    with language(ctx.lang), io.staged_dir(folder) as tmp:
        columns = {c for table in result.tables.values() for c in table.columns}
        tables = {name: display(table) for name, table in result.tables.items()}
        # the CSVs and the GeoPackage whatever --format asks: later steps read them
        formats = (*io.READ_BACK_FORMATS, *ctx.formats)
        written = io.write_tables(tmp, tables, formats=formats, name=NAME,
                                  headers=headers(columns), number_formats=NUMBER_FORMATS,
                                  title=result.title, sheet_names=_sheet_names(tables),
                                  readable=readable)
        # the layers once their outlines are made (while the tables were written)
        layers = {name: display(layer) for name, layer in result.layers.items()}
        written += io.write_tables(tmp, {}, formats=[f for f in formats if f in LAYER_FORMATS],
                                   layers=layers, name=NAME)
    return [folder / p.name for p in written]
