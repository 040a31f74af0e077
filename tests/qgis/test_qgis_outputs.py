"""QGIS-ready outputs, checked without QGIS: GeoPackage version, layer_styles, raster styles, project."""

from __future__ import annotations

import shutil
import sqlite3
import zipfile
from pathlib import Path
from xml.etree import ElementTree as ET

import numpy as np
import pyogrio
import pytest
import rasterio

from ictgis import i18n, maps, outputs, pipeline
from ictgis.maps.classification import coverage_labels
from ictgis.maps.styles import POST_COLORS, SEVERITY_COLORS, ZONE_COLORS, coverage_colors
from ictgis.qgis import qml
from ictgis.steps.maps import map_inputs
from tests.qgis.conftest import qgis_step

#: (GeoPackage relative to the outputs, layer) -> the renderer of its default style.
RENDERERS = {
    ("stats/stats.gpkg", "communes"): "graduatedSymbol",
    ("stats/stats.gpkg", "districts"): "singleSymbol",
    ("stats/stats.gpkg", "regions"): "singleSymbol",
    ("siting/findings.gpkg", "findings"): "categorizedSymbol",
    ("siting/findings.gpkg", "links"): "categorizedSymbol",
    ("coverage/coverage.gpkg", "communes"): "graduatedSymbol",
    ("qgis/layers.gpkg", "post_offices"): "categorizedSymbol",
    ("qgis/layers.gpkg", "bts"): "categorizedSymbol",
    ("qgis/layers.gpkg", "zones"): "categorizedSymbol",
    ("qgis/layers.gpkg", "planned_sites"): "singleSymbol",
    ("qgis/layers.gpkg", "uncovered_areas"): "singleSymbol",
    ("priorities/priorities.gpkg", "ranking"): "singleSymbol",
    ("priorities/priorities.gpkg", "excluded"): "singleSymbol",
}


def styles_of(gpkg: Path) -> list[dict]:
    with sqlite3.connect(gpkg) as db:
        db.row_factory = sqlite3.Row
        return [dict(row) for row in db.execute("SELECT * FROM layer_styles ORDER BY id")]


def project_root(out: Path) -> ET.Element:
    with zipfile.ZipFile(out / outputs.QGIS_PROJECT) as archive:
        names = archive.namelist()
        assert names == ["ictgis.qgs"]
        return ET.fromstring(archive.read(names[0]))


def test_geopackages_are_version_1_2(qgis_outputs: Path) -> None:
    """GDAL 3.6 (QGIS 3.22 on Debian stable) warns on every GeoPackage newer than 1.2."""
    found = sorted(qgis_outputs.rglob("*.gpkg"))
    assert {"stats.gpkg", "findings.gpkg", "coverage.gpkg", "layers.gpkg"} <= {
        p.name for p in found}
    for gpkg in found:
        with sqlite3.connect(gpkg) as db:
            assert db.execute("PRAGMA user_version").fetchone()[0] == 10200, gpkg


def test_every_layer_has_one_default_style_that_parses(qgis_outputs: Path) -> None:
    seen = {}
    for gpkg in sorted(qgis_outputs.rglob("*.gpkg")):
        relative = gpkg.relative_to(qgis_outputs).as_posix()
        geometry = dict(sqlite3.connect(gpkg).execute(
            "SELECT table_name, column_name FROM gpkg_geometry_columns"))
        for row in styles_of(gpkg):
            root = ET.fromstring(row["styleQML"].split("\n", 1)[1])
            assert root.tag == "qgis"
            assert row["f_geometry_column"] == geometry[row["f_table_name"]]
            assert (row["f_table_catalog"], row["f_table_schema"]) == ("", "")
            if row["useAsDefault"]:
                key = (relative, row["f_table_name"])
                assert key not in seen, f"two default styles for {key}"
                seen[key] = root.find("renderer-v2").get("type")
    assert seen == RENDERERS


def test_layers_keep_their_features_and_readers_ignore_styles(qgis_outputs: Path,
                                                              demo_run: Path) -> None:
    found = outputs.Outputs(qgis_outputs)
    assert len(found.stats_communes()) == 172
    assert "layer_styles" in {name for name, _ in pyogrio.list_layers(found.gpkg("stats"))}
    ws = pipeline.load(demo_run)
    layers = {name: pyogrio.read_info(found.gpkg("qgis"), layer=name)["features"]
              for name in ("post_offices", "bts", "zones", "planned_sites")}
    assert layers == {"post_offices": len(ws.post_offices), "bts": len(ws.bts),
                      "zones": len(ws.zones), "planned_sites": len(ws.planned_sites)}
    # an .aux.xml that QGIS leaves beside a raster changes nothing ictgis reads
    tif = found.folder(outputs.COVERAGE) / outputs.class_raster("4G")
    before = found.class_rasters(["4G"])["4G"][0]
    tif.with_name(tif.name + ".aux.xml").write_text("<PAMDataset/>", encoding="utf-8")
    try:
        assert np.array_equal(found.class_rasters(["4G"])["4G"][0], before)
    finally:
        tif.with_name(tif.name + ".aux.xml").unlink()


