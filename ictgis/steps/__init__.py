"""The steps of a run, one module each: ``compute(ws, ctx, ...) -> Result``, ``write(result, ctx)``.

A step computes from the loaded :class:`~ictgis.workspace.Workspace` (and, for the views, from
what earlier steps wrote), returns a frozen result, and writes it into its folder of the outputs
(:mod:`ictgis.outputs`). Steps never print: progress goes through ``ctx.progress``, warnings
are returned in the result. :mod:`ictgis.pipeline` runs them in the order of :data:`STEPS`.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from ictgis.outputs import Outputs

if TYPE_CHECKING:
    from ictgis.config import Config
    from ictgis.workspace import Workspace

#: Formats of the tables when none are asked for.
DEFAULT_FORMATS: tuple[str, ...] = ("csv", "xlsx", "gpkg")


@dataclass(frozen=True)
class StepContext:
    """What every step gets besides the workspace.

    Attributes
    ----------
    outputs
        The outputs folder being built: earlier results are read from it, new ones written.
    lang
        Language of the labels in the outputs: ``vi`` or ``en``.
    formats
        Table formats to write (``csv``, ``xlsx``, ``gpkg``, ``geojson``).
    progress
        Called with a short text as the work advances (None: silent).
    """

    outputs: Outputs
    lang: str = "vi"
    formats: tuple[str, ...] = DEFAULT_FORMATS
    progress: Callable[[str], None] | None = None


class StepModule(Protocol):
    """What a step module provides."""

    NAME: str
    NEEDS_BTS: bool

    def compute(self, ws: Workspace, ctx: StepContext, **options: Any) -> Any:
        """Compute the step's result (no file written)."""

    def write(self, result: Any, ctx: StepContext) -> list[Path]:
        """Write the result into its folder of ``ctx.outputs``; return the files written."""


#: The steps of a run, in order (``validate`` is the loading, done before any step).
STEPS: tuple[str, ...] = ("stats", "siting", "calibration", "coverage", "priorities", "maps",
                          "qgis", "report")


def step(name: str) -> StepModule:
    """The module of a step, imported on first use.

    Raises
    ------
    KeyError
        When ``name`` is not one of :data:`STEPS`.
    """
    if name not in STEPS:
        from ictgis.i18n import t

        msg = t("errors.not_a_step", name=name, steps=", ".join(STEPS))
        raise KeyError(msg)
    module: StepModule = importlib.import_module(f"ictgis.steps.{name}")
    return module


def output_title(config: Config) -> str:
    """The line above every output: the province, and the synthetic-data label when it is."""
    from ictgis.i18n import t

    if config.synthetic:
        return t("outputs.title_synthetic", province=config.province)
    return config.province


def our_warnings(caught: Sequence[Any]) -> tuple[str, ...]:
    """The distinct texts of the warnings ictgis itself raised among ``caught``, sorted.

    A step shows these (they come from the message catalogue); a library's warning caught
    on the way — e.g. rasterio's, raised on a worker thread while ``catch_warnings`` of
    another thread was open, in English — is logged, not shown.
    """
    import logging

    package = Path(__file__).resolve().parent.parent
    ours = set()
    for w in caught:
        if Path(w.filename).resolve().is_relative_to(package):
            ours.add(str(w.message))
        else:
            logging.getLogger(__name__).debug("%s: %s", w.category.__name__, w.message)
    return tuple(sorted(ours))


def ordered(names: Sequence[str]) -> list[str]:
    """``names`` in the order of a run."""
    return [name for name in STEPS if name in names]


def sheet_title(table: str) -> str:
    """The name of a table's sheet in a workbook, in the language in force.

    Tables are named by ids (``province``, ``compliance_region``, ``stats_zone``); a reader
    sees "Toàn tỉnh", "Tuân thủ - Vùng", "Thống kê - Thành thị - nông thôn".
    """
    from ictgis.i18n import labels, t

    levels = labels("outputs.level")
    if table in levels:
        return levels[table][:31]
    kind, _, level = table.partition("_")
    if level in levels and kind in {"compliance", "sharing", "stats", "coverage"}:
        return t(f"outputs.sheet.{kind}", level=levels[level])[:31]
    sheets = labels("outputs.sheet")
    return sheets.get(table, table)[:31]


def readable(table: Any) -> Any:
    """A table for readers (workbooks): commune kinds as their names, not their ids."""
    from ictgis import admin

    return admin.display(table, {"kind": "admin.kind"})
