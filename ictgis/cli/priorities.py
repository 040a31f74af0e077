"""$ ictgis priorities"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from ictgis import outputs
from ictgis.cli.main import Console, echo_rejects, echo_written, run_steps
from ictgis.cli.options import workspace_options

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
               today=number(ranking.baseline_pct, 2), n=len(table), after=number(after, 2),
               people=number(table["marginal_people"].sum(), 0)),
             t("priorities.cli.candidates", n=ranking.candidates, excluded=len(ranking.excluded))]
    lines += [t("priorities.cli.row", rank=r.rank, candidate=r.candidate,
                commune=r.commune_name, people=number(r.marginal_people, 0),
                pct=number(r.cumulative_covered_pct, 2), cost=number(r.cumulative_cost_vnd, 0))
              for r in table.head(SHOWN_ROWS).itertuples()]
    if len(table) > SHOWN_ROWS:
        lines.append(t("priorities.cli.more", n=len(table) - SHOWN_ROWS))
    lines.append(t("priorities.cli.stop", reason=t(f"priorities.stop.{ranking.stop}")))
    if ranking.costs_synthetic:
        lines.append(t("priorities.costs_synthetic"))
    return "\n".join(lines)


@click.command("priorities", short_help="Where to build next: sites ranked by people newly covered.")
@workspace_options(formats=False)
@click.option("--tech", default=None, metavar="TECH",
              help="Technology whose coverage counts [default: 4G].")
@click.option("--operator", default=None, metavar="NAME|any",
              help="Operator whose coverage counts, or any (SDG 9.c.1) [default: any].")
@click.option("--candidates", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              default=None, help="A file of candidate positions (read like proposals).")
@click.option("--grid", "grid_m", type=click.FloatRange(min=0, min_open=True), default=None,
              metavar="METRES", help="Also a candidate per cell of this grid over uncovered "
                                     "populated places.")
@click.option("--sites", type=click.IntRange(min=1), default=None, metavar="K",
              help="Choose K sites.")
@click.option("--target", "target_pct", type=click.FloatRange(0, 100, min_open=True),
              default=None, metavar="PERCENT", help="Choose sites until PERCENT of the "
                                                    "population is covered.")
@click.option("--budget", "budget_vnd", type=click.FloatRange(min=0, min_open=True),
              default=None, metavar="VND", help="Choose sites, by people per VND, within VND.")
def command(workspace: Path, out: Path | None, lang: str, strict: bool, quiet: bool,
            tech: str | None, operator: str | None, candidates: Path | None,
            grid_m: float | None, sites: int | None, target_pct: float | None,
            budget_vnd: float | None) -> None:
    """Rank the plan's unbuilt sites (and other candidates) by the people they newly cover.

    Candidates: the planned sites not yet built, a file (--candidates) and a grid over
    uncovered populated places (--grid). The siting rules apply: a candidate in a prohibited
    zone is left out; one closer than d_min to an existing mast co-locates on it. Each step
    adds the site covering most people not yet covered (greedy, lazy evaluation); with
    --budget, most people per VND. Writes OUT/priorities/: ranking.csv and .xlsx,
    excluded.csv, curve.png and priorities.gpkg.

    \b
    Examples
    --------
    ictgis priorities
    ictgis priorities --tech 4G --operator Viettel --sites 20
    ictgis priorities --grid 1000 --target 99.9
    ictgis priorities --candidates vi_tri.csv --budget 5e9
    """
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
