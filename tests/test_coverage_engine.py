"""The coverage engine: streamed tiles against a whole-grid computation, the windowed writer,
uncovered areas joined across tiles, and a dask.distributed cluster against local threads."""

from __future__ import annotations

import contextlib
import dataclasses
import filecmp
import warnings
from types import MappingProxyType

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import rasterio
from affine import Affine
from shapely.geometry import Point, Polygon, box

from ictgis import io
from ictgis.config import CoverageConfig, TechnologyConfig
from ictgis.coverage import (
    EMPTY,
    NODATA,
    GapMerger,
    Grid,
    KernelCache,
    compute,
    compute_coverage,
    environment_correction,
    gap_tile,
    province_grid,
    transmitters,
)
from ictgis.coverage.kernels import environment_tile, operator_transmitters, reduce_tile
from ictgis.coverage.models import ENV_CODES
from ictgis.coverage.population import local_index, people_tile, pixel_environment

CRS = "EPSG:9210"
X0, Y0 = 590_000.0, 1_140_000.0
RES = 100.0

# ------------------------------------------------------------------------ a small case


def small_communes() -> gpd.GeoDataFrame:
    """A 6 × 4 km province: a jagged xã, a phường, a sub-pixel commune, one with no people."""
    jagged = Polygon([(X0, Y0), (X0 + 3_330, Y0), (X0 + 2_710, Y0 + 1_960), (X0 + 3_470, Y0 + 4_000),
                      (X0, Y0 + 4_000)])
    rest = box(X0, Y0, X0 + 6_000, Y0 + 4_000).difference(jagged)
    tiny = box(X0 + 4_510, Y0 + 1_010, X0 + 4_540, Y0 + 1_040)  # 30 m: no pixel centre
    rest = rest.difference(tiny)
    empty = box(X0 + 5_000, Y0 + 3_000, X0 + 6_000, Y0 + 4_000)
    rest = rest.difference(empty)
    return gpd.GeoDataFrame(
        {"code": ["A", "B", "C", "D"], "name": ["Xã A", "Phường B", "Xã C", "Xã D"],
         "kind": ["xa", "phuong", "xa", "xa"], "population": [9_000.0, 30_000.0, 50.0, 700.0]},
        geometry=[jagged, rest, tiny, empty], crs=CRS)


def small_sites() -> gpd.GeoDataFrame:
    rng = np.random.default_rng(7)
    rows = []
    for i in range(30):
        ops = [("Viettel",), ("MobiFone",), ("Viettel", "VinaPhone")][i % 3]
        sector = i % 4 == 0
        rows.append({"x": X0 + rng.uniform(-500, 6_500), "y": Y0 + rng.uniform(-300, 4_300),
                     "operators": ops, "technologies": ("2G",), "mast_class": "A2b",
                     "height": float(rng.uniform(15, 45)),
                     "azimuth": (float(rng.uniform(0, 360)),) if sector else (),
                     "beamwidth": (65.0,) if sector else ()})
    frame = pd.DataFrame(rows)
    geometry = [Point(x, y) for x, y in zip(frame.pop("x"), frame.pop("y"), strict=True)]
    return gpd.GeoDataFrame(frame, geometry=geometry, crs=CRS)


TECH = TechnologyConfig(frequency_mhz=900, eirp_dbm=60, threshold_dbm=-80, margin_db=5)


def small_settings(tile_px: int = 16, threads: int = 2) -> CoverageConfig:
    return CoverageConfig(resolution_m=RES, max_range_km=0.8, min_distance_km=0.1,
                          floor_dbm=-115.0, tile_px=tile_px, threads=threads,
                          technologies=MappingProxyType({"2G": TECH}))


