"""Calibration against measurements: matching, the robust fit, calibration.toml, rejects."""

from __future__ import annotations

import re
import tomllib
import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import rasterio
import shapely

from ictgis import i18n, pipeline
from ictgis.coverage import calibration as cal
from ictgis.coverage import path_loss, province_grid, rasterize_communes
from ictgis.crs import transform_xy
from ictgis.demo import drivetest
from tests.conftest import CONFIG, X0, Y0, lonlat, two_communes

#: Masts of the toy province: Viettel (2G, 3G, 4G; omni, 30 m) on a 2.5 km grid, and one
#: VinaPhone 4G mast in the phường.
_GRID = [(X0 + 1_250 + 2_500 * i, Y0 + 1_250 + 2_500 * j) for i in range(12) for j in range(4)]
TOY_BTS = pd.DataFrame({
    "id": [*(f"V{k}" for k in range(len(_GRID))), "N1"],
    "ops": ["Viettel"] * len(_GRID) + ["VinaPhone"],
    "tech": ["2G;3G;4G"] * len(_GRID) + ["4G"],
    "height": 30.0,
    "x": [x for x, _ in _GRID] + [X0 + 3_000],
    "y": [y for _, y in _GRID] + [Y0 + 8_000],
})
#: The toy's truth: offsets by technology and environment (phường urban, xã open, thị trấn
#: suburban).
TRUTH = {"2G": {"urban": 4.0, "open": -6.0, "suburban": 1.0},
         "3G": {"urban": -2.5, "open": 2.0, "suburban": -5.0},
         "4G": {"urban": 1.5, "open": 6.0, "suburban": -1.0}}
TOY_CONFIG = CONFIG.replace('northing = "y"\n', 'northing = "y"\nheight = "height"\n') + """
[coverage]
resolution_m = 100
[coverage.technologies.2G]
[coverage.technologies.3G]
[coverage.technologies.4G]
eirp_dbm = 40
"""


@pytest.fixture
def toy(make_workspace) -> Path:
    return make_workspace(bts=TOY_BTS, config=TOY_CONFIG)


def _drive(root: Path, seed: int = 7, roads: int = 9) -> pd.DataFrame:
    """A drive test of the toy: ``roads`` east-west roads, the truth + σ 8 dB shadowing."""
    ws = pipeline.load(root)
    lines = [shapely.linestrings([[X0 + 1, y], [X0 + 29_999, y]])
             for y in Y0 + np.linspace(500, 9_500, roads)]
    return drivetest.make_drivetest(ws.bts, ws.communes, ws.config.coverage,
                                    np.random.default_rng(seed), offsets_db=TRUTH, lines=lines,
                                    operators=["Viettel"])


def _as_file(found: pd.DataFrame, path: Path) -> Path:
    lon, lat = lonlat(found["x"].tolist(), found["y"].tolist())
    pd.DataFrame({"lat": lat, "lon": lon, "operator": found["operator"],
                  "technology": found["technology"], "level_dbm": found["level_dbm"],
                  "date": found["date"]}).to_csv(path, index=False)
    return path


def _by_hand(found: pd.DataFrame, settings) -> np.ndarray:
    """The uncalibrated level of each measurement of :func:`_drive`, by trying every mast.

    The drive is Viettel's only, whose masts (:data:`_GRID`) are omni, 30 m and carry every
    technology: the best of EIRP - Hata (``path_loss``, the distance clamped at
    ``min_distance_km``, none beyond ``max_range_km``) in the measurement's environment.
    """
    masts = np.array(_GRID)
    d = np.hypot(found["x"].to_numpy()[:, None] - masts[None, :, 0],
                 found["y"].to_numpy()[:, None] - masts[None, :, 1]) / 1000
    out = np.full(len(found), -np.inf)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # distances below 1 km: Hata extrapolated
        for (tech, env), rows in found.groupby(["technology", "environment"]).indices.items():
            cfg = settings.technologies[tech]
            level = cfg.eirp_dbm - path_loss(
                np.maximum(d[rows], settings.min_distance_km), frequency_mhz=cfg.frequency_mhz,
                base_height_m=30.0, mobile_height_m=cfg.mobile_height_m, environment=env)
            out[rows] = np.where(d[rows] > settings.max_range_km, -np.inf, level).max(axis=1)
    return out


