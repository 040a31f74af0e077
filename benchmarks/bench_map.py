"""Benchmark ``ictgis map`` with 100,000 BTS sites against folium's own clusters.

1. The repository's SYNTHETIC demo province (172 communes, not timed) with its BTS layer
   replaced by ``--sites`` masts from the national generator (``_national.masts``: clustered
   like a real network, the national mixes of operators, technologies, classes, heights,
   statuses; every one inside the province) and one siting finding for 5 % of them.
2. ictgis: ``maps.build_map`` + ``maps.render_html`` (the ``index.html`` of ``ictgis map``,
   here with every site drawn one by one as in the baselines: by default a page beyond
   ``maps.MAX_SITES`` sites shows counts per commune), best of ``--repeat``; the HTML's size.
3. The baselines a competent folium user writes, each a page with every site and a popup
   (id, operators, technologies, class, height, status), made offline the same way
   (``maps.inline_assets``):

   * ``FastMarkerCluster``: the sites as a data array, a JavaScript callback making a circle
     marker with its popup per row (folium's recommended way for many points), every site;
   * ``MarkerCluster``: one ``folium.Marker`` with a ``folium.Popup`` per site in a
     ``MarkerCluster`` (folium's documented way), on ``--naive-sites`` sites and
     EXTRAPOLATED linearly to all (the issue measured ~45 s, ~77 MB for 100,000).
4. Load in headless chromium (playwright) from file://, every other request aborted: the
   time until every site is clustered (``ictgis.sitesLoaded``; for folium's pages, the
   markers in the cluster group). Asserted: the same sites (id and position to 1e-5 degree)
   on every page, and every baseline popup's values in the ictgis popup of the same site;
   no page error, nothing left file://.

With ``--national [DIR]``: the maps of a national workspace (default: ``ictgis demo --scale
national`` in a temporary folder): every page generated and the static PNG maps (with
``--outputs OUT``, the results of an earlier ``ictgis run`` of DIR: coverage overlays on every
province page, siting findings), the size of ``index.html`` (the provinces) and of the
largest province page, and their load in chromium.

Targets (from the issues): generated under 5 s, HTML under 8 MB, loaded and clustered under
5 s; national ``index.html`` under 8 MB, loaded under 5 s; national pages and static maps
under 15 s (the maps step's share of issue 14's 120 s). Ratios are baseline / ictgis.
Run: ``python benchmarks/bench_map.py [--quick] [--no-browser] [--national [DIR] [--outputs
OUT]]``.
"""

from __future__ import annotations

import contextlib
import dataclasses
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import _harness as h
import _national
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ictgis import maps
from ictgis.config import load_config
from ictgis.crs import to_crs
from ictgis.maps.layers import site_layer
from ictgis.stats import compute_stats
from ictgis.workspace import load_workspace

ROOT = Path(__file__).resolve().parents[1]
TARGET_SECONDS, TARGET_BYTES = 5.0, 8e6
#: National pages and static maps (the maps step of issue 14's national run, <= 120 s in all).
TARGET_NATIONAL_SECONDS = 15.0
RULES = (("spacing.colocate", "violation", "closer than d_min to a mast of another operator"),
         ("zone.height", "violation", "taller than the zone's maximum"),
         ("height.aviation", "warning", "45 m or more: aviation marking and lighting"),
         ("plan.unplanned", "violation", "not within the deviation radius of a planned site"))


