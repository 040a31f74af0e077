"""The pipeline: load a workspace, run its steps into a staged copy of the outputs, swap it in.

Every front end (the CLI, notebooks, a QGIS provider, a distributed run) calls :func:`run`::

    from ictgis import pipeline
    result = pipeline.run("path/to/workspace", steps=["stats", "maps"], lang="en")
    result.outputs            # the outputs folder, complete
    result.results["stats"]   # the step's frozen result (tables by level, ...)

Data flows one way: config -> workspace (validated layers in the metric CRS) -> steps ->
outputs folder (:mod:`ictgis.outputs`) -> views (maps, report) that read it.
"""

from __future__ import annotations

import functools
import json
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ictgis import outputs
from ictgis.steps import DEFAULT_FORMATS, STEPS, StepContext, step

if TYPE_CHECKING:
    from ictgis.config import Config
    from ictgis.workspace import Workspace

logger = logging.getLogger(__name__)

#: Steps whose GeoPackages carry QGIS styles (the ``qgis`` step writes them).
STYLED = ("stats", "siting", "coverage", "priorities")

#: ``progress(step, detail)``: ``detail`` is empty when ``step`` starts.
Progress = Callable[[str, str], None]


@dataclass(frozen=True)
class RunResult:
    """What a run produced.

    Attributes
    ----------
    outputs
        The outputs folder (now holding the new set).
    workspace
        The loaded workspace (layers, problems, rejected rows).
    results
        Step name -> the step's result, for the steps that ran.
    timings_s
        ``validate`` (loading) and each step that ran -> seconds.
    written
        The files the steps wrote (paths in ``outputs``).
    manifest
        ``manifest.json``, when written.
    """

    outputs: Path
    workspace: Workspace
    results: Mapping[str, Any]
    timings_s: Mapping[str, float]
    written: tuple[Path, ...] = ()
    manifest: Path | None = None
    skipped: tuple[str, ...] = field(default=())


def output_dir(workspace: Path | str, out: Path | str | None = None) -> Path:
    """The outputs folder: ``out``, or ``outputs/`` beside the workspace's ictgis.toml."""
    if out is not None:
        return Path(out)
    root = Path(workspace)
    return (root if root.is_dir() else root.parent) / "outputs"


def load(source: Path | str | Config, *, strict: bool = False,
         progress: Callable[[str], None] | None = None) -> Workspace:
    """Read the configuration and every layer, validated and in the metric CRS.

    Parameters
    ----------
    source
        A workspace folder, its ictgis.toml, or a loaded :class:`~ictgis.config.Config`.
    strict
        Refuse any rejected row, and any commune kept without its code.
    progress
        Called with a short text as each layer is read.

    Raises
    ------
    ConfigError, DataError, LayerReadError
        On a bad configuration or layer, and with ``strict`` on any rejected row.
    """
    from ictgis.config import Config, load_config
    from ictgis.workspace import load_workspace

    config = source if isinstance(source, Config) else load_config(Path(source))
    return load_workspace(config, strict=strict, progress=progress)


def run(source: Path | str | Config | Workspace, *, steps: Sequence[str] | None = None,
        out: Path | str | None = None, lang: str | None = None,
        formats: Sequence[str] = DEFAULT_FORMATS, strict: bool = False,
        options: Mapping[str, Mapping[str, Any]] | None = None,
        progress: Progress | None = None, manifest: bool | None = None) -> RunResult:
    """Run steps on a workspace and replace the outputs folder with the new set as a whole.

    The steps write into a hard-linked copy of the outputs folder, which replaces it only when
    every step has succeeded: a failed run leaves the previous outputs as they were. Every
    message and label is in ``lang``.

    Parameters
    ----------
    source
        A workspace folder or ictgis.toml, a :class:`~ictgis.config.Config`, or a loaded
        :class:`~ictgis.workspace.Workspace`.
    steps
        Step names (:data:`ictgis.steps.STEPS`); None: all of them. Steps that need BTS
        sites are skipped when the workspace has none. An empty list only loads the
        workspace and writes ``rejects/``.
    out
        The outputs folder (default: ``outputs/`` beside ictgis.toml).
    lang
        Language of the messages and labels: ``vi`` or ``en`` (default: the language in
        force, :func:`ictgis.i18n.current`, which is ``vi`` unless a front end set another).
    formats
        Table formats: any of ``csv``, ``xlsx``, ``gpkg``, ``geojson``.
    strict
        Refuse any rejected row (nothing is written).
    options
        Step name -> keyword options of its ``compute`` (``{"maps": {"tiles": "osm"}}``).
    progress
        ``progress(step, detail)`` as the work advances.
    manifest
        Write ``manifest.json`` (default: when every step runs).

    Returns
    -------
    RunResult
    """
    from ictgis import i18n

    with i18n.language(lang) as chosen:
        return _run(source, steps=steps, out=out, lang=chosen, formats=formats, strict=strict,
                    options=options, progress=progress, manifest=manifest)


