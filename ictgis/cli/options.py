"""Options shared by several commands, each defined once."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from ictgis.io.formats import OUTPUT_FORMATS

F = TypeVar("F", bound=Callable[..., Any])


def _existing(_ctx: click.Context, param: click.Parameter, value: Path) -> Path:
    if not value.exists():
        from ictgis.i18n import t

        raise click.BadParameter(t("cli.no_folder", path=value), param_hint=param.opts[-1])
    return value


workspace_opt = click.option(
    "-w", "--workspace", type=click.Path(file_okay=True, dir_okay=True, path_type=Path),
    default=Path("."), show_default=True, callback=_existing,
    help="Workspace folder (holding ictgis.toml) or the ictgis.toml file itself.",
)
out_opt = click.option(
    "--out", type=click.Path(file_okay=False, path_type=Path), default=None,
    help="Output folder [default: WORKSPACE/outputs].",
)


def _formats(_ctx: click.Context, _param: click.Parameter, value: tuple[str, ...]
             ) -> tuple[str, ...]:
    from ictgis.i18n import t

    names = [v.strip().lower() for item in value for v in item.split(",") if v.strip()]
    if value and not names:  # --format '' names nothing: say so, never a silent default
        msg = t("cli.empty_format", choices=", ".join(OUTPUT_FORMATS))
        raise click.BadParameter(msg, param_hint="--format")
    unknown = [n for n in names if n not in OUTPUT_FORMATS]
    if unknown:
        msg = t("cli.bad_format", name=unknown[0], choices=", ".join(OUTPUT_FORMATS))
        raise click.BadParameter(msg, param_hint="--format")
    return tuple(dict.fromkeys(names)) or ("csv", "xlsx", "gpkg")


format_opt = click.option(
    "--format", "formats", multiple=True, callback=_formats, metavar="FMT[,FMT]",
    help="Output formats: csv, xlsx, gpkg, geojson (repeat or comma-separate) "
         "[default: csv,xlsx,gpkg]; the CSV tables and the GeoPackage that later steps read "
         "are always written.",
)
scheduler_opt = click.option(
    "--scheduler", metavar="tcp://HOST:8786", default=None,
    help="Compute the coverage tiles on this dask.distributed scheduler's workers "
         "(needs ictgis[distributed]) [default: [compute] scheduler, else local threads].",
)
quiet_opt = click.option("-q", "--quiet", is_flag=True, help="Print nothing but errors.")
strict_opt = click.option(
    "--strict", is_flag=True,
    help="Treat rejected rows as an error (exit 1, write nothing) instead of reporting them.",
)
def _lang(_ctx: click.Context, _param: click.Parameter, value: str) -> str:
    from ictgis.i18n import set_language

    set_language(value)  # for this command only: the group runs it in a copied context
    return value


lang_opt = click.option(
    "--lang", type=click.Choice(["vi", "en"]), default="vi", show_default=True,
    envvar="ICTGIS_LANG", callback=_lang, is_eager=True,
    help="Language of messages and outputs (also from ICTGIS_LANG).",
)


def workspace_options(*, formats: bool = False, strict: bool = True) -> Callable[[F], F]:
    """The options of every command that works on a workspace, in one order.

    ``-w/--workspace``, ``--out``, (``--format``,) ``--lang``, (``--strict``,) ``-q/--quiet``.
    """
    chosen = [workspace_opt, out_opt, *([format_opt] if formats else []), lang_opt,
              *([strict_opt] if strict else []), quiet_opt]

    def apply(function: F) -> F:
        for option in reversed(chosen):
            function = option(function)
        return function

    return apply
