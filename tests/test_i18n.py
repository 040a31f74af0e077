"""The message catalogue: both languages complete, placeholders alike, numbers by convention."""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

import pytest

from ictgis import i18n


def test_every_message_exists_in_every_language_with_the_same_placeholders() -> None:
    vi, en = i18n.catalogue("vi"), i18n.catalogue("en")
    assert set(vi) == set(en)
    assert all(vi[k] and en[k] for k in vi), [k for k in vi if not (vi[k] and en[k])]
    differ = {k: (vi[k], en[k]) for k in vi
              if i18n.placeholders(vi[k]) != i18n.placeholders(en[k])}
    assert differ == {}


def test_ids_are_namespaced_by_their_file() -> None:
    from importlib import resources

    for entry in resources.files("ictgis.i18n").iterdir():
        if entry.name.endswith(".po"):
            domain = entry.name.split(".")[0]
            with entry.open("rb") as handle:
                from babel.messages.pofile import read_po

                ids = [m.id for m in read_po(handle) if m.id]
            assert ids and all(i.startswith(domain + ".") for i in ids), entry.name


def test_language_is_a_context(english) -> None:
    assert i18n.current() == "en"
    with i18n.language("vi"):
        assert i18n.t("cli.written", path="x") == "đã ghi: x"
        assert i18n.t("cli.written", path="x").id == "cli.written"
    assert i18n.t("cli.written", path="x") == "written: x"
    with pytest.raises(ValueError, match="'fr'"), i18n.language("fr"):
        pass


@pytest.mark.parametrize(("value", "decimals", "lang", "text"), [
    (9384.567, 2, "vi", "9.384,57"),      # the 2018 report: "10.236 người/điểm", "2,15 km"
    (9384.567, 2, "en", "9,384.57"),
    (10236.4, 0, "vi", "10.236"),
    (2.154, 2, "vi", "2,15"),
    (-0.001, 2, "vi", "0,00"),            # never "-0,00"
    (9279.999999999913, 1, "vi", "9.280,0"),
    (float("nan"), 2, "vi", ""),
    (None, 2, "en", ""),
])
def test_numbers_follow_the_language(value, decimals, lang, text) -> None:
    assert i18n.number(value, decimals, lang) == text


@pytest.mark.parametrize(("value", "vi", "en"), [
    (1800.0, "1.800", "1,800"),          # a frequency in MHz, as {:g} wrote 1800
    (2.5, "2,5", "2.5"),
    (0.05, "0,05", "0.05"),
    (0.1 + 0.2, "0,3", "0.3"),           # 0.30000000000000004: six significant digits, as {:g}
    (1 / 3, "0,333333", "0.333333"),
    (1234567.0, "1.234.567", "1,234,567"),  # {:g}: 1.23457e+06; all integer digits here
    (-2.5, "-2,5", "-2.5"),
    (0.0, "0", "0"),
    (float("nan"), "", ""),
    (None, "", ""),
    (1234.5678, "1.234,57", "1,234.57"),  # six significant digits, grouped
    (1e-7, "0,0000001", "0.0000001"),      # {:g}: 1e-07; never an exponent
    (3, "3", "3"),                         # an int
])
def test_plain_numbers_have_the_decimals_they_need(value, vi, en) -> None:
    with i18n.language("vi"):
        assert i18n.plain_number(value) == vi
    with i18n.language("en"):
        assert i18n.plain_number(value) == en
    assert (i18n.plain_number(value, lang="vi"), i18n.plain_number(value, lang="en")) == (vi, en)


def test_a_plain_year_is_not_grouped() -> None:
    assert [i18n.plain_number(2026.0, lang=lang, grouping=False) for lang in i18n.LANGUAGES] == [
        "2026", "2026"]
    assert [i18n.plain_number(2026.5, lang=lang, grouping=False) for lang in i18n.LANGUAGES] == [
        "2026,5", "2026.5"]