def _compute(root: Path):
    """The calibration step's result on a workspace, nothing written."""
    from ictgis.outputs import Outputs
    from ictgis.steps import StepContext, step

    ctx = StepContext(Outputs(root / "nowhere"))
    return step("calibration").compute(pipeline.load(root), ctx, required=True)


# ------------------------------------------------------------------------------ the fit


def test_the_fit_finds_the_true_offsets_within_its_99_percent_interval(toy: Path) -> None:
    ws = pipeline.load(toy)
    found = _drive(toy)
    counts = found.groupby(["technology", "environment"]).size()
    assert len(counts) == 9 and counts.min() >= 1_000, counts
    points = gpd.GeoDataFrame(found, geometry=gpd.points_from_xy(found["x"], found["y"]),
                              crs=ws.communes.crs)
    settings = ws.config.coverage
    grid = province_grid(ws.communes, settings)
    _, env = rasterize_communes(ws.communes, grid, settings)
    matched = cal.match(points, ws.bts, env, grid, settings)
    np.testing.assert_allclose(matched["predicted_dbm"], _by_hand(found, settings))
    table, _ = cal.fit_table(matched, slope=True)
    for row in table.itertuples():
        truth = TRUTH[row.technology][row.environment]
        assert row.ci_low_db <= truth <= row.ci_high_db, (row.technology, row.environment,
                                                          row.offset_db)
        assert abs(row.offset_db - truth) <= 1.0
        assert abs(row.std_after_db - 8.0) <= 1.0
        assert row.rmse_after_db < row.rmse_before_db
        assert row.slope_ci_low <= 0.0 <= row.slope_ci_high  # the truth has no slope


def test_the_interval_is_honest_on_gaussian_errors() -> None:
    """Over 200 samples of 1,000 N(2, 8²) errors, the 99 % interval misses 2 about twice."""
    rng = np.random.default_rng(3)
    misses, widths = 0, []
    for _ in range(200):
        fit = cal.fit_group(2.0 + rng.normal(0.0, 8.0, 1_000))
        misses += not fit.ci_low[0] <= 2.0 <= fit.ci_high[0]
        widths.append(fit.ci_high[0] - fit.ci_low[0])
    assert misses <= 7  # binomial(200, 0.01): P(> 7) < 0.001
    # least squares would give 2 × 2.576 × 8 / √1000 = 1.30 dB; soft-L1 costs a few per cent
    assert 1.25 <= np.mean(widths) <= 1.45


def test_a_measurement_is_predicted_at_its_exact_position(toy: Path) -> None:
    """By hand: Hata of the named mast at the true distance, not a pixel centre's."""
    x = np.array([X0 + 3_000 + 1_234.5, X0 + 5_000 + 3_217.0])
    y = np.array([Y0 + 8_000 - 987.6, Y0 + 5_000 + 41.0])
    lon, lat = transform_xy(x, y, "EPSG:9210", "EPSG:4326")
    points = pd.DataFrame({"lat": lat, "lon": lon, "operator": ["VinaPhone", "Viettel"],
                           "technology": ["4G", "2G"], "level_dbm": [-70.0, -60.0],
                           "site": ["N1", ""]})
    points.to_csv(toy / "two.csv", index=False)
    config = TOY_CONFIG + """
[layers.measurements]
path = "two.csv"
[layers.measurements.fields]
site = "site"
"""
    (toy / "ictgis.toml").write_text(config, encoding="utf-8")
    result = _compute(toy)
    matched = result.matched.sort_values("operator")
    # the named VinaPhone mast; Viettel's best server, by trying every mast with the formula
    d_named = np.hypot(x[0] - (X0 + 3_000), y[0] - (Y0 + 8_000)) / 1000
    named = 40.0 - float(path_loss(d_named, frequency_mhz=1800, base_height_m=30,
                                   environment="urban"))
    d_all = np.hypot(x[1] - np.array([g[0] for g in _GRID]),
                     y[1] - np.array([g[1] for g in _GRID])) / 1000
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # distances below 1 km: Hata extrapolated
        best = max(55.0 - float(path_loss(d, frequency_mhz=900, base_height_m=30,
                                          environment="urban")) for d in d_all)
    by_op = matched.set_index("operator")["predicted_dbm"]
    assert by_op["VinaPhone"] == pytest.approx(named, abs=1e-6)
    assert by_op["Viettel"] == pytest.approx(best, abs=1e-6)
    assert not (toy / cal.CALIBRATION_TOML).exists()  # not applied unless asked


