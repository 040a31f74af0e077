"""Shared fixtures: tiny hand-made layers in EPSG:9210 and workspaces built from them."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from click.testing import CliRunner
from shapely.geometry import box

from ictgis import i18n
from ictgis.crs import transform_xy

#: Lower-left corner of the toy province (EPSG:9210 metres, near Mỹ Tho).
X0, Y0 = 590_000.0, 1_140_000.0
SIDE = 10_000.0


def two_communes(x0: float, y0: float, split_m: float, width_m: float
                 ) -> gpd.GeoDataFrame:
    """A 4 km tall province of two communes side by side in EPSG:9210, cut ``split_m`` from
    its west edge: phường A (9,000 people) and xã B (4,000), already mapped (a coverage run's
    input)."""
    return gpd.GeoDataFrame(
        {"code": ["A", "B"], "kind": ["phuong", "xa"], "population": [9000, 4000],
         "name": ["A", "B"]},
        geometry=[box(x0, y0, x0 + split_m, y0 + 4000),
                  box(x0 + split_m, y0, x0 + width_m, y0 + 4000)],
        crs="EPSG:9210")


@pytest.fixture
def communes_gdf() -> gpd.GeoDataFrame:
    """Three 10 km squares side by side: a phường, a xã, a thị trấn in two districts."""
    return gpd.GeoDataFrame(
        {
            "ma": ["001", "002", "003"],
            "ten": ["Phường 1", "Xã An Hữu", "Thị trấn Cái Bè"],
            "huyen": ["Thành phố Mỹ Tho", "Huyện Cái Bè", "Huyện Cái Bè"],
            "dan": ["10000", "20000", "5000"],
        },
        geometry=[box(X0 + i * SIDE, Y0, X0 + (i + 1) * SIDE, Y0 + SIDE) for i in range(3)],
        crs="EPSG:9210",
    )


def lonlat(x: list[float], y: list[float]) -> tuple[list[str], list[str]]:
    """EPSG:9210 metres -> lon/lat text with 7 decimals (official VN-2000 shift)."""
    lon, lat = transform_xy(x, y, "EPSG:9210", "EPSG:4326")
    return [f"{v:.7f}" for v in lon], [f"{v:.7f}" for v in lat]


@pytest.fixture
def posts_df() -> pd.DataFrame:
    """Five postal points: one in each commune, a second in the xã, a private courier."""
    x = [X0 + 5_000, X0 + 15_000, X0 + 25_000, X0 + 12_000, X0 + 16_000]
    lon, lat = lonlat(x, [Y0 + 5_000] * 5)
    return pd.DataFrame({
        "id": ["P1", "P2", "P3", "P4", "P5"],
        "loai": ["Bưu cục cấp 2", "Điểm BĐ-VHX", "Thùng thư công cộng", "Đại lý bưu chính",
                 "Văn phòng chuyển phát tư nhân"],
        "lon": lon, "lat": lat,
    })


@pytest.fixture
def bts_df() -> pd.DataFrame:
    """Four masts: two in the phường (one shared by 2 operators), two in the xã."""
    return pd.DataFrame({
        "id": ["B1", "B2", "B3", "B4"],
        "ops": ["Viettel;MobiFone", "VinaPhone", "viettel", "Vietnamobile"],
        "tech": ["2G;3G;4G", "4G", "GSM/LTE", "3G"],
        "x": [X0 + 1_000, X0 + 2_000, X0 + 11_000, X0 + 12_000],
        "y": [Y0 + 1_000] * 4,
    })


CONFIG = """
[province]
name = "Toy province"
crs = "EPSG:9210"

[regions]
"Trung tâm" = ["TP. Mỹ Tho"]
"Tây" = ["H. Cái Bè"]

[layers.communes]
path = "communes.gpkg"
[layers.communes.fields]
code = "ma"
name = "ten"
district = "huyen"
population = "dan"

[layers.post_offices]
path = "posts.csv"
[layers.post_offices.fields]
id = "id"
type = "loai"
lon = "lon"
lat = "lat"

[layers.bts]
path = "bts.csv"
crs = "EPSG:9210"
[layers.bts.fields]
id = "id"
operators = "ops"
technologies = "tech"
easting = "x"
northing = "y"
"""


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests that share one external program's profile run on one xdist worker, one at a time.

    QGIS (its user profile and processing registry) and LibreOffice (its user installation)
    refuse a second instance on the same profile; the suite runs on two workers
    (``-n 2 --dist loadgroup``, README), every other test wherever it is free.
    """
    for item in items:
        path = Path(str(item.fspath))
        if "qgis" in path.parts:
            item.add_marker(pytest.mark.xdist_group("qgis"))
        elif path.name == "test_workbooks.py":
            item.add_marker(pytest.mark.xdist_group("libreoffice"))


@pytest.fixture
def make_workspace(tmp_path: Path, communes_gdf, posts_df, bts_df
                   ) -> Callable[..., Path]:
    """Write a toy workspace; keyword arguments replace its layers or config text.

    ``make_workspace(posts=df)`` writes ``df`` as posts.csv; ``config=text`` replaces
    ictgis.toml; ``extra={"name.csv": df}`` adds files.
    """

    def _make(*, communes: gpd.GeoDataFrame | None = None, posts: pd.DataFrame | None = None,
              bts: pd.DataFrame | None = None, config: str = CONFIG,
              extra: dict[str, pd.DataFrame] | None = None) -> Path:
        root = tmp_path / "ws"
        root.mkdir(exist_ok=True)
        (communes if communes is not None else communes_gdf).to_file(root / "communes.gpkg")
        (posts if posts is not None else posts_df).to_csv(root / "posts.csv", index=False)
        (bts if bts is not None else bts_df).to_csv(root / "bts.csv", index=False)
        for name, frame in (extra or {}).items():
            frame.to_csv(root / name, index=False)
        (root / "ictgis.toml").write_text(config, encoding="utf-8")
        return root

    return _make


@pytest.fixture
def runner() -> CliRunner:
    """A click test runner."""
    return CliRunner()


@pytest.fixture(autouse=True)
def english(monkeypatch: pytest.MonkeyPatch):
    """Messages and labels in English, the language the assertions are written in.

    ictgis speaks Vietnamese by default; a test that checks Vietnamese text asks for it with
    the ``vietnamese`` fixture (or ``--lang vi`` on the command line).
    """
    monkeypatch.setenv("ICTGIS_LANG", "en")
    with i18n.language("en"):
        yield


@pytest.fixture
def vietnamese(english, monkeypatch: pytest.MonkeyPatch):
    """Messages and labels in Vietnamese, the default of ictgis."""
    monkeypatch.delenv("ICTGIS_LANG")
    with i18n.language("vi"):
        yield


#: Coverage on a coarser grid keeps the shared run short (the demo's own ictgis.toml has the
#: report's year, frame and plans).
DEMO_EXTRA_CONFIG = """
[coverage]
resolution_m = 250
"""


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo workspace after one ``ictgis demo`` + ``ictgis run`` (Vietnamese, the default).

    Shared by every test that needs a complete run: treat it as read-only (copy it to change
    anything).
    """
    from ictgis.cli.main import main

    root = tmp_path_factory.mktemp("demo_run") / "ws"
    runner = CliRunner()
    made = runner.invoke(main, ["demo", str(root), "-q"])
    assert made.exit_code == 0, made.output
    config = root / "ictgis.toml"
    config.write_text(config.read_text(encoding="utf-8") + DEMO_EXTRA_CONFIG, encoding="utf-8")
    result = runner.invoke(main, ["run", "-w", str(root), "--lang", "vi"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "bản kê:" in result.stdout
    return root
