"""Postal points of the demo province: bưu cục, điểm BĐ-VHX, agents, letter boxes, couriers."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ictgis.demo.common import SYNTHETIC_LABEL, lonlat_text, random_points_in, vn2000_to_wgs84
from ictgis.demo.geometry import COMMUNE_PREFIX, centre_communes

_DISTRICT_PREFIX = r"^(?:Thành phố|Thị xã|Huyện)\s+"

#: Postal points by raw type label; all but the private couriers count in N (172).
_POSTAL_MIX = {
    "Bưu cục cấp 1": 1,
    "Bưu cục cấp 2": 10,
    "Bưu cục cấp 3": 21,
    "Bưu cục phát": 5,
    "Điểm BĐ-VHX": 105,
    "Đại lý bưu chính": 20,
    "Thùng thư công cộng": 10,
    "Văn phòng chuyển phát tư nhân": 8,
}
_POSTAL_NAME = {
    "Bưu cục cấp 1": "Bưu cục trung tâm",
    "Bưu cục cấp 2": "Bưu điện",
    "Bưu cục cấp 3": "Bưu cục",
    "Bưu cục phát": "Bưu cục phát",
    "Điểm BĐ-VHX": "Điểm BĐ-VHX",
    "Đại lý bưu chính": "Đại lý bưu điện",
    "Thùng thư công cộng": "Thùng thư",
}
_COURIERS = (
    "Chuyển phát nhanh Sông Tiền", "Giao nhận Miệt Vườn", "Chuyển phát Mê Kông Xanh",
    "Giao hàng Chín Rồng",
)
_POSTAL_EDGE_MARGIN_M = 30.0
_N_DMS = 5  # rows whose lon/lat are written in degrees-minutes-seconds


def make_post_offices(communes: gpd.GeoDataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Postal points: 172 of the counted types plus 8 private courier offices.

    Parameters
    ----------
    communes
        Output of :func:`~ictgis.demo.geometry.make_communes`.
    rng
        Random stream.

    Returns
    -------
    pandas.DataFrame
        Plain table with lon/lat text (7 decimals; five rows in DMS), WGS 84 via EPSG:6960.
    """
    where = _postal_communes(communes, rng)
    kind = np.repeat(list(_POSTAL_MIX), [len(w) for w in where.values()])
    idx = np.concatenate(list(where.values()))
    inner = shapely.buffer(communes.geometry.to_numpy(), -_POSTAL_EDGE_MARGIN_M)
    x, y = random_points_in(inner[idx], rng)
    lon, lat = vn2000_to_wgs84().transform(x, y)
    lon_txt, lat_txt = lonlat_text(lon), lonlat_text(lat)
    dms = rng.choice(len(idx), _N_DMS, replace=False)
    lon_txt[dms] = _dms(lon[dms], "E")
    lat_txt[dms] = _dms(lat[dms], "N")
    return pd.DataFrame({
        "ma_diem": [f"BC{k:04d}" for k in range(1, len(idx) + 1)],
        "ten_diem": _postal_names(kind, idx, communes, rng),
        "loai_diem": kind,
        "xa_phuong": communes["ten_xa"].to_numpy()[idx],
        "kinh_do": lon_txt.astype(str),
        "vi_do": lat_txt.astype(str),
        "ghi_chu": SYNTHETIC_LABEL,
    })


def _postal_communes(communes: gpd.GeoDataFrame, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Row positions of the commune of every postal point, by point type."""
    centre = centre_communes(communes)
    pop = communes["dan_so"].to_numpy(dtype=float)
    urban = np.flatnonzero((communes["loai"] != "xa").to_numpy())
    xa = np.flatnonzero((communes["loai"] == "xa").to_numpy())
    others = np.setdiff1d(np.arange(len(communes)), centre)

    def pick(pool: np.ndarray, n: int, *, replace: bool = False) -> np.ndarray:
        return np.sort(rng.choice(pool, n, replace=replace, p=pop[pool] / pop[pool].sum()))

    n = _POSTAL_MIX
    return {
        "Bưu cục cấp 1": centre[:1],
        "Bưu cục cấp 2": centre[1:],
        "Bưu cục cấp 3": pick(others, n["Bưu cục cấp 3"]),
        "Bưu cục phát": pick(urban, n["Bưu cục phát"]),
        "Điểm BĐ-VHX": np.sort(rng.choice(xa, n["Điểm BĐ-VHX"], replace=False)),
        "Đại lý bưu chính": pick(np.arange(len(communes)), n["Đại lý bưu chính"], replace=True),
        "Thùng thư công cộng": pick(urban, n["Thùng thư công cộng"], replace=True),
        "Văn phòng chuyển phát tư nhân": pick(
            urban, n["Văn phòng chuyển phát tư nhân"], replace=True),
    }


def _postal_names(
    kind: np.ndarray, idx: np.ndarray, communes: gpd.GeoDataFrame, rng: np.random.Generator
) -> np.ndarray:
    """Point names: a type word and the place (the district for bưu cục cấp 1 and 2)."""
    commune = communes["ten_xa"].str.replace(COMMUNE_PREFIX, "", regex=True).to_numpy()[idx]
    district = communes["huyen"].to_numpy()[idx]
    place = np.where(kind == "Bưu cục cấp 2",
                     [name[:1].lower() + name[1:] for name in district], commune)
    short = pd.Series(district).str.replace(_DISTRICT_PREFIX, "", regex=True).to_numpy()
    place = np.where(kind == "Bưu cục cấp 1", short, place)
    word = pd.Series(kind).map(_POSTAL_NAME).to_numpy()
    courier = pd.isna(word)
    word[courier] = rng.choice(np.array(_COURIERS), courier.sum())
    return np.array([f"{w} {p}" for w, p in zip(word, place, strict=True)])


def _dms(values: np.ndarray, hemisphere: str) -> list[str]:
    """Degrees-minutes-seconds text (hundredths of a second): ``106°21'36.52"E``."""
    centi = np.round(np.abs(values) * 360_000).astype(np.int64)
    deg, rest = np.divmod(centi, 360_000)
    minute, cs = np.divmod(rest, 6_000)
    return [f"{d}°{m:02d}'{c // 100:02d}.{c % 100:02d}\"{hemisphere}"
            for d, m, c in zip(deg, minute, cs, strict=True)]
