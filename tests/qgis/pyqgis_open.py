"""Open an ictgis project in QGIS and render it: run by /usr/bin/python3 (PyQGIS), not pytest.

Usage: python3 pyqgis_open.py PROJECT.qgz OUT.png [WIDTH HEIGHT]

Prints JSON: the project CRS, its default view extent, and per layer its name, validity, CRS,
feature count (None for rasters), renderer type and source. Renders the checked layers over
the default view extent into OUT.png.
"""

import json
import sys

from qgis.core import (
    QgsApplication,
    QgsMapRendererSequentialJob,
    QgsMapSettings,
    QgsProject,
    QgsVectorLayer,
)
from qgis.PyQt.QtCore import QSize
from qgis.PyQt.QtGui import QColor


def main(project_path, png, width=1000, height=560):
    """Open, describe, render; return the description."""
    project = QgsProject.instance()
    found = {"read": project.read(project_path), "crs": project.crs().authid(), "layers": []}
    extent = project.viewSettings().defaultViewExtent()
    found["extent"] = [extent.xMinimum(), extent.yMinimum(), extent.xMaximum(), extent.yMaximum()]
    for layer in project.mapLayers().values():
        renderer = layer.renderer()
        found["layers"].append({
            "id": layer.id(), "name": layer.name(), "valid": layer.isValid(),
            "crs": layer.crs().authid(),
            "count": layer.featureCount() if isinstance(layer, QgsVectorLayer) else None,
            "renderer": renderer.type() if renderer is not None else None,
            "source": layer.source()})
        del renderer
    root = project.layerTreeRoot()
    checked = set(root.checkedLayers())
    settings = QgsMapSettings()
    settings.setLayers([layer for layer in root.layerOrder() if layer in checked])
    settings.setDestinationCrs(project.crs())
    settings.setExtent(extent)
    settings.setOutputSize(QSize(width, height))
    settings.setBackgroundColor(QColor(255, 255, 255))
    job = QgsMapRendererSequentialJob(settings)
    job.start()
    job.waitForFinished()
    found["rendered"] = job.renderedImage().save(png, "PNG")
    del job, settings, checked, root
    project.clear()
    return found


if __name__ == "__main__":
    app = QgsApplication([], False)
    app.initQgis()
    size = [int(v) for v in sys.argv[3:5]] or [1000, 560]
    print(json.dumps(main(sys.argv[1], sys.argv[2], *size), ensure_ascii=False))
    app.exitQgis()
