"""$ ictgis: the command group, error handling and workspace loading."""

from __future__ import annotations

import importlib
import importlib.util
import logging
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from ictgis import __version__
from ictgis.errors import IctgisError

if TYPE_CHECKING:
    from ictgis.workspace import Workspace

#: Command name -> module defining ``command``; imported only when used (fast start, and
#: command modules can import from this one without an import cycle).
COMMANDS: dict[str, str] = {
    name: f"ictgis.cli.{name}"
    for name in ("demo", "validate", "stats", "siting", "coverage", "map", "report", "run")
}


class IctgisGroup(click.Group):
    """A group of lazily imported commands that turns ictgis errors into one clear message."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        """The commands, in the order of a run."""
        return [name for name in COMMANDS if _importable(COMMANDS[name])]

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        """Import the command's module on first use."""
        if cmd_name not in COMMANDS or not _importable(COMMANDS[cmd_name]):
            return None
        return importlib.import_module(COMMANDS[cmd_name]).command

    def invoke(self, ctx: click.Context) -> Any:
        """Run the command; :class:`IctgisError` becomes ``Error: ...`` and exit 1."""
        try:
            return super().invoke(ctx)
        except IctgisError as exc:
            raise click.ClickException(str(exc)) from None


@dataclass
class Console:
    """Where commands print: quiet mode, and whether a progress display makes sense."""

    quiet: bool = False
    #: Paths shown under another name (a run's staging folder is shown as the outputs).
    aliases: dict[str, str] = field(default_factory=dict)

    def echo(self, text: str = "") -> None:
        """Print a line of the summary unless quiet."""
        if not self.quiet:
            for path, shown in self.aliases.items():
                text = text.replace(path, shown)
            click.echo(text)

    def warn(self, text: str) -> None:
        """Print a warning line to stderr unless quiet."""
        if not self.quiet:
            click.echo(text, err=True)

    def progress_step(self, name: str) -> None:
        """Say which step of a run starts (on a terminal, unless quiet)."""
        if not self.quiet and sys.stderr.isatty():
            click.echo(f"» {name}", err=True)

    def progress(self) -> Callable[[str], None] | None:
        """A step callback that shows progress on a terminal, or None."""
        if self.quiet or not sys.stderr.isatty():
            return None
        return lambda step: click.echo(f"  … {step}", err=True)


@click.group(cls=IctgisGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-v", "--verbose", count=True, help="More log output (repeatable).")
@click.version_option(__version__, prog_name="ictgis")
def main(verbose: int) -> None:
    """Telecom-infrastructure GIS for provincial planners.

    Postal and telecom indicators by commune, district, urban/rural zone and economic region,
    from a workspace folder described by its ictgis.toml.
    """
    logging.basicConfig(level=max(10, 30 - 10 * verbose), stream=sys.stderr,
                        format="%(levelname)s %(name)s: %(message)s")


def output_dir(workspace: Path, out: Path | None) -> Path:
    """The output folder: ``--out`` or ``WORKSPACE/outputs``."""
    if out is not None:
        return out
    root = workspace if workspace.is_dir() else workspace.parent
    return root / "outputs"


def load_checked(workspace: Path, console: Console, *, strict: bool = False) -> Workspace:
    """Load and validate a workspace, printing its problems (the first few) to stderr.

    Raises
    ------
    DataError
        With ``strict``, when any row was rejected.
    """
    from ictgis import validate
    from ictgis.config import load_config
    from ictgis.workspace import load_workspace

    config = load_config(workspace)
    ws = load_workspace(config, progress=console.progress())
    found = ws.problems
    if strict:
        validate.raise_if_any(found[found["severity"] == "rejected"],
                              what="--strict: no row may be rejected")
    shown = 10
    for _, row in found.head(shown).iterrows():
        console.warn(f"{row['severity']}: {validate.format_problem(row)}")
    if len(found) > shown:
        console.warn(f"... {len(found) - shown} more problems in outputs/rejects/problems.csv")
    return ws


def run_step(workspace: Path, out: Path | None, *, quiet: bool, strict: bool,
             write: Callable[[Any, Path, Console], object]) -> None:
    """The body of a one-step command: load and check, ``write(ws, outputs, console)``, rejects."""
    console = Console(quiet)
    ws = load_checked(workspace, console, strict=strict)
    outputs = output_dir(workspace, out)
    write(ws, outputs, console)
    report_rejects(ws, outputs, console)


def output_title(ws: Any) -> str:
    """The line above every output: the province, and the synthetic-data label when it is."""
    if ws.config.synthetic:
        return f"{ws.config.province} — SYNTHETIC DATA (ictgis demo), not real figures"
    return ws.config.province


def report_rejects(ws: Any, out: Path, console: Console) -> None:
    """Write the rejects folder and say how many rows were rejected."""
    where = save_rejects(ws, out)
    rejected = int((ws.problems["severity"] == "rejected").sum())
    if rejected:
        console.echo(f"{rejected} rejected rows listed in {where}")


def save_rejects(ws: Any, out: Path) -> Path:
    """Write ``problems.csv`` and one file of rejected rows per layer to ``OUT/rejects``."""
    from ictgis import io

    with io.staged_dir(out / "rejects") as tmp:
        io.write_csv(ws.problems, tmp / "problems.csv")
        for layer, rows in ws.rejects.items():
            io.write_csv(rows, tmp / f"{layer}.csv")
    return out / "rejects"



def _importable(module: str) -> bool:
    return importlib.util.find_spec(module) is not None
