"""The QGIS project of the outputs (``ictgis.qgz``), written without QGIS.

The ``.qgs`` XML is filled from ``templates/project.qgs``: layers with paths relative to the
project (the outputs folder can be moved or copied whole), grouped, each with its style
embedded (opening a project does not apply a GeoPackage's ``layer_styles``), the project CRS
set, and a default view on the province. The ``.qgz`` is that XML zipped, as QGIS saves it.
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from xml.etree import ElementTree as ET

from ictgis.qgis import qml
from ictgis.qgis.styles import Style

#: Root attributes of a QML document that are the document's, not the layer's.
_DOCUMENT_ATTRIBUTES = ("version", "styleCategories")


@dataclass(frozen=True)
class ProjectLayer:
    """A layer of the project.

    Attributes
    ----------
    group
        Title of its group in the layer tree (a subgroup after ``/``).
    name
        Name shown in the layer tree.
    source
        Path relative to the project, ``./stats/stats.gpkg|layername=communes`` for a layer of
        a GeoPackage.
    kind
        ``"point"``, ``"line"``, ``"polygon"`` or ``"raster"``.
    styles
        Its styles; the first default one is embedded in the project.
    visible
        Checked in the layer tree.
    count
        Number of features (None for a raster).
    """

    group: str
    name: str
    source: str
    kind: str
    styles: Sequence[Style] = field(default_factory=tuple)
    visible: bool = True
    count: int | None = None

    @property
    def id(self) -> str:
        """A stable id, as QGIS makes them: the file's stem and a hash of the source."""
        stem = self.source.split("|layername=")[-1].rsplit("/", 1)[-1].split(".")[0]
        digest = hashlib.sha1(self.source.encode("utf-8")).hexdigest()[:16]
        return f"{stem}_{digest}"

    @property
    def style(self) -> Style | None:
        """The style embedded in the project."""
        return next((s for s in self.styles if s.default), self.styles[0] if self.styles else None)

    @property
    def provider(self) -> str:
        """The QGIS data provider."""
        return "gdal" if self.kind == "raster" else "ogr"


def crs_xml(crs: object) -> str:
    """QGIS's ``<spatialrefsys>`` of a CRS (WKT, with its EPSG code when it has one)."""
    import warnings

    from pyproj import CRS

    found = CRS.from_user_input(crs)
    with warnings.catch_warnings():  # the PROJ string is only QGIS's fallback to the WKT
        warnings.simplefilter("ignore", UserWarning)
        proj4 = found.to_proj4()
    code = found.to_epsg()
    ellipsoid = found.ellipsoid.name if found.ellipsoid is not None else ""
    return qml.fill("crs.xml", wkt=found.to_wkt(), proj4=proj4,
                    srid=code or 0, authid=f"EPSG:{code}" if code else "",
                    description=found.name, acronym="tmerc", ellipsoid=ellipsoid)


def maplayer(layer: ProjectLayer, crs: str) -> str:
    """The ``<maplayer>`` element of a layer, its style's elements inside."""
    element = ET.fromstring(qml.fill(
        "maplayer.xml", type="raster" if layer.kind == "raster" else "vector", id=layer.id,
        source=layer.source, name=layer.name, provider=layer.provider, raw={"crs": crs}))
    if layer.kind != "raster":
        geometry = {"point": "Point", "line": "Line", "polygon": "Polygon"}[layer.kind]
        element.set("geometry", geometry)
    style = layer.style
    if style is not None:
        document = ET.fromstring(style.qml.split("\n", 1)[1])  # without the DOCTYPE line
        for key, value in document.attrib.items():
            if key not in _DOCUMENT_ATTRIBUTES:
                element.set(key, value)
        element.extend(list(document))
    return ET.tostring(element, encoding="unicode")


def tree(layers: Sequence[ProjectLayer], groups: Sequence[str]) -> str:
    """The ``<layer-tree-group>`` children: a group per title (those with layers), in order."""
    parts = []
    for group in groups:
        members = [layer for layer in layers if layer.group.split("/")[0] == group]
        if not members:
            continue
        direct = [_tree_layer(layer) for layer in members if "/" not in layer.group]
        subgroups = dict.fromkeys(layer.group for layer in members if "/" in layer.group)
        nested = [_group(sub.split("/", 1)[1],
                         [_tree_layer(layer) for layer in members if layer.group == sub],
                         checked=False, expanded=False) for sub in subgroups]
        parts.append(_group(group, [*direct, *nested], checked=True, expanded=True))
    return "\n".join(parts)


def _group(name: str, children: Sequence[str], *, checked: bool, expanded: bool) -> str:
    state = "Qt::Checked" if checked else "Qt::Unchecked"
    return (f'<layer-tree-group name="{qml.attr(name)}" checked="{state}" '
            f'expanded="{int(expanded)}">\n<customproperties/>\n' + "\n".join(children)
            + "\n</layer-tree-group>")


def _tree_layer(layer: ProjectLayer) -> str:
    state = "Qt::Checked" if layer.visible else "Qt::Unchecked"
    return (f'<layer-tree-layer id="{qml.attr(layer.id)}" name="{qml.attr(layer.name)}" '
            f'source="{qml.attr(layer.source)}" providerKey="{layer.provider}" '
            f'checked="{state}" expanded="0" legend_exp="">\n<customproperties/>\n'
            "</layer-tree-layer>")


def project_xml(title: str, layers: Sequence[ProjectLayer], groups: Sequence[str], *,
                crs: object, extent: tuple[float, float, float, float]) -> str:
    """The ``.qgs`` document.

    Parameters
    ----------
    title
        Project title.
    layers
        The layers, top of the map first within each group.
    groups
        Group titles, top first.
    crs
        Project CRS (the working CRS of the layers).
    extent
        Default view ``(xmin, ymin, xmax, ymax)`` in ``crs``.
    """
    srs = crs_xml(crs)
    ordered = [layer for group in groups for layer in layers
               if layer.group.split("/")[0] == group]
    xmin, ymin, xmax, ymax = (qml.number(v) for v in extent)
    return qml.fill(
        "project.qgs", title=title, xmin=xmin, ymin=ymin, xmax=xmax, ymax=ymax,
        raw={"crs": srs, "tree": tree(ordered, groups),
             "layers": "\n".join(maplayer(layer, srs) for layer in ordered),
             "order": "\n".join(f'<layer id="{qml.attr(layer.id)}"/>' for layer in ordered)})


def qgz(xml: str, name: str = "ictgis.qgs") -> bytes:
    """A ``.qgz`` archive holding the project document ``name``."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(name, xml.encode("utf-8"))
    return buffer.getvalue()