# ------------------------------------------------------------------------------ rejects

BAD_ROWS = {
    "outside": ("Viettel", "2G", "-70", X0 + 45_000, Y0 + 5_000, ""),
    "level_range": ("Viettel", "2G", "-10.5", X0 + 5_500, Y0 + 5_000, ""),
    "bad_level": ("Viettel", "2G", "n/a", X0 + 5_500, Y0 + 5_000, ""),
    "unknown_operator": ("FPT Telecom", "2G", "-70", X0 + 5_500, Y0 + 5_000, ""),
    "unknown_technology": ("Viettel", "5G", "-70", X0 + 5_500, Y0 + 5_000, ""),
    "no_site": ("Vietnamobile", "3G", "-70", X0 + 5_500, Y0 + 5_000, ""),
    "unknown_site": ("Viettel", "2G", "-70", X0 + 5_500, Y0 + 5_000, "N1"),
    "no_server": ("VinaPhone", "4G", "-100", X0 + 25_000, Y0 + 5_000, ""),  # 22 km from N1
}
MESSAGES = {
    "en": {"level_range": "outside -140…-20 dBm", "bad_level": "is not a number of dBm",
           "unknown_operator": "unknown operator “FPT Telecom”",
           "unknown_technology": "unknown technology “5G”",
           "no_site": "no site of Vietnamobile with 3G", "outside": "outside the province",
           "unknown_site": "the site “N1” is not a site of Viettel with 2G",
           "no_server": "no site of VinaPhone with 4G within 15 km"},
    "vi": {"level_range": "nằm ngoài khoảng -140…-20 dBm",
           "bad_level": "không phải một số dBm",
           "unknown_operator": "doanh nghiệp không xác định “FPT Telecom”",
           "unknown_technology": "công nghệ không xác định “5G”",
           "no_site": "không có trạm nào của Vietnamobile phát 3G",
           "outside": "nằm ngoài tỉnh",
           "unknown_site": "trạm “N1” không phải là trạm của Viettel phát 2G",
           "no_server": "không có trạm nào của VinaPhone phát 4G trong phạm vi 15 km"},
}