@pytest.mark.parametrize(("lang", "texts"), [
    ("vi", ["COST-231 Hata chỉ được hiệu chỉnh đến 2.000 MHz; dùng ở 2.100 MHz bằng ngoại suy",
            "độ cao trạm gốc 25 m nằm ngoài khoảng hiệu chỉnh 30-200 m",
            "khoảng cách 0,05 km nằm ngoài khoảng hiệu chỉnh 1-20 km",
            "Không có mô hình họ Hata cho 2.600 MHz (Okumura-Hata 150-1.500 MHz, "
            "COST-231 1.500-2.200 MHz)"]),
    ("en", ["COST-231 Hata is fitted up to 2,000 MHz; used at 2,100 MHz by extrapolation",
            "base station height 25 m is outside the fitted 30-200 m",
            "distance 0.05 km is outside the fitted 1-20 km",
            "no Hata-family model for 2,600 MHz (Okumura-Hata 150-1,500 MHz, "
            "COST-231 1,500-2,200 MHz)"]),
])
def test_model_warnings_write_numbers_as_the_language_does(lang, texts) -> None:
    import warnings

    from ictgis.coverage import models

    with i18n.language(lang), warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        models.model_name(2100.0)
        models.check_ranges(25.0, 1.5, [0.05, 3.0])
        with pytest.raises(ValueError) as error:
            models.model_name(2600.0)
    assert [str(w.message) for w in caught] + [str(error.value)] == texts


def _formatted_placeholders(text: str) -> list[str]:
    """The placeholders of ``text`` that carry a format spec or a conversion, as written."""
    import string

    return [f"{{{name}{'!' + conv if conv else ''}{':' + spec if spec else ''}}}"
            for _, name, spec, conv in string.Formatter().parse(text)
            if name is not None and (spec or conv)]


def test_the_placeholder_scan_finds_specs_and_conversions() -> None:
    found = _formatted_placeholders("{a:.1f} m, {b!r}, {c}, {{d:g}}, {e!s:>4}, {f:g}%")
    assert found == ["{a:.1f}", "{b!r}", "{e!s:>4}", "{f:g}"]


def test_no_placeholder_formats_its_own_value() -> None:
    """Numbers reach a message through number() (Babel: 19.253 / 19,253), never a format spec.

    ``{value:.0f}`` wrote 19253 in a Vietnamese text beside Babel's 14.736,4; ``{name!r}``
    quotes as Python does. The code passes the text: ``number(value, 0)``, or the plain value.
    """
    offenders: dict[str, list[str]] = {}
    for lang in i18n.LANGUAGES:
        for msg_id, text in i18n.catalogue(lang).items():
            found = _formatted_placeholders(msg_id) + _formatted_placeholders(text)
            if found:
                offenders.setdefault(msg_id, []).extend(f"{lang}: {p}" for p in found)
    assert offenders == {}


def test_error_messages_carry_their_id(english) -> None:
    from ictgis.errors import DataError

    error = DataError(i18n.t("errors.where.row", row=3), file="posts.csv")
    assert error.message_id == "errors.where.row"
    assert str(error) == "posts.csv: row 3"


# ------------------------------------------------------------------ no text outside the catalogue

PACKAGE = Path(__file__).resolve().parents[1] / "ictgis"
#: Letters only Vietnamese uses: a literal holding one is Vietnamese text.
VIETNAMESE = re.compile(
    r"[àáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵđ]", re.I)
#: Calls whose first argument a user reads.
SHOWN = {"echo", "warn", "secho", "BadParameter", "UsageError", "ClickException", "Failure"}
#: Where literals are not display text, and why.
EXEMPT = {
    "demo": "the synthetic province's own data (place names, labels written into its layers)",
    "config/keys.py": "the declaration's descriptions, rendered into docs/configuration.md",
}
#: A comment on the line that says why a literal is not display text.
MARKERS = ("# input vocabulary", "# Python's own wording")
#: Keywords of click's decorators whose value a user reads in ``--help``: a catalogue id there.
HELP_KEYWORDS = {"help", "short_help", "epilog"}
MESSAGE_ID = re.compile(r"[a-z_]+(\.[a-z0-9_]+)+")


