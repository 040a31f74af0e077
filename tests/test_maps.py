"""Map building blocks: classes and legend limits by hand, escaping, offline assets, layers."""

from __future__ import annotations

import contextvars
import json
import re

import folium
import numpy as np
import pytest
from affine import Affine

from ictgis import i18n, maps
from ictgis.config import load_config
from ictgis.crs import transform_xy
from ictgis.errors import ConfigError, DataError, IctgisError
from ictgis.stats import compute_stats
from ictgis.workspace import load_workspace

# ---------------------------------------------------------------------------- classes


def test_quantile_breaks_by_hand() -> None:
    assert maps.quantile_breaks(range(1, 11), 5).tolist() == [2, 4, 6, 8, 10]
    assert maps.quantile_breaks([4, 1, 3, 2, np.nan], 2).tolist() == [2, 4]
    # fewer distinct values than classes: one class per value
    assert maps.quantile_breaks([1, 1, 2], 5).tolist() == [1, 2]
    assert maps.quantile_breaks([np.nan], 5).tolist() == []


def test_a_value_repeated_in_many_communes_is_a_class_of_its_own() -> None:
    # 0 masts in 6 of 10 communes: class {0}, the 4 others share 2 classes
    assert maps.quantile_breaks([0] * 6 + [1, 2, 3, 4], 3).tolist() == [0, 2, 4]
    # 100 % covered in most communes
    values = [100.0] * 12 + [50, 60, 70, 80, 90, 95]
    assert maps.quantile_breaks(values, 4).tolist() == [60, 80, 95, 100]


def test_natural_breaks_by_hand() -> None:
    values = [1, 2, 3, 10, 11, 12, 20, 21, 22]
    assert maps.natural_breaks(values, 3).tolist() == [3, 12, 22]
    assert maps.natural_breaks([5, 1, 30, 2, 31], 2).tolist() == [5, 31]
    assert maps.natural_breaks([1, 1, 2], 4).tolist() == [1, 2]


def test_natural_breaks_minimise_the_squared_deviations() -> None:
    rng = np.random.default_rng(3)
    values = np.sort(np.concatenate([rng.normal(m, 1, 15) for m in (0, 10, 30)]))
    breaks = maps.natural_breaks(values, 3)

    def ssd(limits: np.ndarray) -> float:
        idx = maps.classify(values, limits)
        return sum(((values[idx == c] - values[idx == c].mean()) ** 2).sum()
                   for c in range(len(limits)))

    best = ssd(breaks)
    # slow oracle: every pair of split points
    for i in range(1, len(values) - 1):
        for j in range(i + 1, len(values)):
            assert best <= ssd(np.array([values[i - 1], values[j - 1], values[-1]])) + 1e-9


def test_classify_puts_limits_in_the_class_they_close() -> None:
    idx = maps.classify([1.0, 2.0, 2.5, 4.0, np.nan, 5.0], [2.0, 4.0, 5.0])
    assert idx.tolist() == [0, 0, 1, 1, -1, 2]


def test_legend_labels_state_the_class_limits() -> None:
    assert maps.class_labels([2.0, 4.5], 1.0, decimals=1, units="km") == [
        "1.0 – 2.0 km", "2.0 – 4.5 km"]
    assert maps.class_labels([1500, 10236], 800, decimals=0, units="people") == [
        "800 – 1,500 people", "1,500 – 10,236 people"]
    # limits that would print alike get one more decimal
    assert maps.class_labels([99.94, 99.96, 100.0], 90.0, decimals=1, units="%") == [
        "90.00 – 99.94 %", "99.94 – 99.96 %", "99.96 – 100.00 %"]
    classes = maps.choropleth_classes([0.5, 1.0, 1.5, 2.0, np.nan], "radius_km", k=2)
    assert classes.breaks == (1.0, 2.0)
    assert classes.labels == ("0.50 – 1.00 km", "1.00 – 2.00 km")
    assert len(classes.colors) == 2
    assert classes.index([0.7, 1.9, np.nan]).tolist() == [0, 1, -1]


