"""QGIS-ready outputs, written without QGIS: styles, band metadata, the project ``ictgis.qgz``.

The department's GIS is QGIS. This package gives every output layer the look of the HTML maps
(one source of classes and colours: :mod:`ictgis.maps.styles` and
:mod:`ictgis.maps.classification`) in the forms QGIS reads:

* each vector layer's styles in its GeoPackage's ``layer_styles`` table (QGIS's schema; the
  default one applied when the layer is added, one style per indicator for the communes);
* a ``.qml`` beside every GeoTIFF, a band description, and a colour table on class rasters;
* ``ictgis.qgz``: a project of every layer that exists, grouped, styled, with paths relative
  to the outputs folder.

Styles are QML documents filled from the templates in ``templates/`` (package data). Labels are
in the language in force (:func:`ictgis.i18n.language`).

Modules: :mod:`~ictgis.qgis.qml` (QML from templates), :mod:`~ictgis.qgis.styles` (the style of
each kind of layer), :mod:`~ictgis.qgis.layers` (which layers, grouped how),
:mod:`~ictgis.qgis.project` (the ``.qgs``/``.qgz``), :mod:`~ictgis.qgis.write` (into the files).
The step :mod:`ictgis.steps.qgis` runs them on an outputs folder.
"""

from ictgis.qgis.layers import GROUPS, ProjectPlan, RasterStyle, project_plan, workspace_layers
from ictgis.qgis.project import ProjectLayer, project_xml, qgz
from ictgis.qgis.styles import Style
from ictgis.qgis.write import LAYER_STYLES, style_raster, write_layer_styles

__all__ = ["GROUPS", "LAYER_STYLES", "ProjectLayer", "ProjectPlan", "RasterStyle", "Style",
           "project_plan", "project_xml", "qgz", "style_raster", "workspace_layers",
           "write_layer_styles"]
