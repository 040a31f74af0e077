"""Subscribers per commune of the demo province, calibrated to the 2018 report's densities."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd

from ictgis.demo.common import SYNTHETIC_LABEL, apportion

#: 2018 report densities per 100 inhabitants: (province, xã only); None: no xã target.
_DENSITY = {
    "phone_fixed_postpaid": (6.65, 3.13),
    "phone_all": (102.86, None),
    "internet_co_dinh": (10.85, 2.55),
    "internet_di_dong": (45.0, None),
}
_FIXED_LINE_SHARE = (0.35, 0.55)  # co_dinh / (co_dinh + di_dong_tra_sau), per commune


def make_subscribers(communes: gpd.GeoDataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Subscribers per commune, calibrated to the 2018 report's densities per 100 inhabitants.

    Parameters
    ----------
    communes
        Output of :func:`~ictgis.demo.geometry.make_communes`.
    rng
        Random stream.

    Returns
    -------
    pandas.DataFrame
        One row per commune; the province (and xã-only) densities match the report.
    """
    pop = communes["dan_so"].to_numpy(dtype=np.int64)
    rural = (communes["loai"] == "xa").to_numpy()
    noise = {key: rng.lognormal(0.0, 0.25, len(pop)) for key in _DENSITY}
    fixpost = _calibrated(pop, rural, *_DENSITY["phone_fixed_postpaid"],
                          noise["phone_fixed_postpaid"])
    phone_all = round(_DENSITY["phone_all"][0] * pop.sum() / 100)
    prepaid = apportion(np.array([phone_all - fixpost.sum()]), np.zeros(len(pop), int),
                        pop * noise["phone_all"] * np.where(rural, 1.0, 1.15))
    fixed = np.round(fixpost * rng.uniform(*_FIXED_LINE_SHARE, len(pop))).astype(np.int64)
    mobile_internet = apportion(
        np.array([round(_DENSITY["internet_di_dong"][0] * pop.sum() / 100)]),
        np.zeros(len(pop), int), pop * noise["internet_di_dong"] * np.where(rural, 1.0, 1.3))
    return pd.DataFrame({
        "ma_xa": communes["ma_xa"].to_numpy(),
        "co_dinh": fixed,
        "di_dong_tra_sau": fixpost - fixed,
        "di_dong_tra_truoc": prepaid,
        "internet_co_dinh": _calibrated(pop, rural, *_DENSITY["internet_co_dinh"],
                                        noise["internet_co_dinh"]),
        "internet_di_dong": mobile_internet,
        "ghi_chu": SYNTHETIC_LABEL,
    })


def _calibrated(
    pop: np.ndarray, rural: np.ndarray, province: float, xa: float | None, noise: np.ndarray
) -> np.ndarray:
    """Counts per commune hitting ``province`` per 100 inhabitants overall and ``xa`` over xã.

    Without an xã target the counts follow population (times ``noise``) in one group.
    """
    total = round(province * pop.sum() / 100)
    if xa is None:
        return apportion(np.array([total]), np.zeros(len(pop), int), pop * noise)
    rural_total = round(xa * pop[rural].sum() / 100)
    return apportion(np.array([total - rural_total, rural_total]), rural.astype(int),
                     pop * noise)
