"""$ ictgis priorities"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from ictgis import outputs
from ictgis.cli.main import Console, echo_rejects, echo_written, run_steps
from ictgis.cli.options import Command, option, workspace_options

if TYPE_CHECKING:
    from ictgis.priorities import Ranking

#: Rows of the ranking printed; the rest are in ranking.csv.
SHOWN_ROWS = 10


def format_ranking(ranking: Ranking) -> str:
    """Today's coverage, what the chosen sites bring, the first rows, why it stopped."""
    from ictgis.i18n import number, t

    table = ranking.table
    who = t("priorities.any_operator") if ranking.operator == "any" else ranking.operator
    after = table["cumulative_covered_pct"].iloc[-1] if len(table) else ranking.baseline_pct
    lines = [t("priorities.cli.summary", tech=ranking.tech, operator=who,
               today=number(ranking.baseline_pct, 2), n=number(len(table), 0),
               after=number(after, 2),
               people=number(table["marginal_people"].sum(), 0)),
             t("priorities.cli.candidates", n=number(ranking.candidates, 0),
               excluded=number(len(ranking.excluded), 0))]
    lines += [t("priorities.cli.row", rank=number(r.rank, 0), candidate=r.candidate,
                commune=r.commune_name, people=number(r.marginal_people, 0),
                pct=number(r.cumulative_covered_pct, 2), cost=number(r.cumulative_cost_vnd, 0))
              for r in table.head(SHOWN_ROWS).itertuples()]
    if len(table) > SHOWN_ROWS:
        lines.append(t("priorities.cli.more", n=number(len(table) - SHOWN_ROWS, 0)))
    lines.append(t("priorities.cli.stop", reason=t(f"priorities.stop.{ranking.stop}")))
    if ranking.costs_synthetic:
        lines.append(t("priorities.costs_synthetic"))
    return "\n".join(lines)


@click.command("priorities", cls=Command)
@workspace_options(formats=False)
@option("--tech", default=None, metavar="TECH",
        help="cli.help.priorities.tech")
@option("--operator", default=None, metavar="NAME|any",
        help="cli.help.priorities.operator")
@option("--candidates", type=click.Path(exists=True, dir_okay=False, path_type=Path),
        default=None, help="cli.help.priorities.candidates")
@option("--grid", "grid_m", type=click.FloatRange(min=0, min_open=True), default=None,
        metavar="METRES", help="cli.help.priorities.grid")
@option("--sites", type=click.IntRange(min=1), default=None, metavar="K",
        help="cli.help.priorities.sites")
@option("--target", "target_pct", type=click.FloatRange(0, 100, min_open=True),
        default=None, metavar="PERCENT", help="cli.help.priorities.target")
@option("--budget", "budget_vnd", type=click.FloatRange(min=0, min_open=True),
        default=None, metavar="VND", help="cli.help.priorities.budget")
def command(workspace: Path, out: Path | None, lang: str, strict: bool, quiet: bool,
            tech: str | None, operator: str | None, candidates: Path | None,
            grid_m: float | None, sites: int | None, target_pct: float | None,
            budget_vnd: float | None) -> None:
    """$ ictgis priorities (its help: ``cli.help.priorities`` in the catalogue)."""
    from ictgis.i18n import t

    if sum(v is not None for v in (sites, target_pct, budget_vnd)) > 1:
        raise click.UsageError(t("priorities.cli.bad_stop"))
    console = Console(quiet)
    options = {"tech": tech, "operator": operator, "candidates": candidates, "grid_m": grid_m,
               "sites": sites, "target_pct": target_pct, "budget_vnd": budget_vnd,
               "required": True}
    result = run_steps(workspace, out, ["priorities"], console, strict=strict, lang=lang,
                       options={"priorities": options})
    console.echo(format_ranking(result.results["priorities"].ranking))
    echo_written(console, result.outputs / outputs.PRIORITIES)
    echo_rejects(result, console)
