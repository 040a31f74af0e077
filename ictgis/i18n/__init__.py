"""The one message catalogue: every string a user sees, in Vietnamese (default) and English.

Messages live in gettext PO files beside this module, one pair per domain
(``cli.vi.po`` / ``cli.en.po``, ``maps.vi.po`` / ``maps.en.po``, ...), read with Babel. A
message id is namespaced by its domain (``cli.written``); its text uses ``str.format``
placeholders (``{path}``). Data carry ids and units; views call :func:`t` at the edge.

The language is a context (:func:`language`), Vietnamese unless a front end says otherwise::

    with i18n.language("en"):
        i18n.t("cli.written", path="outputs/stats")   # 'written: outputs/stats'
    i18n.number(9384.567, 2)                          # '9.384,57' (Vietnamese convention)
    i18n.plain_number(1800.0)                         # '1.800' (the decimals it needs)
"""

from __future__ import annotations

import contextlib
import functools
import string
from collections.abc import Iterator, Mapping
from contextvars import ContextVar
from importlib import resources
from typing import Any

#: The languages of the catalogue; the first is the default.
LANGUAGES: tuple[str, ...] = ("vi", "en")
#: Babel locale of each language (number and date conventions).
LOCALES: Mapping[str, str] = {"vi": "vi_VN", "en": "en_US"}

_CURRENT: ContextVar[str] = ContextVar("ictgis_language", default=LANGUAGES[0])


class Message(str):
    """A translated text that remembers its message id and parameters (for tests and logs)."""

    id: str
    params: Mapping[str, Any]

    def __new__(cls, text: str, msg_id: str, params: Mapping[str, Any]) -> Message:
        """Make the text, keeping ``msg_id`` and ``params``."""
        obj = super().__new__(cls, text)
        obj.id = msg_id
        obj.params = dict(params)
        return obj


def current() -> str:
    """The language in force (``vi`` unless :func:`language` set another)."""
    return _CURRENT.get()


@contextlib.contextmanager
def language(lang: str | None) -> Iterator[str]:
    """Use ``lang`` for every message and number inside the block (None: keep the current one).

    Raises
    ------
    ValueError
        When ``lang`` is not one of :data:`LANGUAGES`.
    """
    if lang is None:
        yield current()
        return
    check_language(lang)
    token = _CURRENT.set(lang)
    try:
        yield lang
    finally:
        _CURRENT.reset(token)


def set_language(lang: str) -> None:
    """Use ``lang`` from now on in this context (a front end's ``--lang``).

    Front ends run each command in a copied context (:func:`contextvars.copy_context`), so the
    choice does not outlive the command.
    """
    _CURRENT.set(check_language(lang))


def check_language(lang: str) -> str:
    """``lang`` if it is one of :data:`LANGUAGES`.

    Raises
    ------
    ValueError
        Otherwise.
    """
    if lang not in LANGUAGES:
        msg = f"language {lang!r}: choose from {', '.join(LANGUAGES)}"
        raise ValueError(msg)
    return lang


@functools.cache
def catalogue(lang: str) -> Mapping[str, str]:
    """Every message of ``lang``: id -> text, from the ``*.{lang}.po`` files of this package.

    Raises
    ------
    ValueError
        When two files define the same id.
    """
    from babel.messages.pofile import read_po

    check_language(lang)
    found: dict[str, str] = {}
    for entry in sorted(resources.files(__name__).iterdir(), key=lambda p: p.name):
        if not entry.name.endswith(f".{lang}.po"):
            continue
        with entry.open("rb") as handle:
            for message in read_po(handle, locale=LOCALES[lang]):
                if not message.id:
                    continue
                if message.id in found:
                    msg = f"{entry.name}: message {message.id!r} is defined twice"
                    raise ValueError(msg)
                found[str(message.id)] = str(message.string)
    return found


def t(msg_id: str, /, lang: str | None = None, **params: Any) -> Message:
    """The text of ``msg_id`` in ``lang`` (default: the current language), formatted.

    Raises
    ------
    KeyError
        When the id is not in the catalogue.
    """
    text = catalogue(lang or current())[msg_id]
    return Message(text.format(**params) if params else text, msg_id, params)


