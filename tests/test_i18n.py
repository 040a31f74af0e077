"""The message catalogue: both languages complete, placeholders alike, numbers by convention."""

from __future__ import annotations

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


def test_error_messages_carry_their_id(english) -> None:
    from ictgis.errors import DataError

    error = DataError(i18n.t("errors.where.row", row=3), file="posts.csv")
    assert error.message_id == "errors.where.row"
    assert str(error) == "posts.csv: row 3"