@pytest.mark.parametrize("lang", ["en", "vi"])
def test_bad_rows_are_rejected_with_their_reason(toy: Path, lang: str) -> None:
    good = [("Viettel", "2G", f"{-60 - i}", X0 + 5_200 + 10 * i, Y0 + 5_100, "V5" if i else "")
            for i in range(40)]  # V5: a Viettel 2G mast, named
    rows = [*good, *BAD_ROWS.values()]
    frame = pd.DataFrame(rows, columns=["nm", "cn", "muc", "x", "y", "tram"])
    frame.to_csv(toy / "xy.csv", index=False)
    config = TOY_CONFIG + """
[layers.measurements]
path = "xy.csv"
crs = "EPSG:9210"
[layers.measurements.fields]
operator = "nm"
technology = "cn"
level_dbm = "muc"
easting = "x"
northing = "y"
site = "tram"
"""
    (toy / "ictgis.toml").write_text(config, encoding="utf-8")
    if lang == "vi":  # the messages only
        with i18n.language("vi"):
            result = _compute(toy)
        mine = result.problems.set_index("code")["problem"]
        assert set(mine.index) == set(BAD_ROWS) and len(result.matched) == len(good)
        for code, text in MESSAGES[lang].items():
            assert text in mine[code].replace("−", "-"), (code, mine[code])
        return
    run = pipeline.run(toy, steps=["calibration"], out=toy / "out", lang=lang,
                       options={"calibration": {"required": True}})
    result = run.results["calibration"]
    assert len(result.matched) == len(good)
    rejected = pd.read_csv(run.outputs / "rejects" / "measurements.csv", dtype=str)
    assert len(rejected) == len(BAD_ROWS)
    problems = pd.read_csv(run.outputs / "rejects" / "problems.csv", dtype=str)
    mine = problems[problems["layer"] == "measurements"].set_index("code")["problem"]
    assert set(mine.index) == set(BAD_ROWS)
    for code, text in MESSAGES[lang].items():
        assert text in mine[code].replace("−", "-"), (code, mine[code])
    where = problems[problems["code"] == "level_range"]["where"].iloc[0]
    assert where == "row 43"  # the file's row (header = row 1)
    folder = run.outputs / "calibration"
    assert {p.name for p in folder.iterdir()} == {
        "calibration.csv", "calibration.xlsx", "measurements.csv", "predicted_measured.png",
        "error_distance.png"}
    assert (folder / "predicted_measured.png").read_bytes()[:4] == b"\x89PNG"
    table = pd.read_csv(folder / "calibration.csv")
    assert table[["technology", "environment", "n"]].values.tolist() == [["2G", "urban", 40]]
    assert not (toy / cal.CALIBRATION_TOML).exists()  # not applied unless asked


def test_calibrate_writes_calibration_toml_with_its_source(toy: Path, runner) -> None:
    from ictgis.cli.main import main

    found = _drive(toy, roads=1)
    source = _as_file(found, toy / "drive.csv")
    result = runner.invoke(main, ["calibrate", "-w", str(toy), "--measurements", str(source),
                                  "--out", str(toy / "out")])
    assert result.exit_code == 0, result.output
    assert f"offsets written to {toy / cal.CALIBRATION_TOML}" in result.output
    text = (toy / cal.CALIBRATION_TOML).read_text(encoding="utf-8")
    import hashlib

    digest = hashlib.sha256(source.read_bytes()).hexdigest()
    assert f"# sha256 of that file: {digest}" in text and "from drive.csv" in text
    written = tomllib.loads(text)
    table = pd.read_csv(toy / "out" / "calibration" / "calibration.csv")
    for row in table.itertuples():
        if row.n >= cal.MIN_MEASUREMENTS:
            assert written["offsets_db"][row.technology][row.environment] == pytest.approx(
                row.offset_db, abs=1e-3)
        else:
            assert row.environment not in written["offsets_db"].get(row.technology, {})
    assert written["calibration"]["measurements_sha256"] == digest
    again = runner.invoke(main, ["calibrate", "-w", str(toy), "--measurements", str(source),
                                 "--out", str(toy / "out"), "--dry-run", "--slope"])
    assert again.exit_code == 0, again.output
    assert (toy / cal.CALIBRATION_TOML).read_text(encoding="utf-8") == text  # left alone
    assert "--dry-run: calibration.toml left as it was" in again.output
    assert "dB per decade of distance" in again.output


def test_strict_refuses_a_rejected_measurement(toy: Path, runner) -> None:
    from ictgis.cli.main import main

    lon, lat = lonlat([X0 + 5_000], [Y0 + 5_000])
    pd.DataFrame({"lat": [lat[0], "x"], "lon": [lon[0], lon[0]], "operator": "Viettel",
                  "technology": "2G", "level_dbm": "-70"}).to_csv(toy / "m.csv", index=False)
    result = runner.invoke(main, ["calibrate", "-w", str(toy), "--measurements",
                                  str(toy / "m.csv"), "--strict", "--out", str(toy / "out")])
    assert result.exit_code == 1
    assert result.output.startswith("Error: m.csv: row 3") and "coordinates" in result.output
    assert not (toy / cal.CALIBRATION_TOML).exists() and not (toy / "out").exists()


