"""$ ictgis run"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path

import click

from ictgis.cli.coverage import write_coverage
from ictgis.cli.main import Console, load_checked, output_dir, report_rejects
from ictgis.cli.map import write_maps
from ictgis.cli.options import format_opt, lang_opt, out_opt, quiet_opt, strict_opt, workspace_opt
from ictgis.cli.report import write_report
from ictgis.cli.siting import write_siting
from ictgis.cli.stats import write_stats
from ictgis.workspace import Workspace

#: The steps of a run, in order: name -> (needs BTS, function of (ws, outputs, console, opts)).
STEPS: dict[str, tuple[bool, Callable[..., object]]] = {
    "stats": (False, lambda ws, out, con, o: write_stats(ws, out, o["formats"], con)),
    "siting": (True, lambda ws, out, con, o: write_siting(ws, out, con, lang=o["lang"])),
    "coverage": (True, lambda ws, out, con, o: write_coverage(ws, out, o["formats"], con)),
    "maps": (False, lambda ws, out, con, o: write_maps(ws, out, con, lang=o["lang"])),
    "report": (False, lambda ws, out, con, o: write_report(ws, out, con, lang=o["lang"])),
}


@click.command("run", short_help="Every step for a workspace, and a manifest.")
@workspace_opt
@out_opt
@format_opt
@lang_opt
@click.option("--skip", multiple=True, type=click.Choice(sorted(STEPS)),
              help="Leave a step out (repeatable).")
@strict_opt
@quiet_opt
def command(workspace: Path, out: Path | None, formats: tuple[str, ...], lang: str,
            skip: tuple[str, ...], strict: bool, quiet: bool) -> None:
    """Run every step for a workspace: validate, stats, siting, coverage, maps, report.

    Siting and coverage run when the workspace has a BTS layer. OUT/manifest.json lists the
    input files with their checksums, the configuration, package versions, the time of each
    step, whether the data is synthetic, and every output written.

    \b
    Examples
    --------
    ictgis run
    ictgis run -w ../tien_giang --out /tmp/tg --skip coverage
    """
    from ictgis import io

    console = Console(quiet)
    started = time.perf_counter()
    ws = load_checked(workspace, console, strict=strict)
    timings = {"validate": time.perf_counter() - started}
    outputs = output_dir(workspace, out)
    options = {"formats": formats, "lang": lang}
    # every step writes into a copy of the outputs, swapped in only when all have succeeded:
    # a failed run leaves the previous outputs as they were
    with io.staged_copy(outputs) as stage:
        console.aliases[str(stage)] = str(outputs)
        report_rejects(ws, stage, console)
        for name, (needs_bts, step) in STEPS.items():
            if name in skip or (needs_bts and ws.bts is None):
                continue
            begin = time.perf_counter()
            console.progress_step(name)
            step(ws, stage, console, options)
            timings[name] = time.perf_counter() - begin
        write_manifest(ws, stage, timings)
    console.echo("steps: " + ", ".join(f"{k} {v:.1f} s" for k, v in timings.items())
                 + f"; manifest: {outputs / 'manifest.json'}")


def write_manifest(ws: Workspace, outputs: Path, timings: dict[str, float]) -> Path:
    """Write OUTPUTS/manifest.json: inputs with checksums, config, versions, timings, outputs."""
    from ictgis import io

    config = ws.config
    inputs = sorted({layer.path for layer in config.layers.values() if layer.path.exists()})
    manifest = {
        "province": config.province, "synthetic": config.synthetic,
        "config": {"path": str(config.path), "sha256": io.sha256(config.path),
                   "text": config.path.read_text(encoding="utf-8")},
        "inputs": [{"path": str(p), "sha256": io.sha256(p), "bytes": p.stat().st_size}
                   for p in inputs],
        "packages": io.package_versions(),
        "timings_s": {k: round(v, 3) for k, v in timings.items()},
        "outputs": [str(p.relative_to(outputs)) for p in sorted(outputs.rglob("*"))
                    if p.is_file() and not p.name.startswith(".")
                    and p.name != "manifest.json"],
    }
    path = outputs / "manifest.json"
    io.write_text(path, json.dumps(manifest, ensure_ascii=False, indent=2))
    return path
