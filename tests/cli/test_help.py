"""`ictgis COMMAND --help`: every page shows its examples one per line, and the group lists all."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from ictgis.cli.main import COMMANDS, main


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_help_shows_one_example_per_line(command: str) -> None:
    result = CliRunner().invoke(main, [command, "--help"])
    assert result.exit_code == 0, result.output
    lines = [line.strip() for line in result.output.splitlines()]
    start = lines.index("Examples") + 2  # the title, then its underline
    assert lines[start - 1] == "--------"
    examples = lines[start:lines.index("Options:")]
    examples = [line for line in examples if line]
    assert examples and all(line.startswith("ictgis ") for line in examples), examples


def test_group_lists_every_command_in_run_order() -> None:
    result = CliRunner().invoke(main, ["--help"])
    commands = result.output.split("Commands:")[1].split("\n\n")[0]  # the epilogue follows
    listed = [line.split()[0] for line in commands.splitlines() if line.strip()]
    assert listed == list(COMMANDS)


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_command_takes_lang(command: str) -> None:
    result = CliRunner().invoke(main, [command, "--help"])
    assert "--lang [vi|en]" in result.output