def _run(source: Path | str | Config | Workspace, *, steps: Sequence[str] | None,
        out: Path | str | None, lang: str,
        formats: Sequence[str] = DEFAULT_FORMATS, strict: bool = False,
        options: Mapping[str, Mapping[str, Any]] | None = None,
        progress: Progress | None = None, manifest: bool | None = None) -> RunResult:
    from ictgis import io
    from ictgis.i18n import t
    from ictgis.workspace import Workspace

    unknown = sorted(set(steps or ()) - set(STEPS))
    if unknown:
        msg = t("errors.not_a_step", name=unknown[0], steps=", ".join(STEPS))
        raise ValueError(msg)
    started = time.perf_counter()
    if isinstance(source, Workspace):
        ws = source
    else:
        ws = load(source, strict=strict,
                  progress=(lambda detail: progress("validate", detail)) if progress else None)
    timings = {"validate": time.perf_counter() - started}
    target = output_dir(ws.config.path, out)
    chosen = list(STEPS) if steps is None else [s for s in STEPS if s in steps]
    if set(chosen) & set(STYLED) and "qgis" not in chosen and (
            target / outputs.QGIS_PROJECT).is_file():
        # the QGIS styles and project follow every layer they style: a step run alone that
        # rewrites a GeoPackage would otherwise leave it unstyled under an older project
        chosen = [s for s in STEPS if s in {*chosen, "qgis"}]
    write_manifest_file = steps is None if manifest is None else manifest
    options = options or {}
    results: dict[str, Any] = {}
    written: list[Path] = []
    skipped: list[str] = []
    with io.staged_copy(target) as stage:
        ctx = StepContext(outputs.Outputs(stage), lang=lang, formats=tuple(formats))
        write_rejects(ws, ctx.outputs)
        for name in chosen:
            module = step(name)
            if module.NEEDS_BTS and ws.bts is None:
                skipped.append(name)
                continue
            begin = time.perf_counter()
            if progress:
                progress(name, "")
            step_ctx = ctx if progress is None else StepContext(
                ctx.outputs, lang=lang, formats=ctx.formats,
                progress=functools.partial(progress, name))
            results[name] = module.compute(ws, step_ctx, **options.get(name, {}))
            written += [target / p.relative_to(stage) for p in module.write(results[name], ctx)]
            timings[name] = time.perf_counter() - begin
            logger.info("%s: %.2f s", name, timings[name])
        if write_manifest_file:
            given = {k: Path(v) for k, v in (("proposals", options.get("siting", {}).get(
                "proposals")),) if v is not None}
            write_manifest(ws, ctx.outputs, timings, inputs=given)
    return RunResult(target, ws, results, timings, tuple(written),
                     target / outputs.MANIFEST if write_manifest_file else None, tuple(skipped))


def write_rejects(ws: Workspace, found: outputs.Outputs) -> Path:
    """Write ``rejects/``: ``problems.csv`` and the rejected rows of each layer."""
    from ictgis import io

    folder = found.folder(outputs.REJECTS)
    with io.staged_dir(folder) as tmp:
        io.write_csv(ws.problems, tmp / outputs.PROBLEMS_CSV)
        for layer, rows in ws.rejects.items():
            io.write_csv(rows, tmp / outputs.rejected_rows_csv(layer))
    return folder


def write_manifest(ws: Workspace, found: outputs.Outputs, timings: Mapping[str, float],
                   inputs: Mapping[str, Path] | None = None) -> Path:
    """Write ``manifest.json``: inputs with checksums, config, versions, timings, outputs.

    Every file read is listed with its SHA-256 and size: each file of a multi-file layer (the
    ``.shp .shx .dbf .prj .cpg .qix`` of a Shapefile, a GeoPackage's ``-wal``), the rasters of
    ``[coverage]`` with their sidecars, and ``inputs`` (name -> file, e.g. a proposals file
    given on the command line). ``used_by`` names the layers (or settings) that read a file.
    """
    from ictgis import io

    config = ws.config
    sources: dict[str, Path] = {name: layer.path for name, layer in config.layers.items()}
    for key in ("population_raster", "landcover_raster"):
        relative = getattr(config.coverage, key)
        if relative:
            sources[f"coverage.{key}"] = config.root / relative
    calibration = config.root / "calibration.toml"  # applied by coverage when present
    if calibration.is_file():
        sources["coverage.calibration"] = calibration
    sources.update(inputs or {})
    used_by: dict[Path, set[str]] = {}
    for name, source in sources.items():
        for path in io.layer_files(source):
            used_by.setdefault(path, set()).add(name)
    document = {
        "province": config.province, "synthetic": config.synthetic,
        "config": {"path": str(config.path), "sha256": io.sha256(config.path),
                   "text": config.path.read_text(encoding="utf-8")},
        "inputs": [{"path": str(p), "sha256": io.sha256(p), "bytes": p.stat().st_size,
                    "used_by": sorted(used_by[p])} for p in sorted(used_by)],
        "packages": io.package_versions(),
        "timings_s": {k: round(v, 3) for k, v in timings.items()},
        "outputs": outputs.files(found.root),
    }
    io.write_text(found.manifest, json.dumps(document, ensure_ascii=False, indent=2))
    return found.manifest
