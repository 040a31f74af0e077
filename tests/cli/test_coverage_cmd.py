"""`ictgis coverage` on a toy workspace: GeoTIFFs, union = max, tables at every level."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import rasterio

from ictgis.cli.main import main
from ictgis.i18n import ids
from tests.conftest import CONFIG

COVERAGE = """
[coverage]
resolution_m = 200
tile_px = 64
max_range_km = 8
[coverage.technologies.2G]
frequency_mhz = 900
eirp_dbm = 55
threshold_dbm = -80
[coverage.technologies.4G]
frequency_mhz = 1800
eirp_dbm = 27
threshold_dbm = -100
"""


@pytest.fixture
def outputs(runner, make_workspace) -> Path:
    root = make_workspace(config=CONFIG + COVERAGE)
    result = runner.invoke(main, ["coverage", "-w", str(root)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "population covered (%)" in result.output
    return root / "outputs" / "coverage"


def test_rasters_are_georeferenced_with_metadata(outputs: Path) -> None:
    names = sorted(p.name for p in outputs.glob("*.tif"))
    operators = ["mobifone", "vietnamobile", "viettel", "vinaphone"]
    assert names == sorted([f"level_{op}_{t}.tif" for op in [*operators, "any"]
                            for t in ("2g", "4g")] + ["class_any_2g.tif", "class_any_4g.tif"])
    with rasterio.open(outputs / "level_any_2g.tif") as src:
        assert src.crs.to_epsg() == 9210
        assert (src.transform.a, src.transform.e) == (200.0, -200.0)
        assert src.transform.c % 200 == 0 and src.transform.f % 200 == 0
        assert src.nodata == -9999.0 and src.dtypes[0] == "float32"
        assert src.profile["tiled"] and src.compression.name.lower() == "zstd"
        assert src.overviews(1)  # overviews built
        tags = src.tags()
        assert tags["frequency_mhz"] == "900.0" and tags["threshold_dbm"] == "-80.0"
        assert tags["model"] == "hata" and tags["operator"] == "any"
        # the toy province spans 30 km x 10 km: 150 x 50 pixels
        assert (src.width, src.height) == (150, 50)
    with rasterio.open(outputs / "class_any_4g.tif") as src:
        classes = src.read(1)
        assert src.nodata == 0 and set(np.unique(classes)) <= set(range(7))


def test_union_is_the_max_of_the_operators(outputs: Path) -> None:
    def read(name: str) -> np.ndarray:
        with rasterio.open(outputs / name) as src:
            return src.read(1)

    for tech in ("2g", "4g"):
        stack = np.stack([read(f"level_{op}_{tech}.tif") for op in
                          ("mobifone", "vietnamobile", "viettel", "vinaphone")])
        union = read(f"level_any_{tech}.tif")
        assert np.array_equal(union, stack.max(axis=0))


def test_tables_at_every_level(outputs: Path) -> None:
    province = pd.read_csv(outputs / "province.csv", encoding="utf-8-sig").iloc[0]
    zone = pd.read_csv(outputs / "zone.csv", encoding="utf-8-sig").set_index("zone")
    communes = pd.read_csv(outputs / "commune.csv", encoding="utf-8-sig")
    assert province["population"] == 35_000
    for key in ("any_2g", "viettel_2g", "any_4g"):
        assert province[f"pop_covered_{key}"] == pytest.approx(
            communes[f"pop_covered_{key}"].sum())
        assert province[f"pop_pct_{key}"] == pytest.approx(
            province[f"pop_covered_{key}"] / 35_000 * 100)
        assert 0 <= province[f"area_pct_{key}"] <= 100
    # any operator covers at least what each operator covers
    assert (communes["pop_covered_any_2g"] >= communes["pop_covered_viettel_2g"] - 1e-6).all()
    assert zone.set_index(ids("admin.zone", zone.index)).loc["rural", "population"] == 20_000
    assert (outputs / "uncovered_areas.csv").is_file()


def _run(runner, root: Path) -> pd.DataFrame:
    result = runner.invoke(main, ["coverage", "-w", str(root), "-q"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return pd.read_csv(root / "outputs" / "coverage" / "commune.csv",
                       encoding="utf-8-sig").set_index("code")


def test_population_raster_is_rescaled_to_commune_totals(runner, make_workspace) -> None:
    from tests.conftest import X0, Y0

    # everyone of commune 002 (x 10-20 km) lives in its eastern 2 km, far from its masts
    # (at 11 and 12 km): coverage of 002 then depends on the raster, totals do not
    short = CONFIG + COVERAGE.replace("max_range_km = 8", "max_range_km = 3")
    even = _run(runner, make_workspace(config=short))
    root = make_workspace(config=short.replace("tile_px = 64\n",
                                               'tile_px = 64\npopulation_raster = "pop.tif"\n'))
    grid = np.zeros((10, 30), dtype=np.float32)  # 1 km pixels over the toy province
    grid[:, 18:20] = 7.0
    grid[:, :10] = 1.0
    with rasterio.open(root / "pop.tif", "w", driver="GTiff", width=30, height=10, count=1,
                       dtype="float32", crs="EPSG:9210",
                       transform=rasterio.Affine(1000, 0, X0, 0, -1000, Y0 + 10_000)) as dst:
        dst.write(grid, 1)
    weighted = _run(runner, root)
    assert weighted.loc[2, "population"] == even.loc[2, "population"] == 20_000
    assert weighted.loc[2, "pop_pct_any_2g"] < even.loc[2, "pop_pct_any_2g"]
    assert weighted.loc[2, "area_pct_any_2g"] == even.loc[2, "area_pct_any_2g"]


def test_landcover_sets_the_environment(runner, make_workspace) -> None:
    from tests.conftest import X0, Y0

    base = CONFIG + COVERAGE
    open_area = _run(runner, make_workspace(config=base))
    urban = base.replace("tile_px = 64\n", 'tile_px = 64\nlandcover_raster = "lc.tif"\n') + (
        '[coverage.landcover_classes]\n"7" = "urban_large"\n')
    root = make_workspace(config=urban)
    with rasterio.open(root / "lc.tif", "w", driver="GTiff", width=3, height=1, count=1,
                       dtype="uint8", crs="EPSG:9210",
                       transform=rasterio.Affine(10_000, 0, X0, 0, -10_000, Y0 + 10_000)) as dst:
        dst.write(np.array([[0, 7, 0]], dtype=np.uint8), 1)
    built_up = _run(runner, root)
    # commune 002 (the xã, open by its kind) becomes a large city: less covered
    assert built_up.loc[2, "area_pct_any_2g"] < open_area.loc[2, "area_pct_any_2g"]
    assert built_up.loc[1, "area_pct_any_2g"] == open_area.loc[1, "area_pct_any_2g"]


def test_sectors_point_where_they_should(runner, make_workspace, bts_df) -> None:
    from tests.conftest import X0

    fields = 'technologies = "tech"\nazimuth = "az"\nbeamwidth = "bw"\n'
    config = CONFIG.replace('technologies = "tech"\n', fields) + COVERAGE
    # one VinaPhone mast 2 km inside the xã (x 10-20 km), its single sector facing east
    # (into the xã) or west (towards the urban phường, where the signal carries less far)
    bts = bts_df.iloc[[1]].assign(x=X0 + 12_000, az="90", bw="65", tech="2G")
    east = _run(runner, make_workspace(bts=bts, config=config))
    west = _run(runner, make_workspace(bts=bts.assign(az="270"), config=config))
    three = _run(runner, make_workspace(bts=bts.assign(az="0;120;240"), config=config))
    column = "area_pct_vinaphone_2g"
    assert east.loc[2, column] > west.loc[2, column] > 0
    assert three.loc[2, column] > west.loc[2, column]


def test_a_scheduler_that_cannot_be_reached_is_one_clear_error(runner, make_workspace,
                                                                 monkeypatch) -> None:
    from ictgis.coverage import cluster
    from ictgis.steps import STEPS

    monkeypatch.setattr(cluster, "CONNECT_TIMEOUT_S", 1)
    root = make_workspace(config=CONFIG + COVERAGE)
    for args in (["coverage", "--scheduler", "tcp://127.0.0.1:9"],
                 ["run", *(f"--skip={s}" for s in STEPS if s != "coverage"),
                  "--scheduler", "tcp://127.0.0.1:9"]):
        result = runner.invoke(main, [*args, "-w", str(root)])
        assert result.exit_code == 1, result.output
        assert "cannot reach the dask scheduler tcp://127.0.0.1:9" in result.output
        assert "dask scheduler" in result.output and "Traceback" not in result.output
        assert not (root / "outputs" / "coverage").exists()


def test_a_scheduler_in_the_config_without_distributed_installed(runner, make_workspace,
                                                                 monkeypatch) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "distributed", None)  # import distributed fails
    root = make_workspace(config=CONFIG + COVERAGE + '\n[compute]\nscheduler = "tcp://10.1.1.1:8786"\n')
    result = runner.invoke(main, ["coverage", "-w", str(root)])
    assert result.exit_code == 1, result.output
    assert 'pip install "ictgis[distributed]"' in result.output
    assert "tcp://10.1.1.1:8786" in result.output and "Traceback" not in result.output