def _literal(node: ast.AST) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(v.value for v in node.values
                       if isinstance(v, ast.Constant) and isinstance(v.value, str))
    return None


def _words(text: str) -> int:
    return len(re.findall(r"[^\W\d_]{2,}", text))


def _user_facing_literals(path: Path) -> list[str]:
    source = path.read_text(encoding="utf-8")
    lines = source.splitlines()
    tree = ast.parse(source)
    docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                  if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef
                                | ast.AsyncFunctionDef)
                  and node.body and isinstance(node.body[0], ast.Expr)}
    # click shows a command's docstring as its help, unless the command's class takes its help
    # from the catalogue (cls=)
    help_docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                       if isinstance(node, ast.FunctionDef) and isinstance(node.body[0], ast.Expr)
                       and id(node.body[0].value) in docstrings
                       and any(isinstance(d, ast.Call) and isinstance(d.func, ast.Attribute)
                               and d.func.attr in {"command", "group"}
                               and not any(k.arg == "cls" for k in d.keywords)
                               for d in node.decorator_list)}
    found = []
    for node in ast.walk(tree):
        text, why = None, ""
        if id(node) in help_docstrings:
            text, why = _literal(node), "a command's help (docstring)"
            text = text if text and _words(text) >= 2 else None
        elif isinstance(node, ast.keyword) and node.arg in HELP_KEYWORDS:
            text, why = _literal(node.value), f"{node.arg}= of a command or option"
            text = text if text and not MESSAGE_ID.fullmatch(text) else None
            node = node.value
        elif isinstance(node, ast.Call) and node.args:
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name in SHOWN or name.endswith(("Error", "Warning", "Exception")):
                text, why = _literal(node.args[0]), f"shown by {name}()"
                text = text if text and _words(text) >= 2 else None
        elif isinstance(node, ast.Assign) and any(
                isinstance(target, ast.Name) and target.id == "msg" for target in node.targets):
            text, why = _literal(node.value), "a message"
            text = text if text and _words(text) >= 1 else None
        elif (isinstance(node, ast.Constant) and isinstance(node.value, str)
              and id(node) not in docstrings and VIETNAMESE.search(node.value)):
            text, why = node.value, "Vietnamese text"
        if text is not None and not any(m in lines[node.lineno - 1] for m in MARKERS):
            found.append(f"{path.relative_to(PACKAGE)}:{node.lineno}: {why}: {text[:60]!r}")
    return found


def _modules() -> list[Path]:
    exempt = tuple(PACKAGE / name for name in EXEMPT)
    return [p for p in sorted(PACKAGE.rglob("*.py")) if "i18n" not in p.parts
            and not any(p == e or e in p.parents for e in exempt)]


def test_the_scan_finds_what_it_looks_for(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(sys.modules[__name__], "PACKAGE", tmp_path)
    sample = tmp_path / "sample.py"
    sample.write_text('"""Tài liệu."""\nmsg = f"file {x} is bad"\nraise DataError("bad input row")\n'
                      'LABEL = "Xã"\nx = "Đ"  # input vocabulary\necho("done writing")\n'
                      '@click.command("a")\n@option("--x", help="Do it.")\ndef a():\n'
                      '    """Run it all."""\n'
                      '@click.command("b", cls=Command)\n@option("--y", help="cli.help.b.y")\n'
                      'def b():\n    """Not shown: the help is in the catalogue."""\n',
                      encoding="utf-8")
    found = _user_facing_literals(sample)
    assert sorted(int(line.split(":")[1]) for line in found) == [2, 3, 4, 6, 8, 10], found


def test_no_user_facing_literal_outside_the_catalogue() -> None:
    found = [line for path in _modules() for line in _user_facing_literals(path)]
    assert found == []


def test_every_message_id_used_in_the_code_exists() -> None:
    known = set(i18n.catalogue("vi"))
    used = set()
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and getattr(node.func, "id", "") == "t" and node.args
                    and isinstance(node.args[0], ast.Constant)):
                used.add(node.args[0].value)
    assert used and sorted(used - known) == []