def test_unknown_indicator_or_scheme() -> None:
    with pytest.raises(ConfigError, match="unknown indicator “bogus”") as error:
        maps.choropleth_classes([1.0], "bogus")
    assert error.value.message_id == "maps.error.indicator"
    with pytest.raises(ConfigError, match="unknown classification “jenks”"):
        maps.choropleth_classes([1.0], "radius_km", scheme="jenks")
    with i18n.language("vi"), pytest.raises(ConfigError, match="không có chỉ tiêu “bogus”"):
        maps.get_indicator("bogus")


def test_legend_numbers_follow_the_language(vietnamese) -> None:
    assert maps.class_labels([2.0, 4.5], 1.0, decimals=1, units="km") == [
        "1,0 – 2,0 km", "2,0 – 4,5 km"]
    assert maps.class_labels([1500, 10236], 800, decimals=0, units="người") == [
        "800 – 1.500 người", "1.500 – 10.236 người"]
    classes = maps.choropleth_classes([0.5, 1.0, 1.5, 2.0, np.nan], "radius_km", k=2)
    assert classes.lang == "vi" and classes.labels == ("0,50 – 1,00 km", "1,00 – 2,00 km")
    assert maps.choropleth_classes([0.5, 2.0], "radius_km", k=2, lang="en").labels == (
        "0.50 km", "0.50 – 2.00 km")
    assert maps.coverage_labels([-80, -90.5])[1:] == ["từ -90,5 đến -80 dBm", "< -90,5 dBm"]


def test_coverage_labels(vietnamese) -> None:
    assert maps.coverage_labels([-80, -90, -100], "en") == [
        "≥ -80 dBm", "-90 to -80 dBm", "-100 to -90 dBm", "< -100 dBm"]
    assert maps.coverage_labels([-80, -90, -100]) == [
        "≥ -80 dBm", "từ -90 đến -80 dBm", "từ -100 đến -90 dBm", "< -100 dBm"]
    assert len(maps.coverage_colors(4)) == 4


def test_both_languages_have_the_same_labels() -> None:
    assert i18n.LANGUAGES == ("vi", "en")
    vi, en = maps.labels_for("vi"), maps.labels_for("en")
    assert set(vi) == set(en)
    # the same {placeholders} in both languages
    for key, text in en.items():
        assert re.findall(r"\{(\w+)", vi[key]) == re.findall(r"\{(\w+)", text), key
    assert vi["synthetic"] == "DỮ LIỆU TỔNG HỢP (demo) — không phải số liệu thật"
    assert en["synthetic"] == "SYNTHETIC demo data — not real figures"
    for prefix in ("maps.zone_class", "admin.kind", "stats.point_type", "siting.severity"):
        assert set(i18n.labels(prefix, "vi")) == set(i18n.labels(prefix, "en")), prefix
    with pytest.raises(ConfigError, match="unknown language “fr”") as error:
        maps.labels_for("fr")
    assert error.value.message_id == "maps.error.language"


def test_labels_are_vietnamese_unless_a_language_is_set() -> None:
    # a fresh context: nothing set, so the default language
    assert contextvars.Context().run(maps.labels_for)["province"] == "Toàn tỉnh"
    assert contextvars.Context().run(maps.get_indicator, "pop_per_point").units == "người"
    assert maps.labels_for()["province"] == "Province"  # the suite's English
    with i18n.language("vi"):
        assert maps.labels_for()["province"] == "Toàn tỉnh"
        assert maps.labels_for("en")["province"] == "Province"


def test_postal_type_names_cover_the_postal_types() -> None:
    from ictgis.postal import POINT_TYPES

    for lang in i18n.LANGUAGES:
        assert set(i18n.labels("stats.point_type", lang)) == set(POINT_TYPES)
    assert set(maps.POST_COLORS) == set(POINT_TYPES)


def test_every_operator_has_its_colour() -> None:
    from ictgis.telecom import OPERATORS

    assert set(maps.OPERATOR_COLORS) == set(OPERATORS.values())
    assert maps.operator_color("iTel") == maps.OPERATOR_COLORS["iTel"] != maps.SHARED_COLOR


