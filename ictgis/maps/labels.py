"""The labels of the maps, from the message catalogue (``ictgis/i18n/maps.*.po``).

Ids of the ``maps`` domain, read with :func:`ictgis.i18n.labels`:

* ``maps.label.*``: layer names, legends, units, popup fields, title, search, notes, the
  synthetic-data label, static-map titles (:func:`labels_for`);
* ``maps.zone_class.*``: plan zone classes;
* ``maps.progress.*``, ``maps.error.*``: progress and error messages.

Names the other views show too come from their own domains: commune kinds
(``admin.kind.*``), postal point types (``stats.point_type.*``), siting severities
(``siting.severity.*``).
"""

from __future__ import annotations

from ictgis import i18n
from ictgis.errors import ConfigError

#: The labels that the page script uses (site popups, search), sent with each page as
#: ``ictgis.t`` (ids under ``maps.label``).
JS_LABELS = ("operators", "technologies", "mast_class", "height", "units_m", "status",
             "commune", "site_findings", "none", "findings_omitted", "search", "not_found",
             "layers_toggle", "legend_toggle", "details_toggle", "open_page")


def labels_for(lang: str | None = None) -> dict[str, str]:
    """The labels of the maps (``maps.label.*`` without the prefix) in ``lang``.

    ``lang``: ``vi`` or ``en`` (default: the language in force, :func:`ictgis.i18n.current`).

    Raises
    ------
    ConfigError
        For a language that is not in :data:`ictgis.i18n.LANGUAGES`.
    """
    if lang is not None and lang not in i18n.LANGUAGES:
        msg = i18n.t("maps.error.language", language=lang, choices=", ".join(i18n.LANGUAGES))
        raise ConfigError(msg)
    return i18n.labels("maps.label", lang)
