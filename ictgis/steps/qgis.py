"""Step ``qgis``: QGIS styles for every output layer and the project ``OUT/ictgis.qgz``.

Runs after the steps whose outputs it styles (``stats``, ``siting``, ``coverage``; the
``priorities`` step's layers too when they exist) and styles what it finds: nothing is
computed again. It writes ``qgis/layers.gpkg`` (the workspace layers the project shows), the
``layer_styles`` of every GeoPackage, a ``.qml``, band description and colour table for every
GeoTIFF, and the project (:mod:`ictgis.qgis`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ictgis import outputs
from ictgis.steps import StepContext, output_title

if TYPE_CHECKING:
    from ictgis.qgis import ProjectPlan
    from ictgis.workspace import Workspace

NAME = outputs.QGIS
NEEDS_BTS = False


@dataclass(frozen=True)
class QgisResult:
    """The project's layers and styles, and the project archive (``.qgz`` bytes)."""

    plan: ProjectPlan
    project: bytes


def compute(ws: Workspace, ctx: StepContext, *, indicator: str = "radius_km",
            scheme: str = "quantiles", **_options: Any) -> QgisResult:
    """The styles of the layers that ``ctx.outputs`` holds, and the project showing them.

    ``indicator`` and ``scheme``: the choropleth applied by default (as ``ictgis map``);
    every other indicator is a further style of the commune layers. Labels are in
    ``ctx.lang``.
    """
    from ictgis.i18n import language, t
    from ictgis.qgis import project_plan, project_xml, qgz

    with language(ctx.lang):
        if ctx.progress:
            ctx.progress(t("qgis.progress.styles"))
        plan = project_plan(ws, ctx.outputs, indicator=indicator, scheme=scheme)
        if ctx.progress:
            ctx.progress(t("qgis.progress.project"))
        title = t("qgis.project.title", province=output_title(ws.config))
        xml = project_xml(title, plan.layers, plan.groups, crs=ws.config.crs,
                          extent=plan.extent)
    return QgisResult(plan, qgz(xml))


def write(result: QgisResult, ctx: StepContext) -> list[Path]:
    """Write ``qgis/layers.gpkg``, the styles into the outputs, and ``ictgis.qgz``."""
    from ictgis import io
    from ictgis.qgis import style_raster, write_layer_styles

    root = ctx.outputs.root
    written: list[Path] = []
    if result.plan.workspace:
        folder = ctx.outputs.folder(NAME)
        with io.staged_dir(folder) as tmp:
            io.write_layers(result.plan.workspace, tmp / outputs.QGIS_LAYERS_GPKG)
        written.append(ctx.outputs.gpkg(NAME))
    for relative, tables in result.plan.gpkg_styles().items():
        write_layer_styles(root / relative, tables)
        written.append(root / relative)
    for relative, raster in result.plan.rasters.items():
        path = root / relative
        style_raster(path, description=raster.description, colormap=raster.colormap)
        sidecar = path.with_name(outputs.qml_sidecar(path.name))
        io.write_text(sidecar, raster.style.qml)
        written += [path, sidecar]
    io.write_bytes(ctx.outputs.qgis_project, result.project)
    return sorted(set(written)) + [ctx.outputs.qgis_project]