def test_indicator_texts_in_both_languages(vietnamese) -> None:
    for column in maps.INDICATORS:
        vi, en = maps.get_indicator(column), maps.get_indicator(column, "en")
        assert vi.label and vi.units and vi.nodata and vi.label != en.label
        assert (vi.source, vi.cmap, vi.decimals) == (en.source, en.cmap, en.decimals)
    assert maps.get_indicator("pop_per_point").units == "người"
    assert maps.get_indicator("pop_pct_any_3g", "en").label == (
        "Population covered by 3G (any operator)")
    assert maps.get_indicator("pop_pct_any_3g").label == (
        "Tỷ lệ dân số được phủ sóng 3G (mọi doanh nghiệp)")
    classes = maps.choropleth_classes([1.0, 2.0, 3.0], "pop_per_point", k=2, lang="en")
    assert classes.lang == "en" and classes.labels[-1].endswith(" people")
    assert maps.choropleth_classes([1.0, 2.0, 3.0], "pop_per_point", k=2).labels[-1].endswith(
        " người")


def test_region_slug() -> None:
    assert maps.region_slug("Vùng phía Đông") == "vung_phia_dong"
    assert maps.region_slug("<script>") == "script"
    assert maps.region_slug("***") == "region"


def test_cli_choices_match_the_registries() -> None:
    from ictgis.steps.maps import INDICATORS as INDICATOR_CHOICES
    from ictgis.steps.maps import SCHEMES as SCHEME_CHOICES

    assert set(INDICATOR_CHOICES) == set(maps.INDICATORS)
    assert set(SCHEME_CHOICES) == set(maps.CLASSIFIERS)


# ------------------------------------------------------------------ escaping and offline


def test_json_in_a_script_cannot_close_it() -> None:
    text = maps.js_json({"name": "</script><script>alert(1)</script>&"})
    assert "<" not in text and ">" not in text and "&" not in text
    assert text == ('{"name": "\\u003c/script\\u003e\\u003cscript\\u003ealert(1)'
                    '\\u003c/script\\u003e\\u0026"}')


def test_inlining_fails_loudly_for_an_unknown_url() -> None:
    page = '<head><script src="https://cdn.example.org/lib.js"></script></head>'
    with pytest.raises(IctgisError, match="no offline copy of https://cdn.example.org/lib.js"):
        maps.inline_assets(page, {})


def test_inlining_replaces_links_and_checks_stylesheet_urls() -> None:
    assets = {"https://a/x.js": "var x = '</script>';", "https://a/x.css": ".a{background:"
              "url(data:image/png;base64,AA)} .b{background:url('../images/loader.gif')}"}
    page = ('<script src="https://a/x.js"></script>'
            '<link rel="stylesheet" href="https://a/x.css"/>')
    out = maps.inline_assets(page, assets)
    assert out == ("<script>var x = '<\\/script>';</script><style>.a{background:"
                   "url(data:image/png;base64,AA)} .b{background:none}</style>")
    bad = {"https://a/y.css": ".c{background:url(images/icon.png)}"}
    with pytest.raises(IctgisError, match="refers to “images/icon.png”, which has no offline"):
        maps.inline_assets('<link rel="stylesheet" href="https://a/y.css"/>', bad)
    with pytest.raises(IctgisError, match="still links an external resource"):
        maps.inline_assets('<img src="https://tile.example.org/1.png">', {})


def test_every_folium_asset_used_has_an_offline_copy() -> None:
    from folium.plugins import Fullscreen, MarkerCluster, Search

    store = maps.asset_store()
    for element in (MarkerCluster, Fullscreen, Search):
        for _, url in (*element.default_js, *element.default_css):
            assert url in store
    assert folium.Map.default_js[0][1] in store


# ------------------------------------------------------------------------ the map itself


@pytest.fixture
def toy(make_workspace) -> maps.MapData:
    ws = load_workspace(load_config(make_workspace()))
    return maps.map_data(ws, stats=compute_stats(ws)["commune"])


def _overlay_names(page: str) -> list[str]:
    block = re.search(r"overlays :  \{(.*?)\},", page, re.S).group(1)
    return [json.loads(name) for name in re.findall(r'("[^"]+") :', block)]