@pytest.mark.parametrize("column", ["radius_km", "pop_per_point", "masts_per_100km2",
                                    "pop_pct_any_2g", "pop_pct_any_3g", "pop_pct_any_4g"])
def test_choropleth_classes_equal_the_html_maps(qgis_outputs: Path, demo_run: Path,
                                                column: str) -> None:
    found = outputs.Outputs(qgis_outputs)
    ws = pipeline.load(demo_run)
    data = maps.map_data(ws, **map_inputs(ws, found))
    with i18n.language("vi"):
        classes = maps.choropleth_classes(data.communes[column], column)
    step = "stats" if maps.INDICATORS[column].source == "stats" else "coverage"
    rows = [r for r in styles_of(found.gpkg(step)) if r["f_table_name"] == "communes"]
    by_name = {r["styleName"]: r for r in rows}
    row = by_name[f"{classes.indicator.label} ({classes.indicator.units})"]
    assert row["useAsDefault"] == (column in ("radius_km", "pop_pct_any_4g"))
    renderer = ET.fromstring(row["styleQML"].split("\n", 1)[1]).find("renderer-v2")
    ranges = renderer.findall("ranges/range")
    symbols = {s.get("name"): s for s in renderer.findall("symbols/symbol")}
    shown = [(float(r.get("lower")), float(r.get("upper")), r.get("label")) for r in ranges]
    colors = [symbols[r.get("symbol")].find("layer/Option/Option[@name='color']").get("value")
              for r in ranges]
    n = len(classes.breaks)
    assert [hi for _, hi, _ in shown[:n]] == list(classes.breaks)
    assert [label for *_, label in shown[:n]] == list(classes.labels)
    assert [c.rsplit(",", 1)[0] for c in colors[:n]] == [
        qml.rgba(c).rsplit(",", 1)[0] for c in classes.colors]
    # every commune falls in the same class in QGIS (first range holding the rounded value)
    decimals = classes.indicator.decimals + 1
    values = np.round(np.asarray(data.communes[column], dtype=float), decimals)
    qgis_class = [next((i for i, (lo, hi, _) in enumerate(shown[:n]) if lo <= v <= hi), -1)
                  if np.isfinite(v) else -1 for v in values]
    assert qgis_class == classes.index(data.communes[column]).tolist()
    assert (len(shown) == n + 1) == bool(np.isnan(values).any())


def _categories(gpkg: Path, table: str) -> dict[str, str]:
    row = next(r for r in styles_of(gpkg) if r["f_table_name"] == table and r["useAsDefault"])
    renderer = ET.fromstring(row["styleQML"].split("\n", 1)[1]).find("renderer-v2")
    symbols = {s.get("name"): s for s in renderer.findall("symbols/symbol")}
    return {c.get("value"): symbols[c.get("symbol")].find(
        "layer/Option/Option[@name='color']").get("value") for c in renderer.iter("category")}


def test_categories_have_the_html_maps_colours(qgis_outputs: Path) -> None:
    found = outputs.Outputs(qgis_outputs)
    posts = _categories(found.gpkg("qgis"), "post_offices")
    assert posts and {k: v.rsplit(",", 1)[0] for k, v in posts.items()} == {
        k: qml.rgba(POST_COLORS[k]).rsplit(",", 1)[0] for k in posts}
    zones = _categories(found.gpkg("qgis"), "zones")
    assert set(zones) <= set(ZONE_COLORS) and zones
    assert {k: v.rsplit(",", 1)[0] for k, v in zones.items()} == {
        k: qml.rgba(ZONE_COLORS[k]).rsplit(",", 1)[0] for k in zones}
    findings = _categories(found.gpkg("siting"), "findings")
    assert findings == {k: qml.rgba(SEVERITY_COLORS[k]) for k in findings}
    assert "shared" in _categories(found.gpkg("qgis"), "bts")