def labels(prefix: str, lang: str | None = None) -> dict[str, str]:
    """Every message whose id starts with ``prefix.``, keyed by the rest of the id.

    ``labels("maps.kind")`` -> ``{"phuong": "Phường", "xa": "Xã", ...}``.
    """
    return dict(_labels(prefix, lang or current()))


@functools.lru_cache(maxsize=512)
def _labels(prefix: str, lang: str) -> tuple[tuple[str, str], ...]:
    head = prefix + "."
    return tuple((key[len(head):], text) for key, text in catalogue(lang).items()
                 if key.startswith(head))


def ids(prefix: str, values: Any) -> Any:
    """Map labels of ``prefix.*`` in any language (or ids themselves) back to their ids.

    Readers of earlier outputs use it: a table written in one language is read in another.
    ``values`` is a pandas Series (returned mapped) or one value; unknown values stay as they are.
    """
    back: dict[str, str] = {}
    for lang in LANGUAGES:
        back.update({text: key for key, text in labels(prefix, lang).items()})
    back.update({key: key for key in labels(prefix, LANGUAGES[0])})
    if hasattr(values, "map"):
        return values.map(lambda v: back.get(v, v))
    return back.get(values, values)


def placeholders(text: str) -> set[str]:
    """The ``{name}`` placeholders of a message text."""
    return {name.split(".")[0].split("[")[0] for _, name, _, _ in string.Formatter().parse(text)
            if name}


def number(value: float | int | None, decimals: int = 2, lang: str | None = None, *,
           grouping: bool = True) -> str:
    """A number written in the language's convention (``9.384,57`` in Vietnamese).

    Missing values (None, NaN) give an empty string; ``-0`` is written ``0``.
    """
    import math

    if value is None or math.isnan(float(value)):
        return ""
    value = round(float(value), decimals) + 0.0  # no "-0,00"
    locale, pattern = _number_format(lang or current(), decimals, grouping)
    return pattern.apply(value, locale, decimal_quantization=True)


def plain_number(value: float | int | None, significant: int = 6, lang: str | None = None, *,
                 grouping: bool = True) -> str:
    """``value`` by :func:`number` with the decimals it needs: no trailing zeros, no exponent.

    For values people gave (a frequency in MHz, a height in m, a limit of the configuration),
    where a fixed number of decimals would hide or invent digits.

    Parameters
    ----------
    value
        The number, in whatever unit the message states; None or NaN give an empty string.
    significant
        Decimals beyond this many significant digits are dropped, as Python's ``{:g}`` drops
        them; a large value keeps all its integer digits (never an exponent).
    lang
        Language of the convention (default: the language in force).
    grouping
        Whether thousands are grouped; not for a year (2026), which is written as it is.

    Returns
    -------
    str
        1800 -> ``1.800`` in Vietnamese, ``1,800`` in English; 2.5 -> ``2,5`` / ``2.5``;
        0.05 -> ``0,05`` / ``0.05``; 0.1 + 0.2 -> ``0,3`` / ``0.3``.
    """
    import math

    if value is None or not math.isfinite(float(value)) or value == 0:
        return number(value, 0, lang, grouping=grouping)
    value = float(value)
    most = max(0, significant - 1 - math.floor(math.log10(abs(value))))
    target = round(value, most)
    decimals = next(d for d in range(most + 1) if round(value, d) == target)
    return number(value, decimals, lang, grouping=grouping)


@functools.lru_cache(maxsize=64)
def _number_format(lang: str, decimals: int, grouping: bool) -> tuple[Any, Any]:
    """Babel's locale and parsed pattern of :func:`number`.

    ``format_decimal`` parses both on every call; a national run writes tens of thousands
    of numbers.
    """
    from babel import Locale
    from babel.numbers import parse_pattern

    pattern = ("#,##0" if grouping else "0") + ("." + "0" * decimals if decimals > 0 else "")
    return Locale.parse(LOCALES[lang]), parse_pattern(pattern)
