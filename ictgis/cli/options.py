"""Options shared by several commands, each defined once."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from ictgis.io.formats import OUTPUT_FORMATS

F = TypeVar("F", bound=Callable[..., Any])


def _text(msg_id: str | None) -> str | None:
    from ictgis.i18n import t

    return str(t(msg_id)) if msg_id else None


class CatalogueHelp:
    """Help of a command or group from the catalogue, in the language in force when shown.

    ``cli.help.<name>`` is the help page (summary line, description, examples),
    ``cli.help.<name>.short`` the line in the group's list. Nothing is read from the catalogue
    before click formats help, so importing a command stays cheap. Whatever help click is
    given (the function's docstring) is ignored.
    """

    name: str | None

    @property
    def help(self) -> str | None:
        """The help page: ``cli.help.<name>``, then the examples, one per line.

        The examples (``cli.help.<name>.examples``, one command line a line) come under a
        heading of their own, in a block click does not rewrap.
        """
        from ictgis.i18n import catalogue, current, t

        text = str(t(f"cli.help.{self.name}"))
        examples = f"cli.help.{self.name}.examples"
        if examples in catalogue(current()):
            heading = str(t("cli.help.examples"))
            text += f"\n\n\b\n{heading}\n{'-' * len(heading)}\n{t(examples)}"
        return text

    @help.setter
    def help(self, _value: str | None) -> None:
        pass

    @property
    def short_help(self) -> str | None:
        """The summary in the group's list, ``cli.help.<name>.short``."""
        from ictgis.i18n import catalogue, current

        msg_id = f"cli.help.{self.name}.short"
        return _text(msg_id) if msg_id in catalogue(current()) else None

    @short_help.setter
    def short_help(self, _value: str | None) -> None:
        pass

    @property
    def options_metavar(self) -> str | None:
        """``[OPTIONS]`` of the usage line, ``cli.click.options_metavar``."""
        return _text("cli.click.options_metavar")

    @options_metavar.setter
    def options_metavar(self, _value: str | None) -> None:
        pass

    def get_help_option(self, ctx: click.Context) -> click.Option | None:
        """Click's ``-h/--help``, its help from the catalogue (``cli.help.option.help``)."""
        option = super().get_help_option(ctx)  # type: ignore[misc]
        if option is not None:
            option.help = _text("cli.help.option.help")
        return option


class Command(CatalogueHelp, click.Command):
    """A command whose help is the catalogue's ``cli.help.<name>`` (:class:`CatalogueHelp`)."""


class Option(click.Option):
    """An option whose ``help=`` is a catalogue id, translated when click formats help."""

    help_id: str | None

    @property
    def help(self) -> str | None:
        """The text of :attr:`help_id` in the language in force."""
        return _text(self.help_id)

    @help.setter
    def help(self, value: str | None) -> None:
        self.help_id = value

    def make_metavar(self, ctx: click.Context) -> str:
        """The value's placeholder (``PATH``, ``PERCENT``) in the language in force.

        A word with a catalogue entry ``cli.click.metavar.<word>`` is translated: the
        ``metavar=`` given, else the name of the value's type; others stay as they are.
        """
        from ictgis.i18n import labels

        word = (self.metavar if self.metavar is not None
                else None if self.type.get_metavar(param=self, ctx=ctx) else self.type.name)
        names = labels("cli.click.metavar")
        key = (word or "").lower().replace(" ", "_")
        if key not in names:
            return super().make_metavar(ctx)
        return names[key] + ("..." if self.nargs != 1 else "")


def option(*decls: str, **kwargs: Any) -> Callable[[F], F]:
    """``click.option`` whose ``help=`` is a catalogue id (``cli.help.option.<name>``, ...)."""
    return click.option(*decls, cls=Option, **kwargs)


def _existing(_ctx: click.Context, param: click.Parameter, value: Path) -> Path:
    if not value.exists():
        from ictgis.i18n import t

        raise click.BadParameter(t("cli.no_folder", path=value), param_hint=param.opts[-1])
    return value


workspace_opt = option(
    "-w", "--workspace", type=click.Path(file_okay=True, dir_okay=True, path_type=Path),
    default=Path("."), show_default=True, callback=_existing,
    help="cli.help.option.workspace",
)
out_opt = option(
    "--out", type=click.Path(file_okay=False, path_type=Path), default=None,
    help="cli.help.option.out",
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


format_opt = option(
    "--format", "formats", multiple=True, callback=_formats, metavar="FMT[,FMT]",
    help="cli.help.option.format",
)
scheduler_opt = option(
    "--scheduler", metavar="tcp://HOST:8786", default=None, help="cli.help.option.scheduler",
)
quiet_opt = option("-q", "--quiet", is_flag=True, help="cli.help.option.quiet")
strict_opt = option("--strict", is_flag=True, help="cli.help.option.strict")
def _lang(_ctx: click.Context, _param: click.Parameter, value: str) -> str:
    from ictgis.i18n import set_language

    set_language(value)  # for this command only: the group runs it in a copied context
    return value


lang_opt = option(
    "--lang", type=click.Choice(["vi", "en"]), default="vi", show_default=True,
    envvar="ICTGIS_LANG", callback=_lang, is_eager=True, help="cli.help.option.lang",
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