def test_no_measurements_is_one_clear_error(toy: Path, runner) -> None:
    from ictgis.cli.main import main

    result = runner.invoke(main, ["calibrate", "-w", str(toy), "--out", str(toy / "out")])
    assert result.exit_code == 1
    assert result.output.strip() == (
        "Error: no measurements: give the file with --measurements FILE, or declare "
        "[layers.measurements] in ictgis.toml")


def test_a_bad_calibration_file_names_itself(toy: Path) -> None:
    from ictgis.config import load_config
    from ictgis.errors import ConfigError

    settings = load_config(toy).coverage
    (toy / cal.CALIBRATION_TOML).write_text('[offsets_db."2G"]\nurbann = 3.0\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"calibration.toml: \[offsets_db.2G\] has an unknown "
                                          r"environment “urbann”"):
        cal.load_calibration(toy, settings)


# --------------------------------------------------------------------- applied to coverage


def test_coverage_with_calibration_is_coverage_plus_the_offsets(make_workspace) -> None:
    """Hand check: every pixel moves by its environment's offset, no more; tags and manifest."""
    toy = make_workspace(config=CONFIG + """
[coverage]
resolution_m = 100
[coverage.technologies.2G]
[coverage.technologies.4G]
""")
    plain = pipeline.run(toy, steps=["coverage"], out=toy / "plain")
    offsets = {"urban": 2.5, "open": -4.0, "suburban": 7.25}
    (toy / cal.CALIBRATION_TOML).write_text(
        '[offsets_db."4G"]\n' + "".join(f"{k} = {v}\n" for k, v in offsets.items()),
        encoding="utf-8")
    calibrated = pipeline.run(toy, steps=["coverage"], out=toy / "cal", manifest=True)
    name = "coverage/level_viettel_4g.tif"
    with rasterio.open(plain.outputs / name) as a, rasterio.open(calibrated.outputs / name) as b:
        before, after = a.read(1), b.read(1)
        tags = b.tags()
        assert a.tags()["calibration"] == "none (uncalibrated model)"
    x0 = rasterio.open(plain.outputs / name).transform.c
    cols = np.arange(before.shape[1])
    x = x0 + (cols + 0.5) * 100.0
    env = np.where(x < X0 + 10_000, "urban", np.where(x < X0 + 20_000, "open", "suburban"))
    shift = np.vectorize(offsets.get)(np.broadcast_to(env, before.shape))
    both = (before != -9999.0) & (after != -9999.0)
    assert both.sum() > 10_000
    np.testing.assert_allclose(after[both], before[both] + shift[both], atol=2e-3)
    # the floor applies to the calibrated level: pixels gained or lost are those crossing it
    floor = -125.0
    gained = (before == -9999.0) & (after != -9999.0)
    assert np.all(after[gained] >= floor) and np.all(after[gained] - shift[gained] < floor + 2e-3)
    with rasterio.open(plain.outputs / "coverage/level_viettel_2g.tif") as a, rasterio.open(
            calibrated.outputs / "coverage/level_viettel_2g.tif") as b:
        np.testing.assert_array_equal(a.read(1), b.read(1))  # 2G has no offset in the file
    digest = __import__("hashlib").sha256((toy / cal.CALIBRATION_TOML).read_bytes()).hexdigest()
    assert tags["calibration"] == f"calibration.toml sha256={digest}"
    manifest = __import__("json").loads((calibrated.outputs / "manifest.json").read_text())
    listed = {Path(i["path"]).name: i for i in manifest["inputs"]}
    assert listed["calibration.toml"]["sha256"] == digest