def test_every_raster_has_a_style_a_description_and_classes_a_colour_table(
        qgis_outputs: Path, demo_run: Path) -> None:
    ws = pipeline.load(demo_run)
    technologies = ws.config.coverage.technologies
    rasters = outputs.Outputs(qgis_outputs).rasters()
    assert len([p for p in rasters if p.name.startswith("class_")]) == len(technologies)
    assert len(rasters) > 2 * len(technologies)
    for tif in rasters:
        style = ET.parse(tif.with_name(outputs.qml_sidecar(tif.name))).getroot()
        renderer = style.find("pipe/rasterrenderer")
        with rasterio.open(tif) as src:
            assert src.descriptions[0]
            tech = src.tags()["technology"]
            if tif.name.startswith("class_"):
                assert renderer.get("type") == "paletted"
                limits = technologies[tech].classes_dbm
                with i18n.language("vi"):
                    labels = coverage_labels(limits)
                entries = renderer.findall("colorPalette/paletteEntry")
                assert [e.get("label") for e in entries] == labels
                assert [e.get("color") for e in entries] == coverage_colors(len(labels))
                table = src.colormap(1)
                assert table[0][3] == 0
                assert [f"#{r:02x}{g:02x}{b:02x}" for r, g, b, _ in
                        (table[i] for i in range(1, len(labels) + 1))] == coverage_colors(
                    len(labels))
            else:
                assert renderer.get("type") == "singlebandpseudocolor"
                items = renderer.findall("rastershader/colorrampshader/item")
                values = [float(i.get("value")) for i in items]
                assert values == sorted(values) and len(values) >= 2


def test_project_paths_crs_ids_extent_and_layers(qgis_outputs: Path) -> None:
    root = project_root(qgis_outputs)
    assert root.find("properties/Paths/Absolute").text == "false"
    assert root.find("properties/SpatialRefSys/ProjectionsEnabled").text == "1"
    assert root.find("projectCrs/spatialrefsys/authid").text == "EPSG:9210"
    extent = root.find("ProjectViewSettings/DefaultViewExtent")
    xmin, ymin, xmax, ymax = (float(extent.get(k)) for k in ("xmin", "ymin", "xmax", "ymax"))
    assert xmax - xmin > 10_000 and ymax - ymin > 10_000
    layers = root.findall("projectlayers/maplayer")
    ids = [layer.find("id").text for layer in layers]
    assert len(set(ids)) == len(ids) and all(len(i) > 10 for i in ids)
    sources = [layer.find("datasource").text for layer in layers]
    assert all(s.startswith("./") and str(qgis_outputs) not in s for s in sources)
    tree = {node.get("id") for node in root.iter("layer-tree-layer")}
    assert tree == set(ids)
    expected = {f"./{p.relative_to(qgis_outputs).as_posix()}" for p in
                outputs.Outputs(qgis_outputs).rasters()}
    for gpkg in qgis_outputs.rglob("*.gpkg"):
        expected |= {f"./{gpkg.relative_to(qgis_outputs).as_posix()}|layername={name}"
                     for name, geometry in pyogrio.list_layers(gpkg) if geometry is not None}
    assert sorted(sources) == sorted(expected)
    for layer in layers:  # every style embedded
        assert layer.find("renderer-v2") is not None or layer.find("pipe") is not None


def test_groups_follow_the_language(qgis_outputs: Path, demo_run: Path,
                                    tmp_path: Path) -> None:
    groups = [g.get("name") for g in project_root(qgis_outputs).iter("layer-tree-group")
              if g.get("name")]
    assert {"Thống kê", "Bưu chính", "Trạm BTS", "Quy hoạch", "Vùng phủ sóng"} <= set(groups)
    assert ("Ưu tiên" in groups) == (qgis_outputs / "priorities").is_dir()  # layers that exist
    out = tmp_path / "outputs"
    shutil.copytree(qgis_outputs, out)
    qgis_step(demo_run, out, lang="en")
    groups = [g.get("name") for g in project_root(out).iter("layer-tree-group") if g.get("name")]
    assert {"Statistics", "Postal services", "BTS sites", "Planning", "Coverage"} <= set(groups)
    row = next(r for r in styles_of(out / "stats/stats.gpkg")
               if r["f_table_name"] == "communes" and r["useAsDefault"])
    indicator = maps.get_indicator("radius_km", "en")
    assert row["styleName"] == f"{indicator.label} ({indicator.units})"
    assert len([r for r in styles_of(out / "stats/stats.gpkg")
                if r["f_table_name"] == "communes"]) == 3  # rows replaced, not added


def test_the_step_writes_only_what_exists(make_workspace, tmp_path: Path) -> None:
    """Statistics only (no siting, no coverage): the project shows what there is."""
    root = make_workspace()
    out = tmp_path / "out"
    pipeline.run(root, steps=["stats"], out=out)
    qgis_step(root, out)
    sources = [layer.find("datasource").text
               for layer in project_root(out).findall("projectlayers/maplayer")]
    assert not any("coverage" in s or "findings" in s for s in sources)
    assert any("layername=bts" in s for s in sources)
    assert not list(out.rglob("*.qml"))
