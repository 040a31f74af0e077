"""Sphinx settings both trees of the guide share (``docs/en`` and ``docs/vi``).

Each tree's ``conf.py`` takes these with ``settings(language)``. Nothing is downloaded at build
time: no intersphinx, and the theme (alabaster, installed with Sphinx) ships its assets.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

#: The folder of the guide (``docs/``); the generated configuration reference is in it.
DOCS = Path(__file__).resolve().parent

_TITLES = {"en": "ictgis user guide", "vi": "Hướng dẫn sử dụng ictgis"}

#: Docstrings cite the team's domain notes ("DOMAIN.md §4.2"), a file users do not have; the
#: guide's *What the numbers mean* has the same section numbers, so the citation links there.
_NOTES = re.compile(r"DOMAIN\.md")


def _cite_the_guide(app: Any, what: str, name: str, obj: Any, options: Any,
                    lines: list[str]) -> None:
    lines[:] = [_NOTES.sub(":doc:`numbers`", line) for line in lines]


def _setup(app: Any) -> None:
    app.connect("autodoc-process-docstring", _cite_the_guide)


def settings(language: str) -> dict[str, Any]:
    """The Sphinx configuration values of one language's tree.

    Parameters
    ----------
    language
        ``"en"`` or ``"vi"``: the language of the tree (Sphinx's own labels follow it).

    Returns
    -------
    dict
        Names and values to put into the tree's ``conf.py`` namespace.
    """
    return {
        "project": _TITLES[language],
        "author": "ictgis",
        "copyright": "ictgis",
        "language": language,
        "root_doc": "index",
        "extensions": ["myst_parser", "sphinx.ext.autodoc", "sphinx.ext.napoleon"],
        "source_suffix": {".md": "markdown"},
        "exclude_patterns": ["_build"],
        "myst_enable_extensions": ["colon_fence", "deflist"],
        "myst_heading_anchors": 3,
        "napoleon_google_docstring": False,
        "napoleon_numpy_docstring": True,
        "autodoc_member_order": "bysource",
        "autodoc_typehints": "signature",
        "html_theme": "alabaster",
        "html_theme_options": {"show_powered_by": False, "sidebar_collapse": False},
        "html_sidebars": {"**": ["about.html", "navigation.html", "searchbox.html"]},
        "html_title": _TITLES[language],
        "html_show_sourcelink": False,
        "html_copy_source": False,
        "setup": _setup,
    }