def test_the_demo_records_its_truth_in_its_config() -> None:
    from ictgis.demo import DEMO_CONFIG

    comment = " ".join(line for line in DEMO_CONFIG.splitlines() if line.startswith("#   "))
    for tech, by_env in drivetest.TRUE_OFFSETS_DB.items():
        part = re.search(rf"{tech}: ([^;]+)", comment).group(1)
        stated = dict(re.findall(r"(\w+) ([+-]\d+\.\d)", part))
        assert {k: float(v) for k, v in stated.items()} == dict(by_env)
    assert "σ = 8 dB" in DEMO_CONFIG and drivetest.SHADOWING_DB == 8.0
    layer = tomllib.loads(DEMO_CONFIG)["layers"]["measurements"]
    assert layer["path"] == "layers/drivetest.csv"


def test_a_geopackage_of_points_needs_no_coordinate_columns(toy: Path) -> None:
    points = gpd.GeoDataFrame(
        {"operator": ["Viettel"] * 3, "technology": ["LTE", "4G", "4g"],
         "level_dbm": [-80.0, -85.5, -91.0]},
        geometry=gpd.points_from_xy([X0 + 5_300, X0 + 15_300, X0 + 25_300], [Y0 + 5_000] * 3),
        crs="EPSG:9210").to_crs(4326)
    points.to_file(toy / "drive.gpkg")
    (toy / "ictgis.toml").write_text(TOY_CONFIG + """
[layers.measurements]
path = "drive.gpkg"
""", encoding="utf-8")
    plain = _compute(toy)
    assert plain.matched["technology"].tolist() == ["4G"] * 3
    assert plain.matched["environment"].tolist() == ["urban", "open", "suburban"]
    # with [layers.dem] the step predicts over it: ground rising 2 m per km eastwards moves
    # every mast's effective height (the ground 3-15 km away is higher or lower than its own)
    from affine import Affine

    slope = np.tile(0.002 * (np.arange(320) * 100.0 - 1_000.0), (120, 1)).astype("float32")
    with rasterio.open(toy / "dem.tif", "w", driver="GTiff", width=320, height=120, count=1,
                       dtype="float32", crs="EPSG:9210",
                       transform=Affine(100.0, 0, X0 - 1_000, 0, -100.0, Y0 + 11_000)) as dst:
        dst.write(slope, 1)
    (toy / "ictgis.toml").write_text(TOY_CONFIG + """
[layers.measurements]
path = "drive.gpkg"
[layers.dem]
path = "dem.tif"
""", encoding="utf-8")
    over = _compute(toy)
    moved = over.matched["predicted_dbm"].to_numpy() - plain.matched["predicted_dbm"].to_numpy()
    assert np.all(np.abs(moved) > 0.05), moved
    assert not any("dem.tif" in w for w in over.warnings)  # no "calibration ignores terrain"
    assert over.dem == toy / "dem.tif" and plain.dem is None  # calibration.toml records it


# ------------------------------------------------------------------------- over terrain


def _ridge_province():
    """Two communes (urban west, open east) 4 × 4 km each, two 2G masts, a 50 m grid.

    The masts stand on pixel centres and their heights are far-zone classes of themselves,
    so the coverage's kernels and the prediction use the same geometry and Hata terms.
    """
    from types import MappingProxyType

    from shapely.geometry import Point

    from ictgis.config import CoverageConfig, TechnologyConfig
    from ictgis.coverage.kernels import HEIGHT_LOG_STEP

    crs = "EPSG:9210"
    x0, y0 = 560_000.0, 1_140_000.0
    communes = two_communes(x0, y0, 4000, 8000)
    heights = [10 ** (185 * HEIGHT_LOG_STEP), 10 ** (130 * HEIGHT_LOG_STEP)]  # 30.2, 11.0 m
    sites = gpd.GeoDataFrame(
        {"id": ["S1", "S2"], "operators": [("Viettel",)] * 2, "technologies": [("2G",)] * 2,
         "height": heights, "mast_class": ["A2b"] * 2},
        geometry=[Point(x0 + 1525.0, y0 + 2025.0), Point(x0 + 7775.0, y0 + 225.0)], crs=crs)
    cfg = CoverageConfig(
        resolution_m=50.0, max_range_km=10.0, floor_dbm=-140.0, tile_px=64, threads=1,
        technologies=MappingProxyType({"2G": TechnologyConfig(frequency_mhz=900, eirp_dbm=43,
                                                              threshold_dbm=-95)}))
    return communes, sites, cfg