def synthetic_sites(communes: gpd.GeoDataFrame, n: int, seed: int
                    ) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """``n`` national-mix masts inside the communes, and findings for 5 % of them."""
    rng = np.random.default_rng(seed)
    area = shapely.union_all(communes.geometry.array)
    shapely.prepare(area)
    bts, _, _ = _national.masts(rng, n, area.bounds, lambda x, y: shapely.contains_xy(area, x, y),
                                crs=communes.crs)
    joined = gpd.sjoin(bts.drop(columns="urban"), communes[["code", "geometry"]],
                       predicate="within", how="left")
    bts = bts.drop(columns="urban").assign(commune=joined.groupby(level=0)["code"].first())
    flagged = rng.choice(n, n // 20, replace=False)
    rule = rng.integers(0, len(RULES), flagged.size)
    findings = gpd.GeoDataFrame({
        "site_id": bts["id"].to_numpy()[flagged],
        "rule": [RULES[r][0] for r in rule], "severity": [RULES[r][1] for r in rule],
        "message": [RULES[r][2] for r in rule],
    }, geometry=bts.geometry.to_numpy()[flagged], crs=communes.crs)
    return bts, findings


def _popup_values(bts: gpd.GeoDataFrame) -> list[list[str]]:
    """Per site, what its popup states: id, operators, technologies, class, height, status."""
    def text(v: object) -> str:
        if isinstance(v, tuple | list):
            return ", ".join(v)
        return "" if pd.isna(v) else str(v)  # type: ignore[call-overload]

    return [[v for v in (str(r.id), text(r.operators), text(r.technologies), text(r.mast_class),
                         "" if pd.isna(r.height) else f"{round(r.height, 1):g} m",
                         text(r.status)) if v]
            for r in bts[["id", "operators", "technologies", "mast_class", "height", "status"]]
            .itertuples()]


def _lonlat(bts: gpd.GeoDataFrame) -> tuple[np.ndarray, np.ndarray]:
    pts = to_crs(bts[["geometry"]], "EPSG:4326")
    return shapely.get_y(pts.geometry.array), shapely.get_x(pts.geometry.array)


def _baseline_map(bts: gpd.GeoDataFrame) -> object:
    import folium

    lat, lon = _lonlat(bts)
    m = folium.Map(location=[float(np.mean(lat)), float(np.mean(lon))], tiles=None,
                   zoom_start=10, maxZoom=18, prefer_canvas=True)
    # what the page uses (Leaflet; jQuery for folium's popups), as ictgis's pages do: the
    # Bootstrap and icon-font stylesheets folium links by default refer to font files
    # that have no offline copy
    m.default_js = [js for js in folium.Map.default_js if js[0] in ("leaflet", "jquery")]
    m.default_css = [css for css in folium.Map.default_css if css[0] == "leaflet_css"]
    return m


def fast_cluster_html(bts: gpd.GeoDataFrame) -> str:
    """The folium ``FastMarkerCluster``: data rows and a callback making each marker and popup."""
    import html

    from folium.plugins import FastMarkerCluster

    m = _baseline_map(bts)
    lat, lon = _lonlat(bts)
    rows = [[round(float(y), 5), round(float(x), 5),
             "<b>" + html.escape(v[0]) + "</b><br>" + "<br>".join(html.escape(f) for f in v[1:])]
            for y, x, v in zip(lat, lon, _popup_values(bts), strict=True)]
    callback = ("function (row) { var m = L.circleMarker("
                "new L.LatLng(row[0], row[1]), {radius: 6}); m.bindPopup(row[2]); return m; }")
    FastMarkerCluster(rows, callback=callback).add_to(m)
    return maps.inline_assets(m.get_root().render())


def marker_cluster_html(bts: gpd.GeoDataFrame) -> str:
    """A folium ``MarkerCluster`` holding one ``folium.Marker`` with a ``folium.Popup`` per site."""
    import html

    import folium
    from folium.plugins import MarkerCluster

    m = _baseline_map(bts)
    cluster = MarkerCluster().add_to(m)
    lat, lon = _lonlat(bts)
    for y, x, v in zip(lat, lon, _popup_values(bts), strict=True):
        popup = "<b>" + html.escape(v[0]) + "</b><br>" + "<br>".join(html.escape(f) for f in v[1:])
        folium.Marker([round(float(y), 5), round(float(x), 5)],
                      popup=folium.Popup(popup)).add_to(cluster)
    return maps.inline_assets(m.get_root().render())


#: In a folium page: every marker of the cluster group ``prefix*`` as [lat, lon, popup text].
FOLIUM_SITES = """prefix => {
    const key = Object.keys(window).find(k => k.startsWith(prefix) && window[k]);
    const text = c => { const d = document.createElement('div');
        d.innerHTML = (typeof c === 'string' ? c : c.innerHTML).replace(/<br>/g, '\\n');
        return d.textContent; };
    return window[key].getLayers().map(m => { const p = m.getLatLng();
        return [p.lat, p.lng, text(m.getPopup().getContent())]; });
}"""

#: In an ictgis page: every site as [lat, lon, id, popup text].
ICTGIS_SITES = """() => { const d = ictgis.siteData;
    return d.id.map((id, i) => [d.lat0 + d.dlat[i] / 1e5, d.lon0 + d.dlon[i] / 1e5,
                                d.idPrefix + id, ictgis.site(i).textContent]); }"""


@contextlib.contextmanager
def offline_page() -> Iterator[object]:
    """A page of headless chromium that may load nothing but file:// and data: URLs.

    On leaving the block: no request went elsewhere and the page raised no error (asserted).
    """
    from playwright.sync_api import sync_playwright

    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        raise SystemExit("chromium not found (apt-get install chromium)")
    external: list[str] = []
    errors: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--no-first-run"])
        page = browser.new_page(viewport={"width": 1280, "height": 860})

        def route(r) -> None:  # noqa: ANN001
            if r.request.url.startswith(("file://", "data:")):
                r.continue_()
            else:
                external.append(r.request.url)
                r.abort()

        page.route("**/*", route)
        page.on("pageerror", lambda e: errors.append(str(e)))
        yield page
        browser.close()
    assert not external, external[:3]
    assert not errors, errors[:3]


def load_in_chromium(page_path: Path, n_sites: int, kind: str) -> tuple[float, list]:
    """Seconds from navigation to every site clustered, and the sites ([lat, lon, popup]).

    ``kind``: ``ictgis``, or the prefix of the cluster group's name in a folium page
    (``fast_marker_cluster_``, ``marker_cluster_``). Asserted: every site clustered, no
    request left file://, no page error.
    """
    with offline_page() as page:
        if kind == "ictgis":
            done = "window.ictgis && ictgis.sitesLoaded"
            count = "ictgis.layers.bts.getLayers().length"
        else:
            # the variable exists (undefined) before its script has run
            group = f"window[Object.keys(window).find(k => k.startsWith({kind!r}))]"
            count = f"{group}.getLayers().length"
            done = f"{group} && {count} === {n_sites}"
        start = time.perf_counter()
        page.goto(page_path.as_uri(), timeout=300_000)
        page.wait_for_function(done, timeout=300_000, polling=50)
        elapsed = time.perf_counter() - start
        clustered = page.evaluate(count)
        sites = (page.evaluate(ICTGIS_SITES) if kind == "ictgis"
                 else page.evaluate(FOLIUM_SITES, kind))
    h.same(f"sites clustered ({kind})", clustered, n_sites)
    return elapsed, sites


def same_sites(what: str, ours: list, theirs: list, values: list[list[str]]) -> None:
    """Assert the baseline page shows sites of ours, each where it is with its popup's values.

    Sites are matched by id (the first line of the baseline popup) and must lie at the same
    position (1e-5 degree); every value of the baseline popup (id, operators, technologies,
    class, height, status) must be in the ictgis popup of that site, and in its own.
    """
    by_id = {v[0]: v for v in values}
    mine = {site: (lat, lon, text) for lat, lon, site, text in ours}
    seen = set()
    for lat, lon, text in theirs:
        site = text.split("\n")[0].strip()
        assert site in mine, f"{what}: site {site!r} is not on the ictgis page"
        y, x, card = mine[site]
        assert abs(y - lat) < 1.5e-5 and abs(x - lon) < 1.5e-5, (what, site, (y, x), (lat, lon))
        for value in by_id[site]:
            assert value in text and value in card, (what, site, value, card)
        seen.add(site)
    assert len(seen) == len(theirs) == len(values), f"{what}: sites missing or shown twice"


def page_load(path: Path) -> float:
    """Seconds from navigation to a page laid out (``ictgis.laidOut``) and its sites clustered.

    Asserted: no page error, no request left file://.
    """
    with offline_page() as page:
        start = time.perf_counter()
        page.goto(path.as_uri(), timeout=120_000)
        page.wait_for_function("window.ictgis && ictgis.laidOut && ictgis.sitesLoaded",
                               timeout=120_000, polling=50)
        elapsed = time.perf_counter() - start
    return elapsed


def national(args: object, folder: Path | None, results_dir: Path | None = None) -> None:
    """The maps of a national workspace: ``index.html`` (provinces) and a page per province.

    ``folder``: a national workspace (default: ``ictgis demo --scale national`` written to a
    temporary folder; its statistics are computed, not timed). ``results_dir``: the outputs
    of an earlier run of it (coverage, findings), read but not timed.
    """
    from click.testing import CliRunner

    from ictgis.cli.main import main as cli
    from ictgis.outputs import Outputs
    from ictgis.steps.maps import map_inputs

    with tempfile.TemporaryDirectory() as tmp:
        if folder is None:
            folder = Path(tmp) / "vn"
            h.say("writing the SYNTHETIC national demo...")
            made = CliRunner().invoke(cli, ["demo", str(folder), "--scale", "national", "-q"])
            assert made.exit_code == 0, made.output
        h.say("loading and computing the statistics (not timed)...")
        ws = load_workspace(load_config(folder))
        inputs = map_inputs(ws, Outputs(results_dir or Path(tmp) / "outputs"))
        data = maps.map_data(ws, **inputs)
        assert data.provinces is not None, "not a national workspace"
        print(f"SYNTHETIC national: {ws.communes['province'].nunique()} provinces, "
              f"{len(ws.communes):,} communes, {len(ws.bts):,} BTS sites, "
              f"{len(ws.post_offices):,} postal points")
        h.say("national pages...")
        timed = h.best_of(lambda: maps.map_pages(data), 1)
        pages: dict[str, str] = timed.result  # type: ignore[assignment]
        h.say("static maps...")
        static = h.best_of(lambda: maps.static_maps(data), 1)
        step = timed.best + static.best
        images: dict[str, bytes] = static.result  # type: ignore[assignment]
        sizes = {name: len(text.encode()) for name, text in pages.items()}
        index = sizes["index.html"]
        largest = max((n for n in sizes if n != "index.html"), key=sizes.__getitem__)
        lines = [
            f"  every page ({len(pages)}: index.html and a page per province): "
            f"{timed.best:.1f} s (CPU {min(timed.cpu):.1f} s), {sum(sizes.values()) / 1e6:.1f} MB "
            f"in all; static maps ({', '.join(images)}): {static.best:.1f} s (CPU "
            f"{min(static.cpu):.1f} s); coverage overlays: "
            f"{', '.join(data.coverage) or 'none (no --outputs)'}",
            h.target(f"national pages + static maps <= {TARGET_NATIONAL_SECONDS:g} s",
                     f"{step:.1f} s", step <= TARGET_NATIONAL_SECONDS),
            h.target(f"national index.html <= {TARGET_BYTES / 1e6:g} MB",
                     f"{index / 1e6:.2f} MB", index <= TARGET_BYTES),
            f"  largest province page: {largest}, {sizes[largest] / 1e6:.2f} MB"]
        results = [h.result("map.national_index_size", index / 1e6, "MB",
                            target=f"<={TARGET_BYTES / 1e6:g}"),
                   h.result("map.national_pages", timed.best, "s"),
                   h.result("map.national_static", static.best, "s"),
                   h.result("map.national_step", step, "s",
                            target=f"<={TARGET_NATIONAL_SECONDS:g}")]
        if not args.no_browser:  # type: ignore[attr-defined]
            out = Path(tmp) / "maps"
            out.mkdir()
            for name, text in pages.items():
                (out / name).write_text(text, encoding="utf-8")
            loads = h.Timed([page_load(out / "index.html") for _ in range(2)], None)
            province = page_load(out / largest)
            lines += [h.target(f"national index.html loaded in headless chromium <= "
                               f"{TARGET_SECONDS:g} s", f"best {loads.best:.2f} s (runs: "
                               f"{loads.every()})", loads.best <= TARGET_SECONDS),
                      f"  largest province page loaded (sites clustered): {province:.2f} s"]
            results += [h.result("map.national_index_load", loads.best, "s",
                                 target=f"<={TARGET_SECONDS:g}"),
                         h.result("map.national_largest_province_load", province, "s")]
    h.show("national figures and targets:", lines)
    print("\n".join(results))


def main() -> None:
    p = h.parser(__doc__)
    p.add_argument("--sites", type=int, default=100_000, help="BTS sites [100,000]")
    p.add_argument("--naive-sites", type=int, default=5_000,
                   help="sites of the MarkerCluster page (extrapolated) [5,000]")
    p.add_argument("--no-browser", action="store_true", help="skip the chromium load")
    p.add_argument("--national", nargs="?", const="demo", default=None, metavar="DIR",
                   help="the maps of a national workspace instead (default: the national demo)")
    p.add_argument("--outputs", type=Path, default=None, metavar="OUT",
                   help="with --national DIR: the outputs of an earlier 'ictgis run' of DIR")
    args = p.parse_args()
    if args.national:
        national(args, None if args.national == "demo" else Path(args.national), args.outputs)
        return
    if args.quick:
        args.sites, args.naive_sites = args.sites // 10, args.naive_sites // 10

    ws = load_workspace(load_config(ROOT))
    bts, findings = synthetic_sites(ws.communes, args.sites, args.seed)
    data = dataclasses.replace(maps.map_data(ws, stats=compute_stats(ws)["commune"]), bts=bts,
                               findings=findings)
    print(f"SYNTHETIC: {len(data.communes)} communes (demo province), {len(bts):,} BTS sites, "
          f"{len(findings):,} findings")
    tag = f"{len(bts) // 1000}k"  # figure names: map.generate_100k...
    h.say("ictgis page...")
    # in English: the popups write heights as the baselines do (7.1 m); every site drawn one
    # by one, as in the baselines (by default a page shows counts per commune beyond
    # maps.MAX_SITES sites)
    timed = h.best_of(lambda: maps.render_html(maps.build_map(data, lang="en",
                                                              max_sites=len(bts))), args.repeat)
    size = len(timed.result.encode())
    names = dict(zip(data.communes["code"], data.communes["name"], strict=True))
    sites_only = h.best_of(lambda: site_layer(bts, findings, names)[0].data_js, args.repeat)
    h.say("FastMarkerCluster page...")
    fast = h.best_of(lambda: fast_cluster_html(bts), args.repeat)
    fast_size = len(fast.result.encode())
    naive_n = min(args.naive_sites, len(bts))
    scale = len(bts) / naive_n
    h.say(f"MarkerCluster page of {naive_n:,} sites...")
    naive = h.best_of(lambda: marker_cluster_html(bts.iloc[:naive_n]), 1)
    naive_size = len(naive.result.encode())
    lines = [
        h.target(f"generation (build + render + inline), index.html < {TARGET_SECONDS:g} s",
                 f"best {timed.best:.2f} s (runs: {timed.every()})", timed.best < TARGET_SECONDS),
        h.target(f"HTML size < {TARGET_BYTES / 1e6:g} MB", f"{size / 1e6:.2f} MB",
                 size < TARGET_BYTES),
        f"  of which the sites layer (columns, findings, JSON): best {sites_only.best:.2f} s; "
        "the rest is the commune choropleth, outlines, labels, postal points, inlining",
        f"  folium FastMarkerCluster, {len(bts):,} sites: best {fast.best:.2f} s, "
        f"{fast_size / 1e6:.1f} MB (ictgis: {fast.best / timed.best:.1f}x faster, "
        f"{fast_size / size:.1f}x smaller)",
        f"  folium MarkerCluster of Markers x {naive_n:,}: {naive.best:.2f} s, "
        f"{naive_size / 1e6:.1f} MB -> EXTRAPOLATED to {len(bts):,}: ~{naive.best * scale:.0f} s,"
        f" ~{naive_size * scale / 1e6:.0f} MB (ictgis: {naive.best * scale / timed.best:.0f}x "
        f"faster, {naive_size * scale / size:.0f}x smaller)"]
    results = [
        h.result(f"map.generate_{tag}", timed.best, "s", target=f"<={TARGET_SECONDS:g}",
                 baseline=("FastMarkerCluster", fast.best, "s")),
        h.result(f"map.html_{tag}", size / 1e6, "MB", target=f"<={TARGET_BYTES / 1e6:g}",
                 baseline=("FastMarkerCluster", fast_size / 1e6, "MB")),
        h.result("map.generate_vs_fastmarkercluster", fast.best / timed.best, "x",
                 baseline=("FastMarkerCluster", fast.best, "s")),
        h.result("map.sites_layer_vs_fastmarkercluster", fast.best / sites_only.best, "x",
                 baseline=("FastMarkerCluster", fast.best, "s")),
        h.result("map.generate_vs_markercluster", naive.best * scale / timed.best, "x",
                 baseline=("MarkerCluster_extrapolated", naive.best * scale, "s")),
        h.result("map.html_vs_markercluster", naive_size * scale / size, "x",
                 baseline=("MarkerCluster_extrapolated", naive_size * scale / 1e6, "MB"))]
    if not args.no_browser:
        values = _popup_values(bts)
        with tempfile.TemporaryDirectory() as tmp:
            pages = {"ictgis": timed.result, "fast_marker_cluster_": fast.result,
                     "marker_cluster_": naive.result}
            paths = {}
            for kind, text in pages.items():
                paths[kind] = Path(tmp) / f"{kind}.html"
                paths[kind].write_text(text, encoding="utf-8")
            h.say("loading in chromium...")
            loads = [load_in_chromium(paths["ictgis"], len(bts), "ictgis") for _ in range(2)]
            ours = loads[-1][1]
            load = h.Timed([t for t, _ in loads], None)
            fast_loads = [load_in_chromium(paths["fast_marker_cluster_"], len(bts),
                                           "fast_marker_cluster_") for _ in range(2)]
            fast_load = h.Timed([t for t, _ in fast_loads], None)
            same_sites("FastMarkerCluster", ours, fast_loads[-1][1], values)
            naive_t, naive_sites = load_in_chromium(paths["marker_cluster_"], naive_n,
                                                    "marker_cluster_")
            same_sites("MarkerCluster", ours, naive_sites, values[:naive_n])
        lines += [
            h.target(f"load in headless chromium until every site is clustered < "
                     f"{TARGET_SECONDS:g} s (no request left file://)",
                     f"best {load.best:.2f} s (runs: {load.every()})",
                     load.best < TARGET_SECONDS),
            f"  folium FastMarkerCluster load: best {fast_load.best:.2f} s (runs: "
            f"{fast_load.every()}); ictgis {fast_load.best / load.best:.1f}x faster",
            f"  folium MarkerCluster load x {naive_n:,}: {naive_t:.2f} s -> EXTRAPOLATED to "
            f"{len(bts):,}: ~{naive_t * scale:.0f} s; ictgis {naive_t * scale / load.best:.0f}x "
            "faster",
            "  same sites (id, position) and popup values on every page: asserted"]
        results += [
            h.result(f"map.load_{tag}", load.best, "s", target=f"<={TARGET_SECONDS:g}",
                     baseline=("FastMarkerCluster", fast_load.best, "s")),
            h.result("map.load_vs_fastmarkercluster", fast_load.best / load.best, "x",
                     baseline=("FastMarkerCluster", fast_load.best, "s")),
            h.result("map.load_vs_markercluster", naive_t * scale / load.best, "x",
                     baseline=("MarkerCluster_extrapolated", naive_t * scale, "s"))]
    h.show("figures and targets:", lines)
    print("\n".join(results))
    print(f"\npandas {pd.__version__}, python {sys.version.split()[0]}")


if __name__ == "__main__":
    main()
