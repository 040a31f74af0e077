"""Real Tiền Giang boundaries from ../shared/data/real (read in place, never copied).

These tests skip, saying why, when that folder is absent.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest

from ictgis.config import load_config
from ictgis.errors import DataError
from ictgis.stats import compute_stats, display
from ictgis.workspace import load_workspace

REAL = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "real"
COMMUNES = REAL / "tien_giang_communes.geojson"
POPULATION = REAL / "tien_giang_commune_population.csv"

pytestmark = [
    pytest.mark.real_data,
    pytest.mark.skipif(not COMMUNES.is_file(),
                       reason=f"real data not present: {COMMUNES} is absent"),
]

# GSO area of Tiền Giang, 2016-2019 (DOMAIN.md §1.4: 2,510.6 km² for the 2018 density).
PUBLISHED_AREA_KM2 = 2510.6
# PROVENANCE.md §1: the same polygons measure 2,533.0 km² in EPSG:9210 (coastal water included).
PROVENANCE_AREA_9210_KM2 = 2533.0
CENSUS_2019_TOTAL = 1_764_185
# DOMAIN.md §1.4, 2019 census by district: Mỹ Tho + Châu Thành + Chợ Gạo.
CENSUS_2019_TRUNG_TAM = 228_109 + 263_426 + 187_711

CONFIG = """
[province]
name = "Tiền Giang (real boundaries, pre-2013 polygons with 2019 codes)"
crs = "EPSG:9210"

[regions]
"Vùng Trung tâm" = ["TP Mỹ Tho", "H. Châu Thành", "Chợ Gạo"]
"Vùng phía Tây" = ["Thị xã Cai Lậy", "Huyện Cai Lậy", "Cái Bè", "Tân Phước"]
"Vùng phía Đông" = ["TX Gò Công", "Gò Công Tây", "Gò Công Đông", "Tân Phú Đông"]

[layers.communes]
path = "{communes}"
[layers.communes.fields]
code = "commune_code"
name = "commune_name"
kind = "kind"
district = "district_name"
{population}

[layers.post_offices]
path = "posts.csv"
[layers.post_offices.fields]
id = "id"
type = "type"
lon = "lon"
lat = "lat"
"""

POP_FIELD = 'population = "pop_total_2019"'
POP_TABLE = f"""
[layers.population]
path = "{POPULATION}"
by = "code"
[layers.population.fields]
code = "commune_code"
population = "pop_total_2019"
"""


@pytest.fixture(scope="module")
def raw() -> gpd.GeoDataFrame:
    return gpd.read_file(COMMUNES)


def _workspace(tmp_path: Path, raw: gpd.GeoDataFrame, *, fix_code: bool, population: str) -> Path:
    communes = COMMUNES
    if fix_code:  # what a planner does: give the one code-less polygon a code of its own
        fixed = raw.copy()
        fixed["commune_code"] = fixed["commune_code"].fillna("TT-CAI-LAY")
        communes = tmp_path / "communes.gpkg"
        fixed.to_file(communes)
    points = raw.to_crs(4326).representative_point().iloc[:3]
    pd.DataFrame({"id": ["a", "b", "c"], "type": "Điểm BĐ-VHX",
                  "lon": points.x.round(7), "lat": points.y.round(7)}).to_csv(
        tmp_path / "posts.csv", index=False)
    (tmp_path / "ictgis.toml").write_text(
        CONFIG.format(communes=communes, population=population), encoding="utf-8")
    return tmp_path


def test_missing_commune_code_is_named_and_refused_with_strict(tmp_path: Path, raw) -> None:
    # kept as NOCODE-<feature> with a warning (tests/robustness/test_data.py); --strict refuses
    root = _workspace(tmp_path, raw, fix_code=False, population=POP_FIELD)
    missing = raw.index[raw["commune_code"].isna()].tolist()
    assert len(missing) == 1
    with pytest.raises(DataError, match=rf"tien_giang_communes.geojson: feature {missing[0]} "):
        load_workspace(load_config(root), strict=True)


def test_real_boundaries_districts_regions_area_and_zones(tmp_path: Path, raw, vietnamese
                                                         ) -> None:
    ws = load_workspace(load_config(_workspace(tmp_path, raw, fix_code=True,
                                               population=POP_FIELD)))
    communes = ws.communes
    assert communes["district"].nunique() == 11
    assert set(communes["region"]) == {"Vùng Trung tâm", "Vùng phía Tây", "Vùng phía Đông"}
    assert communes["region"].notna().all()
    area = communes["area_km2"].sum()
    assert area == pytest.approx(PROVENANCE_AREA_9210_KM2, abs=0.5)
    assert abs(area / PUBLISHED_AREA_KM2 - 1) < 0.015  # coastal water: about +1 %
    urban_kinds = raw["kind"].isin(["phường", "thị trấn"])
    assert communes["urban"].sum() == urban_kinds.sum() == 23
    tables = compute_stats(ws)
    zones = display(tables["zone"]).set_index("zone")  # zone labels as written
    assert zones.loc["Thành thị", "population"] == raw.loc[urban_kinds, "pop_total_2019"].sum()
    assert tables["province"]["population"].iloc[0] == CENSUS_2019_TOTAL
    regions = tables["region"].set_index("region")
    assert regions.loc["Vùng Trung tâm", "population"] == CENSUS_2019_TRUNG_TAM
    assert regions["population"].sum() == CENSUS_2019_TOTAL


def test_census_table_rows_without_polygon_are_reported(tmp_path: Path, raw) -> None:
    # The 2019 census lists Phường 1-5 of Thị xã Cai Lậy; the polygons predate them.
    root = _workspace(tmp_path, raw, fix_code=True, population=POP_TABLE)
    with pytest.raises(DataError, match="5 problems") as err:
        load_workspace(load_config(root))
    text = str(err.value)
    for code in ("28435", "28436", "28437", "28439", "28440"):
        assert f"(id {code}): matches no commune of the boundary layer" in text