def _ridge_drive(seed: int, truth: dict[str, float], n: int = 1500):
    """Measurements at pixel centres: the coverage over a ridge + offsets + σ 8 dB."""
    from ictgis.coverage import compute_coverage
    from ictgis.coverage.terrain import Terrain

    communes, sites, cfg = _ridge_province()
    grid = province_grid(communes, cfg)
    dem = np.full((grid.height, grid.width), 2.0)
    x_col = grid.transform.c + (np.arange(grid.width) + 0.5) * grid.resolution
    dem[:, np.argmin(np.abs(x_col - (grid.transform.c + 3000.0)))] = 45.0  # a wall, 3 km in
    terrain = Terrain(dem, grid.resolution)
    level = compute_coverage(sites, communes, cfg, terrain=terrain).layers[("Viettel", "2G")]
    _, env = rasterize_communes(communes, grid, cfg)
    rng = np.random.default_rng(seed)
    rows, cols = [], []
    for name in ("urban", "open"):  # n pixels of each, that have a level
        r, c = np.nonzero((env == cal.ENV_CODES[name]) & (level > -9000))
        pick = rng.choice(len(r), n, replace=False)
        rows += list(r[pick])
        cols += list(c[pick])
    r, c = np.array(rows), np.array(cols)
    x = grid.transform.c + (c + 0.5) * grid.resolution
    y = grid.transform.f - (r + 0.5) * grid.resolution
    names = np.array(cal.ENVIRONMENTS, dtype=object)[env[r, c]]
    measured = (level[r, c] + np.vectorize(truth.get)(names)
                + rng.normal(0.0, 8.0, len(r)))
    points = gpd.GeoDataFrame({"operator": "Viettel", "technology": "2G",
                               "level_dbm": measured, "model_dbm": level[r, c]},
                              geometry=gpd.points_from_xy(x, y), crs=communes.crs)
    return points, sites, env, grid, cfg, terrain


def test_over_terrain_the_fit_recovers_the_offsets_a_fit_without_it_would_not() -> None:
    """A drive test generated from the coverage over a ridge (the sweep's kernels, read at
    the measured pixels) plus known offsets: matched with the terrain term (the exact
    profile per path), the fit finds them; matched without it, the fit absorbs the ridge's
    shadow and misses them (so this test can fail)."""
    truth = {"urban": 3.0, "open": -5.0}
    points, sites, env, grid, cfg, terrain = _ridge_drive(11, truth)
    matched = cal.match(points, sites, env, grid, cfg, terrain=terrain)
    # the exact profile per path and the sweep's rays agree (docs/coverage.md, "Terrain"),
    # but a few pixels just behind the one-pixel wall, where the two rays bracketing a pixel
    # see the wall differently (measured: 9 of 3,000 beyond 0.5 dB, at most 2.4 dB)
    gap = np.abs(matched["predicted_dbm"] - matched["model_dbm"])
    assert np.percentile(gap, 99) <= 0.1 and (gap > 0.5).mean() < 0.01, gap.describe()
    assert gap.max() <= 3.0
    over, _ = cal.fit_table(matched)
    flat, _ = cal.fit_table(cal.match(points, sites, env, grid, cfg))
    assert len(over) == 2 and set(over["n"]) == {1500}
    for row in over.itertuples():
        assert row.ci_low_db <= truth[row.environment] <= row.ci_high_db, row
        assert abs(row.offset_db - truth[row.environment]) <= 1.0
        assert abs(row.std_after_db - 8.0) <= 1.0
    missed = [not (r.ci_low_db <= truth[r.environment] <= r.ci_high_db)
              for r in flat.itertuples()]
    assert any(missed), flat  # the ridge's mean effect went into the offsets
    shadowed = flat.set_index("environment")["offset_db"]["open"] - truth["open"]
    assert shadowed < -2.0  # east of the wall the levels are lower than the flat model's


