"""The configuration reference, rendered per language from the declaration.

``docs/configuration.md`` (English) and ``docs/configuration.vi.md`` (Vietnamese) are rendered
from :data:`ictgis.config.keys.KEYS`; each key's description comes from the catalogue
(``config.{en,vi}.po``) under :attr:`ictgis.config.keys.Key.description_id`: ``config.key.``
and the key's path, a placeholder ``<name>`` spelled ``_name_`` (``[coverage.technologies.<name>]
margin_db`` -> ``config.key.coverage.technologies._name_.margin_db``). Regenerate both files
from the repository root with::

    python -c "from ictgis.config.reference import write_references; write_references()"
"""

from __future__ import annotations

import re
from pathlib import Path

from ictgis.config.keys import (
    ENTRIES,
    LAYER_SCHEMAS,
    REQUIRED,
    SECTIONS,
    Computed,
    Key,
    default_text,
    type_name,
)
from ictgis.i18n import language, t

#: Language -> the generated file, in ``docs/``.
FILES = {"en": "configuration.md", "vi": "configuration.vi.md"}

_COLUMNS = ("key", "type", "default", "unit", "allowed", "description", "source")

#: The introduction above :data:`MARKER` is ``config.reference.intro`` (placeholder ``{language}``);
#: the column headers are ``config.reference.column.*``.


#: The guide's pages include the reference from this line on (their own introduction above it).
MARKER = "<!-- keys: the guide includes this file from here -->"

#: Sources name sections of the team's domain notes, "DOMAIN.md §1.4"; the guide's *What the
#: numbers mean* has the same section numbers, so the reference says "§1.4".
_NOTES = re.compile(r"DOMAIN\.md\s*(?=§)")


def _cell(text: str) -> str:
    """Text for a table cell: pipes escaped, and ``<`` so that ``<symbol>`` is not raw HTML."""
    return _NOTES.sub("", text).replace("|", "\\|").replace("<", "\\<") if text else ""


def _row(cells: tuple[str, ...]) -> str:
    return "| " + " | ".join(cells) + " |"


#: Defaults in words and their catalogue ids (the reference's language).
_WORDS = ((None, "config.help.not_set"), (REQUIRED, "config.help.required"),
          (ENTRIES, "config.reference.entries"))


def _default(key: Key) -> str:
    """The default cell's text: a word in the reference's language, or as in ``ictgis.toml``."""
    if not key.is_pattern:
        for marker, msg_id in _WORDS:
            if key.default is marker:
                return str(t(msg_id))
    return default_text(key)


def _key_row(key: Key) -> str:
    default = _default(key)
    words = key.is_pattern or key.default in (None, REQUIRED, ENTRIES) or isinstance(
        key.default, Computed)
    return _row((f"`{key.name}`", type_name(key.type), default if words else f"`{default}`",
                 key.unit, _cell(key.allowed), _cell(key.describe()),
                 _cell(key.text("source")) or "—"))


def _layer_table() -> list[str]:
    lines = [f"## {t('config.reference.layers')}", "", t("config.reference.layers_note"), "",
             _row((t("config.reference.layer"), t("config.reference.fields"),
                   t("config.reference.by"))), _row(("---",) * 3)]
    for name, schema in LAYER_SCHEMAS.items():
        fields = [f"`{f}`*" for f in schema["required"]] + [f"`{f}`" for f in schema["optional"]]
        lines.append(_row((f"`{name}`", ", ".join(fields),
                           ", ".join(f"`{b}`" for b in schema["by"]) or "—")))
    return lines


def render_reference(lang: str = "en") -> str:
    """The configuration reference in Markdown: one table per section, then the layers.

    Parameters
    ----------
    lang
        Language of the descriptions and of the layer table (``"en"`` or ``"vi"``).

    Returns
    -------
    str
        The text of ``docs/`` + ``FILES[lang]``.
    """
    with language(lang):
        lines = [t("config.reference.intro", language=lang) + "\n", MARKER, ""]
        header = _row(tuple(str(t(f"config.reference.column.{c}")) for c in _COLUMNS))
        for section, keys in SECTIONS.items():
            lines += [f"## `[{section}]`", "", header, _row(("---",) * len(_COLUMNS))]
            lines += [_key_row(key) for key in keys.values()]
            lines.append("")
        lines += _layer_table()
    return "\n".join(lines) + "\n"


def write_references(docs: Path = Path("docs")) -> list[Path]:
    """Write the reference of every language into ``docs`` (the guide's folder).

    Parameters
    ----------
    docs
        The guide's folder; by default ``docs`` of the current directory (the repository root).

    Returns
    -------
    list of Path
        The files written.
    """
    written = []
    for lang, name in FILES.items():
        path = docs / name
        path.write_text(render_reference(lang), encoding="utf-8")
        written.append(path)
    return written

