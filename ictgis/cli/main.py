"""$ ictgis: the command group, error handling and workspace loading."""

from __future__ import annotations

import contextvars
import importlib
import importlib.util
import logging
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from ictgis import __version__
from ictgis.cli.options import CatalogueHelp, option
from ictgis.errors import IctgisError

if TYPE_CHECKING:
    from ictgis.pipeline import RunResult
    from ictgis.workspace import Workspace

logger = logging.getLogger(__name__)

#: Command name -> module defining ``command``; imported only when used (fast start, and
#: command modules can import from this one without an import cycle).
COMMANDS: dict[str, str] = {
    name: f"ictgis.cli.{name}"
    for name in ("demo", "validate", "stats", "siting", "calibrate", "coverage", "priorities",
                 "map", "report", "run")
}


#: click's own texts (the message ids of its gettext calls) -> our catalogue's ids. click
#: writes its usage lines, usage errors and help headings with ``gettext``; :func:`click_texts`
#: gives those calls the catalogue's text in the language in force.
CLICK_TEXTS: dict[str, str] = {
    "Usage:": "cli.click.usage",
    "Try '{command} {option}' for help.": "cli.click.try_help",
    "Error: {message}": "cli.error",
    "Invalid value for {param_hint}: {message}": "cli.click.invalid_value_for",
    "Invalid value: {message}": "cli.click.invalid_value",
    "Missing argument": "cli.click.missing_argument",
    "Missing option": "cli.click.missing_option",
    "Missing parameter": "cli.click.missing_parameter",
    "Missing {param_type}": "cli.click.missing_param_type",
    "Missing parameter: {param_name}": "cli.click.missing_parameter_name",
    "Missing command.": "cli.click.missing_command",
    "No such option {name!r}.": "cli.click.no_such_option",
    "No such command {name!r}.": "cli.click.no_such_command",
    "Did you mean {possibility}?": "cli.click.did_you_mean",
    "(Did you mean one of: {possibilities}?)": "cli.click.did_you_mean_one_of",
    "Got unexpected extra argument ({args})": "cli.click.extra_argument",
    "Got unexpected extra arguments ({args})": "cli.click.extra_arguments",
    "Option {name!r} requires an argument.": "cli.click.option_needs_value",
    "Option {name!r} requires {nargs} arguments.": "cli.click.option_needs_values",
    "Option {name!r} does not take a value.": "cli.click.option_takes_no_value",
    "{value!r} is not {choice}.": "cli.click.not_choice",
    "{value!r} is not one of {choices}.": "cli.click.not_one_of",
    "{value!r} is not a valid {number_type}.": "cli.click.not_a_number",
    "{value} is not in the range {range}.": "cli.click.not_in_range",
    "{name} {filename!r} does not exist.": "cli.click.path_missing",
    "{name} {filename!r} is a file.": "cli.click.path_is_file",
    "{name} {filename!r} is a directory.": "cli.click.path_is_directory",
    "{name} {filename!r} is not readable.": "cli.click.path_not_readable",
    "{name} {filename!r} is not writable.": "cli.click.path_not_writable",
    "Options": "cli.click.options",
    "Commands": "cli.click.commands",
    "Aborted!": "cli.click.aborted",
    "default: {default}": "cli.click.default",
    "required": "cli.click.required",
}


def _click_gettext(message: str) -> str:
    from ictgis.i18n import t

    key = CLICK_TEXTS.get(message)
    return str(t(key)) if key else message


def _click_ngettext(singular: str, plural: str, n: int) -> str:
    return _click_gettext(singular if n == 1 else plural)


def click_texts() -> None:
    """Give click's gettext calls the catalogue's texts (:data:`CLICK_TEXTS`).

    click's modules call ``gettext`` and ``ngettext`` through names of their own (``_``,
    ``ngettext``); those names are pointed at the catalogue, which answers in the language
    in force when click writes the text. Texts click does not write through gettext stay as
    they are. Idempotent.
    """
    from click import core, decorators, exceptions, formatting, parser, termui, types

    for module in (core, decorators, exceptions, formatting, parser, termui, types):
        if hasattr(module, "_"):
            module._ = _click_gettext  # type: ignore[attr-defined]
        if hasattr(module, "ngettext"):
            module.ngettext = _click_ngettext  # type: ignore[attr-defined]