def test_map_is_one_self_contained_page(toy: maps.MapData, vietnamese) -> None:
    page = maps.render_html(maps.build_map(toy))
    assert not re.search(r"<script[^>]*\bsrc=", page)
    assert not re.search(r"<link[^>]*\bhref=", page)
    assert "L.markerClusterGroup" in page  # inlined Leaflet.markercluster
    # no layer without data: no coverage, findings, zones or planned sites in the toy
    postal = ["Bưu cục", "Điểm Bưu điện - Văn hóa xã", "Đại lý bưu chính", "Thùng thư công cộng",
              "Văn phòng chuyển phát"]
    # postal point types in English on the English map (they were Vietnamese)
    names_en = i18n.labels("stats.point_type", "en")
    postal_en = [names_en[code].split(" (")[0] for code in ("buu_cuc", "diem_bdvhx", "dai_ly",
                                                            "thung_thu", "chuyen_phat")]
    assert postal_en[0] == "Post office" and not set(postal_en) & set(postal)
    assert _overlay_names(maps.render_html(maps.build_map(toy, lang="en"))) == [
        "Communes: R, service radius per postal point (km)", "District outlines",
        "Region outlines", *(f"Postal points: {p}" for p in postal_en),
        "BTS sites (4, clustered)"]
    # Vietnamese by default
    assert _overlay_names(page) == [
        "Xã, phường: R, bán kính phục vụ của một điểm phục vụ bưu chính (km)",
        "Ranh giới huyện", "Ranh giới vùng", *(f"Điểm bưu chính: {p}" for p in postal),
        "Trạm BTS (4, gom cụm)"]
    assert "SYNTHETIC" not in page and maps.labels_for("vi")["synthetic"] not in page
    # popup numbers in the language's convention: population 10.000 (vi), 10,000 (en)
    assert '"population": "10.000"' in page and '"area": "100,00 km²"' in page
    assert '"population": "10,000"' in maps.render_html(maps.build_map(toy, lang="en"))


def test_synthetic_data_is_labelled(toy: maps.MapData, vietnamese) -> None:
    import dataclasses

    synthetic = dataclasses.replace(toy, synthetic=True)
    assert maps.labels_for("vi")["synthetic"] in maps.render_html(maps.build_map(synthetic))
    page = maps.render_html(maps.build_map(synthetic, lang="en"))
    assert maps.labels_for("en")["synthetic"] in page
    assert maps.labels_for("vi")["synthetic"] not in page


def test_site_columns_and_findings(toy: maps.MapData) -> None:
    import geopandas as gpd

    bts = toy.bts
    findings = gpd.GeoDataFrame(
        {"site_id": ["B3", "B3", "X9"], "rule": ["zone.class", "height.aviation", "x"],
         "severity": ["violation", "warning", "info"], "message": ["m1", "m2", "m3"]},
        geometry=list(bts.geometry.iloc[[2, 2, 0]]), crs=bts.crs)
    cols = maps.site_columns(bts, findings=findings, commune_names={"001": "Phường 1"})
    assert cols["idPrefix"] == "B" and cols["id"] == ["1", "2", "3", "4"]
    assert cols["ops"][cols["op"][0]] == "MobiFone, Viettel"
    assert cols["opColors"][cols["op"][0]] == maps.SHARED_COLOR
    assert cols["opColors"][cols["op"][1]] == maps.OPERATOR_COLORS["VinaPhone"]
    assert cols["techs"][cols["tech"][2]] == "2G, 4G"
    assert cols["communes"][cols["cm"][0]] == "Phường 1"
    assert cols["height10"] == [None] * 4
    assert cols["lines"] == ["Violation · zone.class: m1", "Warning · height.aviation: m2",
                             "Information · x: m3"]  # severities named (siting.severity.*)
    assert cols["findings"] == {"2": [0, 1]}
    with i18n.language("vi"):
        lines = maps.site_columns(bts, findings=findings)["lines"]
    assert lines == ["Vi phạm · zone.class: m1", "Cảnh báo · height.aviation: m2",
                     "Thông tin · x: m3"]
    lon, lat = transform_xy(bts.geometry.x, bts.geometry.y, "EPSG:9210", "EPSG:4326")
    assert [cols["lon0"] + d / 1e5 for d in cols["dlon"]] == pytest.approx(list(lon), abs=1e-5)
    assert [cols["lat0"] + d / 1e5 for d in cols["dlat"]] == pytest.approx(list(lat), abs=1e-5)
    assert min(cols["dlat"]) == 0 and all(isinstance(d, int) for d in cols["dlat"])


def test_indicator_of_a_step_that_has_not_run(toy: maps.MapData) -> None:
    with pytest.raises(DataError, match="needs the results of `ictgis coverage`") as error:
        maps.build_map(toy, indicator="pop_pct_any_4g")
    assert error.value.message_id == "maps.error.needs_step"
    with pytest.raises(DataError, match="cần kết quả của `ictgis coverage`"):
        maps.build_map(toy, indicator="pop_pct_any_4g", lang="vi")


