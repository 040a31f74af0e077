"""The configuration reference (``docs/configuration.md``), rendered from the declaration."""

from __future__ import annotations

import re

from ictgis.config.keys import (
    ENTRIES,
    LAYER_SCHEMAS,
    REQUIRED,
    SECTIONS,
    Computed,
    Key,
    default_text,
)

_COLUMNS = ("key", "type", "default", "unit", "allowed", "description", "source")

_INTRO = """\
# Configuration reference

Every key of `ictgis.toml`, generated from its declaration in `ictgis/config/keys.py` by
`ictgis.config.render_reference()`; do not edit by hand (a test checks that this file equals
the rendered text). Regenerate it with:

```bash
python -c "from ictgis.config import render_reference; print(render_reference(), end='')" \\
  > docs/configuration.md
```

The user guide shows this file in its *Configuration reference* page, in English
([en/configuration.md](en/configuration.md)) and Vietnamese
([vi/configuration.md](vi/configuration.md)), from the marker below on.

A section `[layers.<layer>]` stands for a table of any name (`[layers.bts]`); a key `<region>`
for any key of its table. Defaults are written as in `ictgis.toml`. The source says where a
default comes from: a section (§) of the guide's *What the numbers mean*
([en/numbers.md](en/numbers.md)), a legal text, *assumption* (replace it with the province's
own value) or *ictgis* (a software choice). Unknown keys are errors; every error names the
file, the section and the key.
"""


#: The guide's pages include the reference from this line on (their own introduction above it).
MARKER = "<!-- keys: the guide includes this file from here -->"

#: Sources name sections of the team's domain notes, "DOMAIN.md §1.4"; the guide's *What the
#: numbers mean* has the same section numbers, so the reference says "§1.4".
_NOTES = re.compile(r"DOMAIN\.md\s*(?=§)")


def _cell(text: str) -> str:
    return _NOTES.sub("", text).replace("|", "\\|") if text else ""


def _row(cells: tuple[str, ...]) -> str:
    return "| " + " | ".join(cells) + " |"


def _key_row(key: Key) -> str:
    default = default_text(key)
    words = key.is_pattern or key.default in (None, REQUIRED, ENTRIES) or isinstance(
        key.default, Computed)
    return _row((f"`{key.name}`", key.type, default if words else f"`{default}`", key.unit,
                 _cell(key.allowed), _cell(key.description), _cell(key.source) or "—"))


def _layer_table() -> list[str]:
    lines = ["## Layers and their fields", "",
             "`*`: required field. `by`: allowed join keys of a table layer, the first is the "
             "default.", "",
             _row(("layer", "fields", "by")), _row(("---",) * 3)]
    for name, schema in LAYER_SCHEMAS.items():
        fields = [f"`{f}`*" for f in schema["required"]] + [f"`{f}`" for f in schema["optional"]]
        lines.append(_row((f"`{name}`", ", ".join(fields),
                           ", ".join(f"`{b}`" for b in schema["by"]) or "—")))
    return lines


def render_reference() -> str:
    """The configuration reference in Markdown: one table per section, then the layers.

    Returns
    -------
    str
        The text of ``docs/configuration.md``.
    """
    lines = [_INTRO, MARKER, ""]
    for section, keys in SECTIONS.items():
        lines += [f"## `[{section}]`", "", _row(_COLUMNS), _row(("---",) * len(_COLUMNS))]
        lines += [_key_row(key) for key in keys.values()]
        lines.append("")
    lines += _layer_table()
    return "\n".join(lines) + "\n"