def test_over_a_flat_dem_the_match_and_fit_are_those_without_dem() -> None:
    from ictgis.coverage.terrain import Terrain

    points, sites, env, grid, cfg, _ = _ridge_drive(5, {"urban": 0.0, "open": 0.0}, n=200)
    flat = Terrain(np.full((grid.height, grid.width), 3.7), grid.resolution)
    with_dem = cal.match(points, sites, env, grid, cfg, terrain=flat)
    without = cal.match(points, sites, env, grid, cfg)
    pd.testing.assert_frame_equal(with_dem, without)
    pd.testing.assert_frame_equal(cal.fit_table(with_dem)[0], cal.fit_table(without)[0])


def test_calibration_toml_says_over_which_dem_it_was_fitted(tmp_path: Path) -> None:
    import datetime as dt

    fits = pd.DataFrame({"technology": ["2G"], "environment": ["open"], "n": [1200],
                         "offset_db": [-3.21], "ci_low_db": [-3.9], "ci_high_db": [-2.5]})
    dem = tmp_path / "layers" / "dem.tif"
    dem.parent.mkdir()
    dem.write_bytes(b"not really a GeoTIFF")
    when = dt.datetime(2026, 1, 2, tzinfo=dt.UTC)
    kwargs = {"source": tmp_path / "drive.csv", "source_sha256": "ab", "root": tmp_path,
              "when": when}
    over = tomllib.loads(cal.calibration_text(fits, dem=dem, dem_sha256="cd", **kwargs))
    assert over["calibration"]["terrain"] == "layers/dem.tif"
    assert over["calibration"]["terrain_sha256"] == "cd"
    assert over["offsets_db"]["2G"]["open"] == -3.21
    flat = tomllib.loads(cal.calibration_text(fits, **kwargs))
    assert "terrain" not in flat["calibration"]


@pytest.mark.parametrize(("fitted_over", "dem_now", "expected"), [
    ("", None, None),                      # neither: nothing to say
    ("", "dem.tif", "fitted without terrain"),
    ("dem.tif", None, "this coverage uses none"),
    ("dem.tif", "dem.tif", None),          # the same DEM
    ("other.tif", "dem.tif", "another DEM"),
])
def test_coverage_warns_when_the_calibration_was_fitted_over_another_terrain(
        tmp_path: Path, fitted_over: str, dem_now: str | None, expected: str | None) -> None:
    from ictgis import io
    from ictgis.coverage.calibration import Calibration

    for name, data in (("dem.tif", b"one elevation model"), ("other.tif", b"another one")):
        (tmp_path / name).write_bytes(data)
    sha = io.sha256(tmp_path / fitted_over) if fitted_over else ""
    calibration = Calibration({"4g": {"open": -3.0}}, path=tmp_path / "calibration.toml",
                              terrain_sha256=sha)
    warning = calibration.terrain_mismatch(tmp_path / dem_now if dem_now else None)
    if expected is None:
        assert warning is None
    else:
        assert warning is not None and expected in warning and "calibration.toml" in warning


def test_calibration_toml_names_the_dem_it_was_fitted_over(tmp_path: Path) -> None:
    from ictgis.config import load_config
    from ictgis.coverage.calibration import load_calibration

    settings = load_config(Path(__file__).resolve().parents[1] / "ictgis.toml").coverage
    tech = next(iter(settings.technologies))
    (tmp_path / "calibration.toml").write_text(
        f'[calibration]\nterrain_sha256 = "abc123"\n\n[offsets_db.{tech}]\nopen = -2.5\n',
        encoding="utf-8")
    loaded = load_calibration(tmp_path, settings)
    assert loaded is not None and loaded.terrain_sha256 == "abc123"
    assert loaded.offsets_db == {tech: {"open": -2.5}}