def args_language(args: Sequence[str]) -> str:
    """The language a command line asks for: ``--lang`` (if valid), ``ICTGIS_LANG``, or vi.

    Read before click parses anything, so that its usage errors (raised while parsing) are in
    the command's language too.
    """
    import os

    from ictgis.i18n import LANGUAGES

    for i, arg in enumerate(args):
        if arg == "--":
            break
        value = (args[i + 1] if arg == "--lang" and i + 1 < len(args)
                 else arg.removeprefix("--lang=") if arg.startswith("--lang=") else None)
        if value in LANGUAGES:
            return value
    env = os.environ.get("ICTGIS_LANG", "")
    return env if env in LANGUAGES else LANGUAGES[0]


class IctgisGroup(CatalogueHelp, click.Group):
    """A group of lazily imported commands that turns ictgis errors into one clear message.

    Everything, click's own usage lines and usage errors and the help pages included, is in
    the language of the command line (:func:`args_language`).
    """

    @property
    def epilog(self) -> str | None:
        """Where the guide is (``cli.guide``), below the group's help."""
        from ictgis.i18n import t

        return str(t("cli.guide"))

    @epilog.setter
    def epilog(self, _value: str | None) -> None:
        pass

    @property
    def subcommand_metavar(self) -> str:
        """``COMMAND [ARGS]...`` of the usage line, in the language in force."""
        from ictgis.i18n import t

        return str(t("cli.click.subcommand_metavar"))

    @subcommand_metavar.setter
    def subcommand_metavar(self, _value: str) -> None:
        pass

    def main(self, args: Sequence[str] | None = None, *rest: Any, **kwargs: Any) -> Any:
        """Run the command line in its language (click's texts through the catalogue)."""
        from ictgis.i18n import language

        argv = list(sys.argv[1:] if args is None else args)
        click_texts()
        with language(args_language(argv)):
            return super().main(argv, *rest, **kwargs)

    def list_commands(self, ctx: click.Context) -> list[str]:
        """The commands, in the order of a run."""
        return [name for name in COMMANDS if _importable(COMMANDS[name])]

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        """Import the command's module on first use (its arguments named in the language in force).

        An argument's placeholder is its ``cli.click.metavar.<name>``, as for an option's value
        (:meth:`ictgis.cli.options.Option.make_metavar`).
        """
        from ictgis.i18n import labels

        if cmd_name not in COMMANDS or not _importable(COMMANDS[cmd_name]):
            return None
        command: click.Command = importlib.import_module(COMMANDS[cmd_name]).command
        names = labels("cli.click.metavar")
        for param in command.params:
            if isinstance(param, click.Argument) and param.name in names:
                param.metavar = names[param.name]
        return command

    def invoke(self, ctx: click.Context) -> Any:
        """Run the command; :class:`IctgisError` becomes ``Error: ...`` and exit 1.

        The command runs in a copy of the current context, so that its ``--lang`` holds for
        it alone.
        """
        return contextvars.copy_context().run(self._invoke, ctx)

    def _invoke(self, ctx: click.Context) -> Any:
        from ictgis.i18n import t

        try:
            return super().invoke(ctx)
        except (click.exceptions.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except IctgisError as exc:
            raise Failure(str(exc)) from None
        except OSError as exc:  # disk full, permissions, a file held open (rasterio's too)
            logger.debug("system error", exc_info=True)
            raise Failure(os_error_message(exc)) from None
        except KeyboardInterrupt:
            raise Failure(t("cli.interrupted")) from None
        except Exception as exc:  # a bug: one line, never a traceback (-vv shows it)
            logger.debug("internal error", exc_info=True)
            detail = " ".join(str(exc).split())[:300]
            raise Failure(t("cli.internal_error", kind=type(exc).__name__, detail=detail)
                          ) from None


#: errno names with a message of their own in the catalogue (``cli.errno.<name>``).
_ERRNO_MESSAGES = ("ENOSPC", "EDQUOT", "EFBIG", "EACCES", "EPERM", "EROFS", "ENOENT", "EBUSY")


def os_error_message(exc: OSError) -> str:
    """One line for a system error: the file or folder, and what went wrong in plain words.

    GDAL's errors (through rasterio or pyogrio) carry no errno; their text is searched for the
    common causes instead.
    """
    import errno

    from ictgis.i18n import t

    name = errno.errorcode.get(exc.errno or 0, "")
    text = " ".join(str(exc).split())
    if not name:
        for key, words in (("ENOSPC", "No space left"), ("EFBIG", "File too large"),
                           ("EDQUOT", "Disk quota"), ("EACCES", "Permission denied"),
                           ("EROFS", "Read-only file system")):
            if words.lower() in text.lower():
                name = key
                break
    problem = (t(f"cli.errno.{name}") if name in _ERRNO_MESSAGES
               else t("cli.errno.other", detail=exc.strerror or text[:300]))
    from ictgis.io.atomic import public_path

    path = public_path(exc.filename) if exc.filename else None
    return t("cli.os_error", path=path, problem=problem) if path else t("cli.os_error_nopath",
                                                                         problem=problem)


class Failure(click.ClickException):
    """Exit 1 with one line, ``Lỗi: ...`` / ``Error: ...`` in the command's language.

    The line is made where the failure is raised, while the command's language holds.
    """

    def __init__(self, message: str) -> None:
        from ictgis.i18n import t

        super().__init__(message)
        self.line = t("cli.error", message=message)

    def show(self, file: Any = None) -> None:
        """Print the line to stderr."""
        click.echo(self.line, err=True)


@dataclass
class Console:
    """Where commands print: quiet mode, and whether a progress display makes sense."""

    quiet: bool = False

    def echo(self, text: str = "") -> None:
        """Print a line of the summary unless quiet."""
        if not self.quiet:
            click.echo(text)

    def warn(self, text: str) -> None:
        """Print a warning line to stderr unless quiet."""
        if not self.quiet:
            click.echo(text, err=True)

    def progress(self) -> Callable[[str, str], None] | None:
        """A ``progress(step, detail)`` callback that shows progress on a terminal, or None.

        A detail that counts (a catalogue message with ``done`` and ``total``, such as the
        coverage tiles) is drawn as a bar that redraws itself on one line.
        """
        if self.quiet or not sys.stderr.isatty():
            return None
        return ProgressLine()


class ProgressLine:
    """Progress on a terminal: a line per step, a bar for counted work (stderr)."""

    WIDTH = 30

    def __init__(self) -> None:
        self.open_bar = False

    def __call__(self, step: str, detail: str) -> None:
        """Show that ``step`` started (empty ``detail``) or how it advances."""
        from ictgis.i18n import t

        params = getattr(detail, "params", {})
        done, total = params.get("done"), params.get("total")
        if detail and isinstance(done, int) and isinstance(total, int) and total > 0:
            filled = round(self.WIDTH * done / total)
            bar = "█" * filled + "·" * (self.WIDTH - filled)
            click.echo(f"\r  {bar} {t('cli.step_detail', detail=detail).strip()}", err=True,
                       nl=done >= total)
            self.open_bar = done < total
            return
        if self.open_bar:
            click.echo(err=True)
            self.open_bar = False
        click.echo(t("cli.step_detail", detail=detail) if detail
                   else t("cli.step_started", step=step), err=True)


def _version(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    """``--version``: print ictgis's version and exit."""
    if value and not ctx.resilient_parsing:
        from ictgis.i18n import t

        click.echo(t("cli.version", version=__version__))
        ctx.exit()


@click.group(cls=IctgisGroup, context_settings={"help_option_names": ["-h", "--help"]})
@option("-v", "--verbose", count=True, help="cli.help.option.verbose")
@option("--debug", is_flag=True, help="cli.help.option.debug")
@option("--version", is_flag=True, expose_value=False, is_eager=True, callback=_version,
        help="cli.help.option.version")
def main(verbose: int, debug: bool) -> None:
    """$ ictgis (its help: ``cli.help.main`` in the catalogue)."""
    from ictgis.io.raster import separate_python_stderr

    separate_python_stderr()  # before any thread: GeoTIFF writers capture descriptor 2
    logging.basicConfig(level=logging.DEBUG if debug else logging.WARNING, stream=sys.stderr,
                        format="%(levelname)s %(name)s: %(message)s", force=True)
    if not debug:  # the libraries stay quiet; -v and -vv show ictgis's own log
        logging.getLogger("ictgis").setLevel(max(10, 30 - 10 * verbose))
    sys.unraisablehook = _quiet_unraisable


def _quiet_unraisable(unraisable: Any) -> None:
    """Log an error raised in a finalizer, at debug level.

    After a failure (a library closing a file on a full disk) such errors would otherwise be
    printed as tracebacks after the one-line message.
    """
    logger.debug("ignored in %r: %s", unraisable.object, unraisable.exc_value,
                 exc_info=(unraisable.exc_type, unraisable.exc_value, unraisable.exc_traceback))


#: Problems printed one per line when a command loads a workspace; the rest are counted.
SHOWN_PROBLEMS = 5


def load_checked(workspace: Path, console: Console, *, strict: bool = False) -> Workspace:
    """Load and validate a workspace, printing its problems (the first few) to stderr.

    Raises
    ------
    DataError
        With ``strict``, when any row was rejected.
    """
    from ictgis import outputs, pipeline, validate
    from ictgis.i18n import labels, number, t

    show = console.progress()
    ws = pipeline.load(workspace, strict=strict,
                       progress=(lambda detail: show("validate", detail)) if show else None)
    found = ws.problems
    severity = labels("problems.severity")
    for _, row in found.head(SHOWN_PROBLEMS).iterrows():
        console.warn(t("cli.problem", severity=severity.get(row["severity"], row["severity"]),
                       problem=validate.format_problem(row)))
    if len(found) > SHOWN_PROBLEMS:
        counts = found["severity"].value_counts()
        where = Path("outputs") / outputs.REJECTS / outputs.PROBLEMS_CSV
        console.warn(t("cli.problems_total", counts=", ".join(
            t("cli.count", n=number(n, 0), what=severity.get(s, s)) for s, n in counts.items()),
            path=where.as_posix()))
    return ws


def run_steps(workspace: Path, out: Path | None, steps: Sequence[str], console: Console, *,
              strict: bool = False, **run_options: Any) -> RunResult:
    """Load and check a workspace, then run ``steps`` through :func:`ictgis.pipeline.run`."""
    from ictgis import pipeline

    ws = load_checked(workspace, console, strict=strict)
    return pipeline.run(ws, steps=steps, out=pipeline.output_dir(workspace, out),
                        progress=console.progress(), **run_options)


def echo_rejects(result: RunResult, console: Console) -> None:
    """Say how many rows were rejected and where they are listed."""
    from ictgis import outputs
    from ictgis.i18n import number, t

    rejected = int((result.workspace.problems["severity"] == "rejected").sum())
    if rejected:
        console.echo(t("cli.rejected_rows", n=number(rejected, 0),
                       path=result.outputs / outputs.REJECTS))


def commune_labels(communes: Any) -> dict[str, str]:
    """Code -> name of each commune, with its district where the name repeats.

    "Phường 1 (Thành phố Mỹ Tho)"; in a two-tier province, the former districts.
    """
    names = communes["name"].astype(str)
    repeated = names.duplicated(keep=False)
    where = next((c for c in ("district", "former_districts") if c in communes), None)
    shown = names.where(~repeated | (where is None),
                        names + " (" + communes[where].astype(str) + ")" if where else names)
    return dict(zip(communes["code"].astype(str), shown, strict=True))


def echo_written(console: Console, *paths: Path) -> None:
    """Say where the outputs were written."""
    from ictgis.i18n import t

    console.echo(t("cli.written", path=", ".join(str(p) for p in paths)))


def _importable(module: str) -> bool:
    return importlib.util.find_spec(module) is not None