def population_raster(grid: Grid) -> np.ndarray:
    raster = np.random.default_rng(3).gamma(0.6, 10.0, (grid.height, grid.width))
    raster[: grid.height // 3, -grid.width // 4:] = 0.0  # commune D's corner: even spread
    return raster


# --------------------------------------------------------------- the whole-grid oracle


def whole_grid(sites: gpd.GeoDataFrame, communes: gpd.GeoDataFrame, settings: CoverageConfig,
               raster: np.ndarray | None) -> dict:
    """The same coverage on whole arrays, written out without tiles, windows or sinks."""
    from rasterio import features
    from scipy import ndimage

    grid = province_grid(communes, settings)
    shape = (grid.height, grid.width)
    index = features.rasterize(((g, i) for i, g in enumerate(communes.geometry)), out_shape=shape,
                               transform=grid.transform, fill=-1, dtype="int32")
    for i in np.flatnonzero(np.bincount(index[index >= 0], minlength=len(communes)) == 0):
        point = communes.geometry.iloc[i].representative_point()
        index[int((grid.transform.f - point.y) // RES), int((point.x - grid.transform.c) // RES)] = i
    inside = index >= 0
    n = len(communes)
    weight = np.ones(shape) if raster is None else np.clip(raster, 0, None)
    raw = np.bincount(index[inside], weights=weight[inside], minlength=n)
    weight = np.where(inside & (raw[np.maximum(index, 0)] <= 0), 1.0, weight)
    sums = np.bincount(index[inside], weights=weight[inside], minlength=n)
    people = np.where(inside, weight * (communes["population"].to_numpy() / sums)[
        np.maximum(index, 0)], 0.0)
    kinds = communes["kind"].map(dict(settings.environment)).to_numpy()
    e_env = np.array([environment_correction(900, 1.5, k) for k in kinds])
    kernels = KernelCache(settings, RES)
    operators = sorted({o for ops in sites["operators"] for o in ops})
    stamped = {}
    for op in operators:
        tx = transmitters(sites, grid, "2G", settings, operator=op)
        out = np.full(shape, EMPTY, np.int16)
        for k in range(len(tx)):
            params = tx.params[tx.group[k]]
            kernel = kernels.kernel(params, tx.azimuth[k], tx.beamwidth[k])
            r = (len(kernel) - 1) // 2
            for dr in range(-r, r + 1):  # row by row, clipped to the grid
                row = int(tx.row[k]) + dr
                if not 0 <= row < grid.height:
                    continue
                c0, c1 = int(tx.col[k]) - r, int(tx.col[k]) + r + 1
                lo, hi = max(c0, 0), min(c1, grid.width)
                if lo < hi:
                    out[row, lo:hi] = np.maximum(out[row, lo:hi], kernel[dr + r, lo - c0:hi - c0])
        stamped[op] = out
    stamped["any"] = np.max(np.stack(list(stamped.values())), axis=0)
    layers, covered = {}, {}
    for op, values in stamped.items():
        # levels in float32 from hundredths of a dB, as the rasters hold them
        level = np.where(values == EMPTY, np.float32(-np.inf),
                         values.astype(np.float32) / np.float32(100)) - np.where(
            inside, e_env.astype(np.float32)[np.maximum(index, 0)], np.float32(np.nan))
        level = np.where(np.isfinite(level) & (level >= settings.floor_dbm), level, NODATA)
        layers[(op, "2G")] = level.astype(np.float32)
        hit = inside & (level != NODATA) & (level - TECH.margin_db >= TECH.threshold_dbm)
        covered[op] = (np.bincount(index[hit], weights=people[hit], minlength=n),
                       np.bincount(index[hit], minlength=n))
    hit = inside & (layers[("any", "2G")] != NODATA) & (
        layers[("any", "2G")] - TECH.margin_db >= TECH.threshold_dbm)
    labels, count = ndimage.label(inside & ~hit & (people > 0))
    areas = np.bincount(labels.ravel(), weights=people.ravel(), minlength=count + 1)[1:]
    order = np.argsort(-areas, kind="stable")[:10]
    return {"grid": grid, "index": index, "people": people, "layers": layers,
            "covered": covered, "gaps": areas[order], "gap_labels": labels, "gap_order": order}


@pytest.mark.parametrize("with_raster", [False, True])
def test_streamed_tiles_equal_the_whole_grid(with_raster):
    communes, sites, settings = small_communes(), small_sites(), small_settings()
    grid = province_grid(communes, settings)
    assert grid.width > 3 * settings.tile_px and grid.height > 2 * settings.tile_px
    raster = population_raster(grid) if with_raster else None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = whole_grid(sites, communes, settings, raster)
        written: dict = {}
        result = compute_coverage(sites, communes, settings, population=raster,
                                  sink=lambda key, window, level: written.setdefault(
                                      key, []).append((window, level.copy())))
    assert np.array_equal(result.index, expected["index"])
    np.testing.assert_allclose(result.people, expected["people"], rtol=1e-12, atol=0)
    assert result.index[np.where(result.index == 2)].size == 1  # the sub-pixel commune
    table = result.covered.set_index("code")
    assert table["pixels"].tolist() == np.bincount(
        expected["index"][expected["index"] >= 0], minlength=4).tolist()
    for op in ("Viettel", "MobiFone", "VinaPhone", "any"):
        key = (op, "2G")
        assert np.array_equal(result.layers[key], expected["layers"][key]), op
        # every window went to the sink once, and they tile the layer
        mosaic = np.full((grid.height, grid.width), np.nan, np.float32)
        for (r0, r1, c0, c1), level in written[key]:
            assert np.isnan(mosaic[r0:r1, c0:c1]).all()
            mosaic[r0:r1, c0:c1] = level
        assert np.array_equal(mosaic, expected["layers"][key])
        people, pixels = expected["covered"][op]
        slug = op.lower()
        assert table[f"px_covered_{slug}_2g"].tolist() == pixels.tolist()
        np.testing.assert_allclose(table[f"pop_covered_{slug}_2g"], people, rtol=1e-12)
    gaps = result.gaps["2G"]
    assert 3 <= len(gaps) <= 10  # the premise: gaps exist, some across tile borders
    np.testing.assert_allclose(gaps["population"], expected["gaps"][:len(gaps)], rtol=1e-12)


def test_tiles_meeting_no_commune_are_neither_computed_nor_written(monkeypatch, tmp_path):
    """A grid whose middle is empty (a far commune 12 km east): only the other tiles run."""
    from ictgis.coverage import compute

    communes = small_communes()
    far = gpd.GeoDataFrame({"code": ["E"], "name": ["Xã E"], "kind": ["xa"],
                            "population": [1_200.0]},
                           geometry=[box(X0 + 18_000, Y0, X0 + 18_400, Y0 + 4_000)], crs=CRS)
    communes = gpd.GeoDataFrame(pd.concat([communes, far], ignore_index=True), crs=CRS)
    rng = np.random.default_rng(5)
    sites = small_sites()
    middle = sites.iloc[:6].copy()  # masts in the empty middle too: levels there if computed
    middle["geometry"] = [Point(X0 + rng.uniform(7_000, 17_000), Y0 + rng.uniform(0, 4_000))
                          for _ in range(len(middle))]
    sites = gpd.GeoDataFrame(pd.concat([sites, middle], ignore_index=True), crs=CRS)
    settings = small_settings(tile_px=16)
    ran: list = []
    counted: list = []
    run_tile, count_task = compute.run_tile, compute.count_task
    monkeypatch.setattr(compute, "run_tile",
                        lambda task, *a, **k: ran.append(task.window) or run_tile(task, *a, **k))
    monkeypatch.setattr(compute, "count_task",
                        lambda args: counted.append(args[3]) or count_task(args))
    paths = {key: tmp_path / f"{key[0]}.tif" for key in (("any", "2G"), ("Viettel", "2G"))}
    with warnings.catch_warnings(), contextlib.ExitStack() as files:
        warnings.simplefilter("ignore")
        expected = whole_grid(sites, communes, settings, None)
        grid = expected["grid"]
        writers = {key: files.enter_context(io.raster_writer(
            path, width=grid.width, height=grid.height, dtype="float32",
            transform=grid.transform, crs=CRS, nodata=NODATA)) for key, path in paths.items()}
        result = compute_coverage(sites, communes, settings,
                                  sink=lambda key, window, level: writers[key](window, level)
                                  if key in writers else None)
    # the oracle: tiles holding a commune pixel of the whole-grid rasterisation
    tiles = list(grid.tiles(16))
    occupied = [w for w in tiles if (expected["index"][w[0]:w[1], w[2]:w[3]] >= 0).any()]
    assert 2 * len(occupied) < len(tiles)  # the premise: more than half the grid is empty
    assert sorted(ran) == sorted(occupied) and len(ran) == len(occupied)  # one technology
    assert sorted(counted) == sorted(occupied)
    skipped = np.ones((grid.height, grid.width), bool)
    for r0, r1, c0, c1 in occupied:
        skipped[r0:r1, c0:c1] = False
    rows, cols = grid.pixel_of(middle.geometry.x.to_numpy(), middle.geometry.y.to_numpy())
    assert skipped[rows, cols].all()  # the premise: those masts' tiles cost no kernel
    inside = expected["index"] >= 0
    for key, path in paths.items():
        with rasterio.open(path) as src:
            got = src.read(1)
        oracle = expected["layers"][key]
        assert (got[skipped] == NODATA).all()
        assert np.array_equal(got[~skipped], oracle[~skipped])  # computed tiles: unchanged
        assert np.array_equal(got[inside], oracle[inside])
        assert np.array_equal(result.layers[key], got)
    table = result.covered.set_index("code")
    assert table["pixels"].tolist() == np.bincount(expected["index"][inside], minlength=5).tolist()
    for op in ("Viettel", "MobiFone", "VinaPhone", "any"):
        people, pixels = expected["covered"][op]
        assert table[f"px_covered_{op.lower()}_2g"].tolist() == pixels.tolist()
        np.testing.assert_allclose(table[f"pop_covered_{op.lower()}_2g"], people, rtol=1e-12)
    gaps = result.gaps["2G"]
    np.testing.assert_allclose(gaps["population"], expected["gaps"][:len(gaps)], rtol=1e-12)


def test_tile_size_and_threads_change_nothing():
    communes, sites = small_communes(), small_sites()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        one = compute_coverage(sites, communes, small_settings(tile_px=16, threads=1))
        other = compute_coverage(sites, communes, small_settings(tile_px=64, threads=2))
    for key, layer in one.layers.items():
        assert np.array_equal(layer, other.layers[key])
    pd.testing.assert_frame_equal(one.covered.drop(columns=[]), other.covered, rtol=1e-12)
    pd.testing.assert_frame_equal(one.gaps["2G"], other.gaps["2G"], rtol=1e-12)


@pytest.mark.parametrize("budget", [0, 3 * 16 * 16 * 4, compute.BURNT_BYTES])
def test_a_window_is_burnt_once_per_run_while_the_budget_lasts(monkeypatch, budget):
    """The first pass's rasterised windows serve the tiles of every technology: within the
    budget each window is burnt once, beyond it once per pass and technology; the results
    are those of burning every time (no budget), bit for bit, with threads."""
    communes, sites = small_communes(), small_sites()
    sites["technologies"] = [("2G", "4G")] * len(sites)
    settings = dataclasses.replace(small_settings(tile_px=16), technologies=MappingProxyType(
        {"2G": TECH, "4G": TechnologyConfig(frequency_mhz=1800, eirp_dbm=58,
                                            threshold_dbm=-85)}))
    burnt: list = []
    rasterize = compute.rasterize_window
    monkeypatch.setattr(compute, "rasterize_window",
                        lambda shapes, grid, window, *a: burnt.append(window)
                        or rasterize(shapes, grid, window, *a))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        monkeypatch.setattr(compute, "BURNT_BYTES", 0)
        every_time = compute_coverage(sites, communes, settings)
        windows = [w for w in burnt if w[1] - w[0] > 1]  # not the sub-pixel commune's pixel
        assert len(windows) == 3 * len(set(windows))  # the first pass, then each technology
        burnt.clear()
        monkeypatch.setattr(compute, "BURNT_BYTES", budget)
        once = compute_coverage(sites, communes, settings)
    tiles = [w for w in burnt if w[1] - w[0] > 1]
    kept = min(budget // (16 * 16 * 4), len(set(windows)))  # full tiles kept, in tile order
    assert len(tiles) == 3 * len(set(windows)) - 2 * kept
    for key, layer in every_time.layers.items():
        assert np.array_equal(layer, once.layers[key])
    pd.testing.assert_frame_equal(every_time.covered, once.covered, check_exact=True)
    for tech in ("2G", "4G"):
        pd.testing.assert_frame_equal(every_time.gaps[tech], once.gaps[tech], check_exact=True)
    assert np.array_equal(every_time.index, once.index)
    assert np.array_equal(every_time.people, once.people)


def test_nothing_full_size_is_kept_when_streaming():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = compute_coverage(small_sites(), small_communes(), small_settings(),
                                  keep_layers=False)
    assert result.layers == {} and result.index is None and result.people is None
    assert result.covered["pop_covered_any_2g"].sum() > 0


def test_communes_burnt_from_mappings_are_the_shapely_pixels():
    """burnable()'s GeoJSON mappings burn the pixels rasterio burns from the shapely
    geometries (holes, several parts, a sub-pixel commune, a missing geometry)."""
    from shapely.geometry import MultiPolygon

    from ictgis.coverage.population import burnable, rasterize_window, shapes_in

    holed = box(X0, Y0, X0 + 3_000, Y0 + 4_000).difference(
        box(X0 + 1_010, Y0 + 1_030, X0 + 1_870, Y0 + 2_440))
    parts = MultiPolygon([box(X0 + 3_000, Y0, X0 + 4_200, Y0 + 1_700),
                          box(X0 + 4_500, Y0 + 2_000, X0 + 6_000, Y0 + 4_000)])
    communes = gpd.GeoDataFrame(
        {"code": ["A", "B", "C", "D"]},
        geometry=[holed, parts, box(X0 + 4_510, Y0 + 1_010, X0 + 4_540, Y0 + 1_040), None],
        crs=CRS)
    grid = province_grid(communes.iloc[:3], small_settings())
    burnt = burnable(communes.geometry)
    assert isinstance(burnt[1], dict) and burnt[3] is None
    for window in list(grid.tiles(16)) + [(0, grid.height, 0, grid.width)]:
        shapely_shapes = [(g, i) for g, i in shapes_in(communes, grid, window) if g is not None]
        mapped = [(g, i) for g, i in shapes_in(communes, grid, window, burnt) if g is not None]
        assert np.array_equal(rasterize_window(mapped, grid, window),
                              rasterize_window(shapely_shapes, grid, window))
    whole = rasterize_window([(g, i) for i, g in enumerate(burnt[:3])], grid,
                             (0, grid.height, 0, grid.width))
    assert {0, 1} <= set(np.unique(whole).tolist())
    assert (whole == -1).sum() > 0  # the hole and the gap between the parts


def test_communes_burnt_on_a_thread_without_a_warning():
    """On a tile thread rasterio warns "no geotransform" from inside ``rasterize`` (it burns
    right all the same): the run must not print it; the pixels are the main thread's."""
    from concurrent.futures import ThreadPoolExecutor

    from ictgis.coverage.population import _quiet_rasterize, rasterize_window

    _quiet_rasterize.cache_clear()  # its filter made again below, ahead of "error"
    communes = gpd.GeoDataFrame({"code": ["A"]}, geometry=[box(X0, Y0, X0 + 3_000, Y0 + 4_000)],
                                crs=CRS)
    grid = province_grid(communes, small_settings())
    window = (0, grid.height, 0, grid.width)
    shapes = [(communes.geometry.iloc[0], 0)]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        on_main = rasterize_window(shapes, grid, window)
        with ThreadPoolExecutor(2) as pool:
            on_threads = list(pool.map(lambda _: rasterize_window(shapes, grid, window),
                                       range(4)))
    assert (on_main == 0).sum() > 0
    for burnt in on_threads:
        assert np.array_equal(burnt, on_main)


def test_near_zones_computed_at_once_are_each_transmitters_own():
    """KernelCache.near_stacks against near(), transmitter by transmitter (sectors, several
    heights and sub-pixel offsets, one stack per size), bit for bit."""
    settings = dataclasses.replace(small_settings(), max_range_km=3.0)
    grid = province_grid(small_communes(), settings)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tx = transmitters(small_sites(), grid, "2G", settings)
        cache = KernelCache(settings, grid.resolution)
        cache.near_m = 700.0  # smaller than some kernels' reach, larger than others'
        which = np.arange(len(tx))[::-1]
        stacks = cache.near_stacks(tx, which)
    assert len(stacks) >= 1 and sum(len(pick) for pick, _ in stacks) == len(which)
    sectored = 0
    for pick, stack in stacks:
        for k, zone in zip(which[pick].tolist(), stack, strict=True):
            own = cache.near(tx.params[tx.group[k]], tx.azimuth[k], tx.beamwidth[k])
            assert np.array_equal(zone, own)
            sectored += int(np.isfinite(tx.azimuth[k]))
    assert sectored > 0


def test_operator_transmitters_are_each_operators_own():
    """One transmitters() for every operator, split: each operator's transmitters() exactly
    (same sites in the same order, sectors exploded, same parameters and kernel sizes)."""
    sites = small_sites()
    grid = province_grid(small_communes(), small_settings())
    operators = ("MobiFone", "Nobody", "VinaPhone", "Viettel")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        split = operator_transmitters(sites, grid, "2G", small_settings(), operators)
        own = [transmitters(sites, grid, "2G", small_settings(), operator=op) for op in operators]
    assert [len(t) for t in split] == [len(t) for t in own] and len(own[1]) == 0
    assert sum(np.isfinite(t.azimuth).sum() for t in own) > 0
    for mine, theirs in zip(split, own, strict=True):
        for name in ("row", "col", "azimuth", "beamwidth"):
            assert np.array_equal(getattr(mine, name), getattr(theirs, name), equal_nan=True)
        assert [mine.params[g] for g in mine.group] == [theirs.params[g] for g in theirs.group]
        assert np.array_equal(mine.radius[mine.group], theirs.radius[theirs.group])
        # the same classes of shared far kernels (theirs numbered by first appearance)
        assert np.array_equal(pd.factorize(mine.shared)[0], theirs.shared)


def test_rows_numbered_by_first_appearance_as_pandas_factorize_numbers_tuples():
    """_first_appearance (numpy, no object per row) against pandas.factorize of the rows as
    tuples (NaN as None: equal to itself, as an omnidirectional sector is): repeated rows,
    -0.0 and 0.0 (equal tuples), one and three columns, no row."""
    from ictgis.coverage.kernels import _first_appearance

    rng = np.random.default_rng(41)
    for columns in (1, 3):
        table = rng.choice([0.0, -0.0, 1.5, 2.25, np.nan, 1e-300], (400, columns))
        got, first = _first_appearance(table)
        expected, _ = pd.factorize(pd.Series(
            [tuple(None if v != v else v for v in row) for row in table.tolist()], dtype=object))
        assert np.array_equal(got, expected)
        assert np.array_equal(first, [np.flatnonzero(expected == g)[0]
                                      for g in range(expected.max() + 1)])
        assert 1 < expected.max() + 1 < len(table)
    assert (np.signbit(table) & (table == 0)).any()  # the premise: -0.0 is there
    assert [len(a) for a in _first_appearance(np.zeros((0, 4)))] == [0, 0]


@pytest.mark.parametrize(("floor", "margin", "threshold"), [
    (-140.0, 0.0, -100.0), (-110.5, 3.3, -95.07), (-96.0, 0.1, -96.0)])
def test_compiled_reduction_is_the_numpy_chain(floor, margin, threshold):
    """reduce_tile against the plain numpy it replaces (levels, cover and sums, bit for bit).

    The numpy side is the obvious formulation: float32 dB, E_env subtracted, NaN (outside)
    and the floor to NODATA, ``level - margin >= threshold``, np.bincount over the covered
    pixels inside. Levels hit the floor and the threshold exactly on some pixels.
    """
    rng = np.random.default_rng(5)
    shape, n = (60, 70), 9
    stamped = rng.integers(-14500, -5000, shape).astype(np.int16)
    stamped[rng.random(shape) < 0.1] = EMPTY
    stamped.flat[:40] = np.int16(round((threshold + margin) * 100))  # on the threshold
    stamped.flat[40:80] = np.int16(round(floor * 100))  # on the floor
    correction = rng.normal(0.0, 3.0, shape).astype(np.float32)
    correction.flat[:80] = 0.0
    local = rng.integers(-1, n, shape).astype(np.int32)
    correction[local < 0] = np.nan
    people = rng.random(shape) * 7.0
    tech = TechnologyConfig(frequency_mhz=900.0, eirp_dbm=43.0, threshold_dbm=threshold,
                            margin_db=margin)

    level, covered, people_sum, pixel_sum = reduce_tile(stamped, correction, tech, floor,
                                                        local, people, n)

    expected = stamped.astype(np.float32) / np.float32(100) - correction
    expected[(stamped == EMPTY) | ~np.isfinite(expected) | (expected < floor)] = NODATA
    hit = (expected != NODATA) & (expected - margin >= threshold)
    inside = local >= 0
    assert np.array_equal(level, expected)
    assert np.array_equal(covered, hit)
    assert 0 < hit.sum() < hit.size
    assert np.array_equal(people_sum, np.bincount(local[hit & inside],
                                                  weights=people[hit & inside], minlength=n))
    assert np.array_equal(pixel_sum, np.bincount(local[hit & inside], minlength=n))


def test_compiled_pixel_tables_are_the_numpy_indexing():
    """local_index, pixel_environment, people_tile and environment_tile (compiled, without the
    interpreter lock) against the numpy indexing they replace, bit for bit: land-cover classes
    (float and integer rasters, NaN, a class listed twice), population rasters with NaN, ±inf,
    negatives and -0.0, communes spread evenly, codes of any shape."""
    rng = np.random.default_rng(31)
    shape, n = (37, 53), 7
    ids = np.sort(rng.choice(1_000, n, replace=False)).astype(np.int64)
    local = rng.integers(-1, n, shape).astype(np.int32)
    index = np.where(local >= 0, ids[np.maximum(local, 0)], -1).astype(np.int32)
    assert np.array_equal(local_index(index, ids), local)
    assert local_index(index, ids).dtype == np.int32

    env_of = rng.integers(0, 4, n).astype(np.int8)
    classes = {10: "urban", 20: "open", 30: "urban_large", 40: "suburban"}
    settings = dataclasses.replace(small_settings(), landcover_classes=MappingProxyType(classes))
    cover = rng.choice([10.0, 20.0, 30.0, 40.0, 55.0, np.nan], shape)
    for landcover in (None, cover, np.nan_to_num(cover).astype(np.uint8)):
        expected = np.full(shape, -1, np.int8)
        expected[local >= 0] = env_of[local[local >= 0]]
        for value, environment in ({} if landcover is None else classes).items():
            expected[(local >= 0) & (landcover == value)] = ENV_CODES[environment]
        got = pixel_environment(local, env_of, settings, landcover)
        assert got.dtype == np.int8 and np.array_equal(got, expected)
    assert len(set(np.unique(got).tolist())) == 5  # -1 and the four environments

    scale = rng.random(n) * 100
    even = rng.random(n) < 0.3
    raster = rng.normal(3.0, 4.0, shape).astype(np.float32)
    raster.flat[:6] = [np.nan, np.inf, -np.inf, -0.0, -2.0, 0.0]
    for values in (None, raster, raster.astype(np.float64)):
        inside = local >= 0
        weight = np.ones(inside.sum())
        if values is not None:
            weight = np.nan_to_num(values[inside].astype(np.float64), nan=0.0).clip(min=0)
            weight[even[local[inside]]] = 1.0
        expected = np.zeros(shape)
        with np.errstate(over="ignore"):  # +inf: the largest weight times the scale
            expected[inside] = weight * scale[local[inside]]
        got = people_tile(local, scale, even, values)
        assert got.dtype == np.float64
        assert np.array_equal(got.view(np.int64), expected.view(np.int64))  # -0.0 too

    tech = TechnologyConfig(frequency_mhz=1800.0, eirp_dbm=58.0, threshold_dbm=-95.0)
    offsets = np.array([0.25, -1.5, 0.0, 3.75])
    table = np.array([environment_correction(1800.0, 1.5, e) for e in ENV_CODES])
    for codes in (got_env := pixel_environment(local, env_of, settings, cover),
                  got_env[::2, 1::3], got_env.ravel()[:40]):
        for off in (None, offsets):
            lookup = (table if off is None else table - off).astype(np.float32)
            expected = np.full(codes.shape, np.nan, np.float32)
            expected[codes >= 0] = lookup[codes[codes >= 0]]
            got = environment_tile(codes, tech, off)
            assert got.dtype == np.float32 and got.shape == codes.shape
            assert np.array_equal(got, expected, equal_nan=True)


# ------------------------------------------------------------------- uncovered areas


def test_patches_joined_across_tiles_are_ndimage_label_of_the_whole_grid():
    from scipy import ndimage

    rng = np.random.default_rng(11)
    height, width = 45, 70
    grid = Grid(Affine(RES, 0, X0, 0, -RES, Y0 + height * RES), width, height, CRS)
    # blobs with holes and long snakes that wind through several tiles
    gap = ndimage.binary_opening(rng.random((height, width)) < 0.55)
    gap[5, :] = True
    gap[:, 33] = True
    index = np.where(rng.random((height, width)) < 0.95,
                     (np.arange(width)[None, :] // 20).repeat(height, 0), -1).astype(np.int32)
    people = rng.uniform(0.5, 3.0, (height, width))
    covered = ~gap
    communes = pd.DataFrame({"code": ["a", "b", "c", "d"], "name": ["A", "B", "C", "D"]})
    merger = GapMerger(grid)
    for r0 in range(0, height, 16):
        for c0 in range(0, width, 16):
            window = (r0, min(r0 + 16, height), c0, min(c0 + 16, width))
            sl = (slice(window[0], window[1]), slice(window[2], window[3]))
            merger.add(gap_tile(covered[sl], people[sl], index[sl], grid, window))
    got = merger.areas(communes, top=50)
    labels, count = ndimage.label((index >= 0) & gap & (people > 0))
    assert count > 20
    totals = np.bincount(labels.ravel(), weights=people.ravel(), minlength=count + 1)[1:]
    pixels = np.bincount(labels.ravel(), minlength=count + 1)[1:]
    order = np.argsort(-totals, kind="stable")[:50]
    np.testing.assert_allclose(got["population"], totals[order], rtol=1e-12)
    np.testing.assert_allclose(got["area_km2"], pixels[order] * RES ** 2 / 1e6)
    rows, cols = np.indices((height, width))
    for rank, label in enumerate(order[:10] + 1):
        mask = labels == label
        weights = people[mask]
        x = X0 + (cols[mask] + 0.5) * RES
        assert got["x"].iloc[rank] == pytest.approx((weights * x).sum() / weights.sum())
        main = pd.Series(weights).groupby(index[mask]).sum()
        assert got["commune"].iloc[rank] == "abcd"[int(main.idxmax())]


def gap_tile_oracle(covered: np.ndarray, people: np.ndarray, index: np.ndarray, grid: Grid,
                    window: tuple[int, int, int, int]) -> dict:
    """gap_tile's numbers the obvious way: ndimage.label, np.bincount, a pandas groupby."""
    from scipy import ndimage

    r0, _, c0, _ = window
    gap = (index >= 0) & ~covered & (people > 0)
    labels, count = ndimage.label(gap)
    lab, pop = labels[gap], people[gap]
    rows, cols = np.nonzero(gap)
    rows, cols = rows + r0, cols + c0
    x = grid.transform.c + (cols + 0.5) * grid.resolution
    y = grid.transform.f - (rows + 0.5) * grid.resolution
    _, first = np.unique(lab, return_index=True)
    return {"count": count, "labels": labels,
            "first": rows[first].astype(np.int64) * grid.width + cols[first],
            "population": np.bincount(lab, weights=pop, minlength=count + 1)[1:],
            "pixels": np.bincount(lab, minlength=count + 1)[1:].astype(np.float64),
            "px": np.bincount(lab, weights=pop * x, minlength=count + 1)[1:],
            "py": np.bincount(lab, weights=pop * y, minlength=count + 1)[1:],
            "pairs": pd.DataFrame({"area": lab, "commune": index[gap], "pop": pop})
            .groupby(["area", "commune"])["pop"].sum().reset_index()}


def test_compiled_patches_are_ndimage_label_bincount_and_groupby_bit_for_bit():
    """gap_tile (one compiled pass, without the interpreter lock) against scipy and pandas.

    Random tiles from 1 pixel to 60 × 75, sparse to dense gaps (checkerboards, U shapes
    joined late), people over nine decades (the pandas sum is compensated: a plain sum
    differs in the last bits), tiles anywhere in a grid.
    """
    rng = np.random.default_rng(23)
    grid = Grid(Affine(50.0, 0, 512_345.0, 0, -50.0, 1_234_567.0), 900, 700, CRS)
    shapes = [(1, 1), (1, 9), (7, 1), *(tuple(rng.integers(2, 76, 2)) for _ in range(57))]
    for case, (height, width) in enumerate(shapes):
        r0, c0 = (int(v) for v in rng.integers(0, 600, 2))
        window = (r0, r0 + int(height), c0, c0 + int(width))
        covered = rng.random((height, width)) > rng.uniform(0.2, 0.95)
        if case == 3:  # a checkerboard: every pixel its own patch
            covered = (np.indices((height, width)).sum(axis=0) % 2).astype(bool)
        if case == 4:  # a U: two arms met by the bottom row, numbered by the first pixel
            covered = np.ones((height, width), bool)
            covered[:, 0] = covered[:, -1] = covered[-1, :] = False
        index = rng.integers(-1, 6, (height, width)).astype(np.int32)
        people = rng.random((height, width)) * 10.0 ** rng.integers(-3, 6, (height, width))
        people[rng.random((height, width)) < 0.1] = 0.0
        expected = gap_tile_oracle(covered, people, index, grid, window)
        got = gap_tile(covered, people, index, grid, window)
        assert got.count == expected["count"]
        for name in ("first", "population", "pixels", "px", "py"):
            assert getattr(got, name).dtype == expected[name].dtype
            assert np.array_equal(getattr(got, name), expected[name]), name
        pairs = pd.DataFrame(dict(zip(("area", "commune", "pop"), got.pairs, strict=True)))
        pd.testing.assert_frame_equal(pairs, expected["pairs"], check_exact=True)
        labels = expected["labels"]
        for mine, theirs in ((got.top, labels[0]), (got.bottom, labels[-1]),
                             (got.left, labels[:, 0]), (got.right, labels[:, -1])):
            assert mine.dtype == theirs.dtype and np.array_equal(mine, theirs)
    assert expected["count"] > 0


# ------------------------------------------------------------------------- the writer


def test_raster_writer_writes_window_by_window(tmp_path):
    target = tmp_path / "level.tif"
    full = np.arange(70 * 90, dtype=np.float32).reshape(70, 90)
    transform = Affine(50, 0, X0, 0, -50, Y0)
    with io.raster_writer(target, width=90, height=70, dtype="float32", transform=transform,
                          crs=CRS, nodata=NODATA, tags={"unit": "dBm"}) as write:
        for r0 in range(0, 70, 32):
            for c0 in range(0, 90, 32):
                if (r0, c0) != (32, 64):  # one window never written
                    write((r0, min(r0 + 32, 70), c0, min(c0 + 32, 90)),
                          full[r0:r0 + 32, c0:c0 + 32])
        assert not target.exists()  # only complete files appear
    with rasterio.open(target) as src:
        got = src.read(1)
        assert src.tags()["unit"] == "dBm" and len(src.overviews(1)) == 4
        assert src.profile["tiled"] and src.nodata == NODATA
    expected = full.copy()
    expected[32:64, 64:90] = NODATA
    assert np.array_equal(got, expected)


def test_overviews_built_in_a_helper_process_are_those_built_here(tmp_path, monkeypatch):
    """A national layer's overviews are built in a spawned helper process (GDAL holds the
    GIL while building them): the same file as building them in this process."""
    from ictgis.io import raster

    rng = np.random.default_rng(4)
    band = rng.normal(-90.0, 12.0, (150, 170)).astype(np.float32)
    band[40:90, 100:150] = NODATA
    transform = Affine(50, 0, X0, 0, -50, Y0)
    used = []
    helpers = raster._helper_processes

    def spy():
        used.append(True)
        return helpers()

    def write(name: str) -> list[np.ndarray]:
        with io.raster_writer(tmp_path / name, width=170, height=150, dtype="float32",
                              transform=transform, crs=CRS, nodata=NODATA) as put:
            put((0, 150, 0, 170), band)
        with rasterio.open(tmp_path / name) as src:
            out = [src.read(1)]
            factors = src.overviews(1)
        for level in range(len(factors)):
            with rasterio.open(tmp_path / name, overview_level=level) as src:
                out.append(src.read(1))
        return out

    here = write("here.tif")
    monkeypatch.setattr(raster, "OVERVIEW_PROCESS_PX", 0)
    monkeypatch.setattr(raster, "_helper_processes", spy)
    there = write("there.tif")
    assert used and len(here) == len(there) == 1 + len(raster.OVERVIEWS)
    for a, b in zip(here, there, strict=True):
        assert np.array_equal(a, b)
    assert np.array_equal(there[0], band)


def test_raster_writer_leaves_nothing_on_error(tmp_path):
    target = tmp_path / "level.tif"
    with pytest.raises(RuntimeError, match="tile failed"), io.raster_writer(
            target, width=8, height=8, dtype="uint8", transform=Affine(50, 0, X0, 0, -50, Y0),
            crs=CRS, nodata=0) as write:
        write((0, 4, 0, 8), np.ones((4, 8), np.uint8))
        raise RuntimeError("tile failed")
    assert list(tmp_path.iterdir()) == []


# ----------------------------------------------------------------- dask.distributed


CLUSTER_CONFIG = """
[coverage]
resolution_m = 250
tile_px = 64
max_range_km = 6
[coverage.technologies.2G]
frequency_mhz = 900
eirp_dbm = 55
threshold_dbm = -80
[coverage.technologies.4G]
frequency_mhz = 1800
eirp_dbm = 27
threshold_dbm = -100
"""


def test_a_cluster_run_is_the_local_run_bit_for_bit(make_workspace, tmp_path):
    from distributed import LocalCluster

    from ictgis import pipeline
    from tests.conftest import CONFIG

    ws = pipeline.load(make_workspace(config=CONFIG + CLUSTER_CONFIG))
    # worker processes share nothing with this one: they import ictgis as they start
    with LocalCluster(n_workers=2, processes=True, threads_per_worker=1, dashboard_address=None,
                      worker_dashboard_address=None, preload=["ictgis.coverage.compute"]
                      ) as cluster:
        remote = pipeline.run(ws, steps=["coverage"], out=tmp_path / "remote", lang="en",
                              options={"coverage": {"scheduler": cluster.scheduler_address}})
        ran = set(cluster.scheduler.task_prefixes)
    local = pipeline.run(ws, steps=["coverage"], out=tmp_path / "local", lang="en")
    assert {"run_tile", "count_task"} <= ran  # the tiles ran on the workers
    a, b = local.outputs / "coverage", remote.outputs / "coverage"
    names = sorted(p.name for p in a.iterdir())
    assert names == sorted(p.name for p in b.iterdir())
    tifs = [n for n in names if n.endswith(".tif")]
    assert len(tifs) == 2 * 5 + 2  # two technologies, four operators and any, two classes
    for name in [n for n in names if n.endswith((".tif", ".csv"))]:
        assert filecmp.cmp(a / name, b / name, shallow=False), name


def test_cluster_settings_travel_without_mapping_proxies():
    import pickle

    from ictgis.coverage.compute import portable_settings

    settings = small_settings()
    plain = portable_settings(settings)
    assert pickle.loads(pickle.dumps(plain)) == dataclasses.replace(
        plain)  # picklable, and equal after the trip
    assert plain.technologies["2G"] == TECH and dict(plain.environment) == dict(
        settings.environment)
    assert set(ENV_CODES) >= set(plain.environment.values())


def test_a_raster_read_window_by_window_is_the_raster_read_whole(tmp_path):
    from rasterio.warp import Resampling, reproject

    # a population raster in the grid's CRS, coarser than the grid and not aligned on it,
    # with nodata cells. (In another CRS GDAL estimates the scale of a sum per tile: the
    # weights then depend on the tile by up to ~2 %; the commune totals do not.)
    values = np.random.default_rng(5).gamma(0.8, 30.0, (20, 30)).astype(np.float32)
    values[5:8, 10:20] = -1.0
    path = tmp_path / "pop.tif"
    src_transform = Affine(230.0, 0, X0 - 1_130.0, 0, -230.0, Y0 + 4_470.0)
    with rasterio.open(path, "w", driver="GTiff", width=30, height=20, count=1, dtype="float32",
                       crs=CRS, transform=src_transform, nodata=-1.0) as dst:
        dst.write(values, 1)
    grid = Grid(Affine(RES, 0, X0, 0, -RES, Y0 + 4_000), 60, 40, CRS)
    for resampling in ("sum", "nearest"):
        whole = np.zeros((grid.height, grid.width))  # the whole file, reprojected in memory
        reproject(np.where(values == -1.0, 0.0, values.astype(np.float64)), whole,
                  src_transform=src_transform, src_crs=CRS, dst_transform=grid.transform,
                  dst_crs=CRS, resampling=Resampling[resampling], src_nodata=None, dst_nodata=0.0)
        assert whole.sum() > 0 and (whole == 0).any()
        mosaic = np.full(whole.shape, np.nan)
        for window in grid.tiles(16):
            r0, r1, c0, c1 = window
            mosaic[r0:r1, c0:c1] = io.read_raster_on_grid(
                path, grid.window_transform(window), c1 - c0, r1 - r0, CRS, resampling=resampling)
        np.testing.assert_allclose(mosaic, whole, rtol=1e-9, atol=1e-12)  # float noise
