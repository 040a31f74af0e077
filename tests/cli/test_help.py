"""`ictgis COMMAND --help`: every page shows its examples one per line, and the group lists all."""

from __future__ import annotations

import re

import click
import pytest
from click.testing import CliRunner

from ictgis import i18n
from ictgis.cli.main import COMMANDS, main
from ictgis.cli.options import Option
from tests.test_i18n import VIETNAMESE


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


# ----------------------------------------------------------------- the help in either language

#: The catalogue entries that make the help pages (ours and click's own words).
HELP_IDS = ("cli.help.", "cli.click.")


def _words(text: str) -> set[str]:
    # placeholders and option names are no one's words
    text = re.sub(r"\{[^}]*\}|(?<![\w-])--?[a-z][\w-]*", " ", text)
    return set(re.findall(r"[^\W\d_]{3,}", text.lower()))


def _only_in(lang: str, other: str) -> set[str]:
    """Words of ``lang``'s help entries found in none of ``other``'s help entries.

    Names shared by both (commands, options, files, formats) drop out.
    """
    ids = [k for k in i18n.catalogue(lang) if k.startswith(HELP_IDS) or k == "cli.guide"]
    mine = _words(" ".join(i18n.catalogue(lang)[k] for k in ids))
    return mine - _words(" ".join(i18n.catalogue(other)[k] for k in ids))


@pytest.mark.parametrize("args", [["--help"], ["run", "--help"]])
def test_help_is_vietnamese_by_default(vietnamese, args: list[str]) -> None:
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    english = _only_in("en", "vi")
    assert {"show", "message", "every", "step"} <= english  # the oracle is not empty
    assert sorted(_words(result.output) & english) == []
    assert "Hiển thị hướng dẫn này rồi thoát." in result.output  # click's own --help, too


@pytest.mark.parametrize("args", [["--help"], ["run", "--help"], ["run", "--help", "--lang", "en"]])
def test_help_in_english_has_no_vietnamese(vietnamese, monkeypatch, args: list[str]) -> None:
    if "--lang" not in args:
        monkeypatch.setenv("ICTGIS_LANG", "en")
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    vietnamese_words = _only_in("vi", "en")
    assert {"hiển", "thị", "bước"} <= vietnamese_words
    assert sorted(_words(result.output) & vietnamese_words) == []
    assert not VIETNAMESE.search(result.output), result.output
    assert "Show this message and exit." in result.output


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_help_text_exists_in_both_languages(command: str) -> None:
    ctx = click.Context(main)
    cmd = main.get_command(ctx, command)
    assert cmd is not None
    pages = {}
    for lang in i18n.LANGUAGES:
        with i18n.language(lang):
            options = [p for p in cmd.params if isinstance(p, click.Option)]
            assert options and all(isinstance(p, Option) for p in options), command
            texts = [cmd.help, cmd.short_help, *(p.help for p in options),
                     cmd.get_help_option(ctx).help]
            assert all(texts), (lang, command, texts)
            pages[lang] = texts
    vi, en = pages["vi"], pages["en"]
    same = [a for a, b in zip(vi, en, strict=True) if a == b]
    assert same == []


def test_version_in_either_language(vietnamese, monkeypatch) -> None:
    from ictgis import __version__

    assert CliRunner().invoke(main, ["--version"]).output == f"ictgis, phiên bản {__version__}\n"
    monkeypatch.setenv("ICTGIS_LANG", "en")
    assert CliRunner().invoke(main, ["--version"]).output == f"ictgis, version {__version__}\n"