def test_tiles_values(toy: maps.MapData) -> None:
    assert maps.check_tiles("none") == "none"
    assert maps.check_tiles("https://t.example.org/{z}/{x}/{y}.png")
    with pytest.raises(ConfigError, match="tiles “google”"):
        maps.check_tiles("google")
    page = maps.render_html(maps.build_map(toy, tiles="osm"))
    assert "tile.openstreetmap.org" in page  # a tile URL template, not a script


def test_region_maps_use_the_province_classes(toy: maps.MapData) -> None:
    pages = maps.map_pages(toy)
    assert set(pages) == {"index.html", "region_trung_tam.html", "region_tay.html"}
    west = maps.region_data(toy, "Tây")
    assert sorted(west.communes["code"]) == ["002", "003"]
    assert sorted(west.bts["id"]) == ["B3", "B4"]
    assert sorted(west.post_offices["id"]) == ["P2", "P3", "P4", "P5"]
    legend = maps.choropleth_classes(toy.communes["radius_km"], "radius_km").labels
    for label in legend:
        assert label in pages["region_tay.html"]


def test_overlay_image_is_warped_to_web_mercator() -> None:
    # 30 km x 10 km in EPSG:9210, 200 m pixels: class 1 in the west half, 3 in the east
    classes = np.zeros((50, 150), dtype=np.uint8)
    classes[:, :75], classes[:, 75:] = 1, 3
    transform = Affine(200.0, 0.0, 590_000.0, 0.0, -200.0, 1_150_000.0)
    raster = maps.CoverageRaster(classes, transform, "EPSG:9210", (-80.0, -90.0, -100.0))
    rgba, bounds = maps.overlay_image(raster)
    (south, west), (north, east) = bounds
    lon, lat = transform_xy([590_000, 620_000], [1_140_000, 1_150_000], "EPSG:9210", "EPSG:4326")
    pixel_deg = 200 / 111_000
    assert west == pytest.approx(lon[0], abs=2 * pixel_deg)
    assert east == pytest.approx(lon[1], abs=2 * pixel_deg)
    assert south == pytest.approx(lat[0], abs=2 * pixel_deg)
    assert north == pytest.approx(lat[1], abs=2 * pixel_deg)
    colors = maps.coverage_colors(4)
    ny, nx, _ = rgba.shape
    assert abs(nx - 150) <= 3 and abs(ny - 50) <= 3

    def hex_of(pixel: np.ndarray) -> str:
        return "#" + "".join(f"{v:02x}" for v in pixel[:3])

    assert hex_of(rgba[ny // 2, nx // 4]) == colors[0]
    assert hex_of(rgba[ny // 2, 3 * nx // 4]) == colors[2]
    assert rgba[ny // 2, nx // 4, 3] == 255
    # cropped to a box outside the raster: nothing to show
    assert maps.overlay_image(raster, bbox=(100.0, 20.0, 101.0, 21.0)) is None


def _west_east_raster() -> maps.CoverageRaster:
    # 30 km x 10 km in EPSG:9210, 200 m pixels: class 1 in the west half, 3 in the east,
    # nothing (0) in the northern fifth
    classes = np.zeros((50, 150), dtype=np.uint8)
    classes[10:, :75], classes[10:, 75:] = 1, 3
    transform = Affine(200.0, 0.0, 590_000.0, 0.0, -200.0, 1_150_000.0)
    return maps.CoverageRaster(classes, transform, "EPSG:9210", (-80.0, -90.0, -100.0))


def test_overlay_png_is_indexed_with_the_overlay_colours() -> None:
    from io import BytesIO

    from matplotlib.image import imread

    from ictgis.maps.overlay import overlay_grid, overlay_png

    raster = _west_east_raster()
    grid = overlay_grid(raster)
    png = overlay_png(raster, grid)
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and png[25] == 3  # IHDR colour type 3: palette
    rgba = np.round(imread(BytesIO(png), format="png") * 255).astype(np.uint8)
    ny, nx, _ = rgba.shape
    assert (ny, nx) == grid.shape
    colors = maps.coverage_colors(4)

    def hex_of(pixel: np.ndarray) -> str:
        return "#" + "".join(f"{v:02x}" for v in pixel[:3])

    assert hex_of(rgba[ny // 2, nx // 4]) == colors[0] and rgba[ny // 2, nx // 4, 3] == 255
    assert hex_of(rgba[ny // 2, 3 * nx // 4]) == colors[2]
    assert rgba[ny // 20, nx // 2, 3] == 0  # class 0: transparent
    expected, bounds = maps.overlay_image(raster)
    assert bounds == grid.bounds
    np.testing.assert_array_equal(rgba, expected)


def test_overlay_pixels_are_the_cells_under_their_exact_centres() -> None:
    # every cell of another class than its neighbours: a pixel mapped to the wrong cell shows
    from pyproj import Transformer

    from ictgis.maps.overlay import overlay_classes, overlay_grid

    rows, cols = np.mgrid[0:300, 0:400]
    classes = ((rows * 7 + cols * 3) % 5 + 1).astype(np.uint8)
    transform = Affine(100.0, 0.0, 560_000.0, 0.0, -100.0, 1_200_000.0)
    raster = maps.CoverageRaster(classes, transform, "EPSG:9210", (-70.0, -80.0, -90.0, -100.0))
    grid = overlay_grid(raster)
    shown = overlay_classes(raster, grid)
    # the oracle: each pixel centre projected on its own (no interpolation between nodes)
    (south, west), (north, east) = grid.bounds
    to_merc = Transformer.from_crs("EPSG:4326", "EPSG:3857", always_xy=True)
    (x0, x1), (y0, y1) = to_merc.transform([west, east], [south, north])
    ny, nx = shown.shape
    step = (x1 - x0) / nx
    mx, my = np.meshgrid(x0 + (np.arange(nx) + 0.5) * step, y1 - (np.arange(ny) + 0.5) * step)
    from ictgis.crs import transformer

    sx, sy = transformer("EPSG:3857", "EPSG:9210").transform(mx.ravel(), my.ravel())
    col, row = (np.asarray(sx) - 560_000.0) / 100.0, (1_200_000.0 - np.asarray(sy)) / 100.0
    inside = (col >= 0) & (col < 400) & (row >= 0) & (row < 300)
    expected = np.zeros(col.shape, dtype=np.uint8)
    expected[inside] = classes[row[inside].astype(int), col[inside].astype(int)]
    # pixels whose centre is within a micro-cell of a cell edge may go either way
    clear = (np.abs(col - np.round(col)) > 1e-4) & (np.abs(row - np.round(row)) > 1e-4)
    assert clear.mean() > 0.99 and inside.mean() > 0.8
    np.testing.assert_array_equal(shown.ravel()[clear], expected[clear])


def test_polygon_paths_close_every_ring_of_every_part() -> None:
    from matplotlib.path import Path
    from shapely.geometry import MultiPolygon, Polygon, box

    from ictgis.maps.static import polygon_paths

    holed = Polygon([(0, 0), (4, 0), (4, 4), (0, 4)], [[(1, 1), (2, 1), (2, 2), (1, 2)]])
    two = MultiPolygon([box(10, 0, 11, 1), box(12, 0, 13, 1)])
    paths = polygon_paths(np.array([holed, two, box(20, 0, 21, 1)], dtype=object))
    assert len(paths) == 3
    ring = [Path.MOVETO, Path.LINETO, Path.LINETO, Path.LINETO, Path.CLOSEPOLY]
    assert paths[0].codes.tolist() == ring * 2 and paths[1].codes.tolist() == ring * 2
    assert paths[2].codes.tolist() == ring
    assert paths[0].vertices[:5].tolist() == [[0, 0], [4, 0], [4, 4], [0, 4], [0, 0]]
    assert paths[0].vertices[5:].tolist() == [[1, 1], [2, 1], [2, 2], [1, 2], [1, 1]]
    assert set(map(tuple, paths[1].vertices.tolist())) == {
        (10, 0), (11, 0), (11, 1), (10, 1), (12, 0), (13, 0), (13, 1), (12, 1)}


def test_static_maps_are_png(toy: maps.MapData, vietnamese) -> None:
    images = maps.static_maps(toy)
    assert list(images) == ["static_radius.png"]  # no coverage yet
    assert images["static_radius.png"].startswith(b"\x89PNG\r\n\x1a\n")
    covered = toy.communes.assign(pop_pct_any_2g=[100.0, 80.0, 95.5],
                                  pop_pct_any_4g=[90.0, 50.0, 99.0])
    import dataclasses

    images = maps.static_maps(dataclasses.replace(toy, communes=covered))
    assert sorted(images) == ["static_coverage.png", "static_radius.png"]
    english = maps.static_maps(dataclasses.replace(toy, communes=covered), lang="en")
    assert sorted(english) == sorted(images)
    assert english["static_radius.png"] != images["static_radius.png"]  # other titles


def test_natural_breaks_equal_mapclassify_fisher_jenks() -> None:
    # mapclassify is the field's reference implementation (too slow without numba to use)
    import warnings

    import mapclassify

    values = np.random.default_rng(3).gamma(2.0, 1.0, 250)
    for k in (3, 5, 7):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # "Numba not installed"
            expected = mapclassify.FisherJenks(values, k=k).bins
        np.testing.assert_allclose(maps.natural_breaks(values, k), expected)


def test_zone_classes_are_named_and_coloured_by_id(toy: maps.MapData) -> None:
    import geopandas as gpd
    from shapely.geometry import box

    from ictgis.maps.layers import zone_layer

    zones = gpd.GeoDataFrame({"id": ["Z1"], "zone_class": ["prohibited"], "max_height": [12.5]},
                             geometry=[box(590_000, 1_140_000, 591_000, 1_141_000)],
                             crs=toy.communes.crs)
    with i18n.language("vi"):
        layer, legend = zone_layer(zones)
    assert '"_class": "Khu vực cấm"' in layer.data_js and '"zone_class": "prohibited"' in (
        layer.data_js)
    assert '"max_height": "12,5 m"' in layer.data_js
    assert "Khu vực cấm" in legend and '"colorBy": "zone_class"' in layer.options_js
    layer, legend = zone_layer(zones)
    assert '"max_height": "12.5 m"' in layer.data_js and "prohibited" in legend


def _png_pixels(png: bytes) -> np.ndarray:
    from io import BytesIO

    from matplotlib.image import imread

    return imread(BytesIO(png), format="png")[..., :3]


def test_a_long_static_title_wraps_and_is_never_cut(toy: maps.MapData) -> None:
    classes = maps.choropleth_classes(toy.communes["radius_km"], "radius_km")
    title = "Tiền Giang (tỉnh thử nghiệm với một cái tên rất dài) " * 4 + "CUỐI"
    png = maps.static_map(toy.communes, [("radius_km", "")], classes, title=title)
    dark = _png_pixels(png).sum(axis=2) < 1.5  # text and outlines, not the white margins
    rows = np.flatnonzero(dark.any(axis=1))
    # nothing drawn in the outermost columns: the title (the widest thing) is not cut
    assert not dark[:, :3].any() and not dark[:, -3:].any()
    # the title stands in several lines above the map: dark rows, a gap, dark rows
    top = dark[: dark.shape[0] // 4]
    lines = np.flatnonzero(np.diff(top.any(axis=1).astype(int)) == 1)
    assert len(lines) >= 3, lines
    assert rows[0] > 0
    # the same title unwrapped would need more than the figure's width (the test means it)
    fig = maps.static_figure(toy.communes, [("radius_km", "")], classes, title="x")
    probe = fig.text(0, 0, title, fontsize=13, fontweight="bold")
    assert probe.get_window_extent(fig.canvas.get_renderer()).width > 2 * fig.bbox.width


def test_the_indicator_drives_the_static_map(toy: maps.MapData, vietnamese) -> None:
    images = maps.static_maps(toy, indicator="pop_per_point")
    assert list(images) == ["static_pop_per_point.png"]
    fig = maps.static_figure(toy.communes, [("pop_per_point", "")], maps.choropleth_classes(
        toy.communes["pop_per_point"], "pop_per_point"), title="t")
    legend = next(ax.get_legend() for ax in fig.axes if ax.get_legend() is not None)
    texts = [t.get_text() for t in legend.get_texts()]
    # the legend states the classes of people per point, not of the radius
    values = toy.communes["pop_per_point"].dropna()
    assert texts[0].startswith(i18n.number(values.min(), 0)) and "người" in texts[0]
    assert maps.get_indicator("pop_per_point").label in legend.get_title().get_text()


def _layers(page: str, factory: str) -> list[tuple[dict, dict]]:
    """The data and options of every ``ictgis.<factory>(map, data, options)`` of a page."""
    decoder = json.JSONDecoder()
    found = []
    for match in re.finditer(rf"ictgis\.{factory}\(\s*map_\w+, ", page):
        data, end = decoder.raw_decode(page, match.end())
        options, _ = decoder.raw_decode(page, end + 2)
        found.append((data, options))
    return found


def test_a_national_workspace_maps_the_provinces_then_each_province(toy: maps.MapData
                                                                    ) -> None:
    import dataclasses

    import pandas as pd

    # two provinces: the phường and the first xã in A, the last xã in B
    names = ["Tỉnh Á", "Tỉnh Á", "Tỉnh Bờ"]
    communes = toy.communes.assign(province=names)
    table = pd.DataFrame({"province": ["Tỉnh Bờ", "Tỉnh Á"], "radius_km": [3.5, 1.25],
                          "population": [1000, 9000]})
    data = dataclasses.replace(toy, communes=communes, provinces=table)
    pages = maps.map_pages(data, lang="en")
    assert sorted(pages) == ["index.html", "province_tinh_a.html", "province_tinh_bo.html"]
    # the national page: the provinces, each with its value and a link to its page
    (units, options), = [layer for layer in _layers(pages["index.html"], "polygons")
                         if layer[1]["key"] == "communes"]
    props = {f["properties"]["name"]: f["properties"] for f in units["features"]}
    assert sorted(props) == ["Tỉnh Bờ", "Tỉnh Á"]
    assert props["Tỉnh Á"]["value"] == "1.25 km" and props["Tỉnh Bờ"]["value"] == "3.50 km"
    assert props["Tỉnh Á"]["page"] == "province_tinh_a.html" and options["link"] == "page"
    assert "code" not in dict(options["fields"])
    # the sites counted by province (by hand: B1, B2 in the phường, B3, B4 in the xã)
    province_of = dict(zip(communes["code"], names, strict=True))
    by_hand = toy.bts["commune"].map(province_of).value_counts().to_dict()
    (sites, _), = [layer for layer in _layers(pages["index.html"], "points")
                   if layer[1]["key"] == "bts"]
    assert {f["properties"]["name"]: int(f["properties"]["sites"])
            for f in sites["features"]} == by_hand
    assert "ictgis.sites(" not in pages["index.html"]  # no site one by one at national zoom
    assert '"search": "Province…"' in pages["index.html"]  # the search finds provinces
    # a province's page: its communes only, with a link back to the country
    for name, file in (("Tỉnh Á", "province_tinh_a.html"), ("Tỉnh Bờ", "province_tinh_bo.html")):
        (shown, _), = [layer for layer in _layers(pages[file], "polygons")
                       if layer[1]["key"] == "communes"]
        assert sorted(f["properties"]["code"] for f in shown["features"]) == sorted(
            communes.loc[communes["province"] == name, "code"])
        assert 'href=\\"index.html\\"\\u003eCountry\\u003c/a' in pages[file]


def test_layers_present_but_empty_are_neither_drawn_nor_listed(toy: maps.MapData) -> None:
    import dataclasses

    import geopandas as gpd

    findings = gpd.GeoDataFrame({"site_id": [], "rule": [], "severity": [], "message": []},
                                geometry=gpd.GeoSeries([], crs=toy.communes.crs))
    empty = dataclasses.replace(toy, bts=toy.bts.iloc[:0], findings=findings)
    drawn = maps.drawn_layers(empty)
    assert drawn == ["communes", "districts", "regions", "posts"]
    # the page's layer control: the same layers (one entry per postal point type, 5 here)
    names = _overlay_names(maps.render_html(maps.build_map(empty, lang="en")))
    assert names[:3] == ["Communes: R, service radius per postal point (km)",
                         "District outlines", "Region outlines"]
    assert len(names) == 8 and all(n.startswith("Postal points: ") for n in names[3:])
    # with the sites back, they are drawn and listed, after the postal points
    assert maps.drawn_layers(dataclasses.replace(empty, bts=toy.bts)) == [*drawn, "bts"]
