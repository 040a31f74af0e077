"""The synthetic demo province with Tiền Giang's structure (2018), assembled from its layers."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd

from ictgis.demo.bts import make_bts
from ictgis.demo.common import DEMO_CONFIG
from ictgis.demo.drivetest import demo_drivetest
from ictgis.demo.examples import make_siting_examples
from ictgis.demo.geometry import make_communes
from ictgis.demo.plan import make_plan_layers
from ictgis.demo.postal import make_post_offices
from ictgis.demo.rules import make_rules
from ictgis.demo.subscribers import make_subscribers

#: Seed of the demo workspace shipped with the repository.
DEMO_SEED: int = 2018


@dataclass(frozen=True, eq=False)
class DemoProvince:
    """The synthetic demo province.

    Attributes
    ----------
    communes
        172 commune polygons in EPSG:9210: ``ma_xa``, ``ten_xa``, ``loai``, ``huyen``,
        ``dan_so``, ``ghi_chu``, geometry.
    post_offices
        Postal points in WGS 84 (text lon/lat, a few in DMS): ``ma_diem``, ``ten_diem``,
        ``loai_diem``, ``xa_phuong``, ``kinh_do``, ``vi_do``, ``ghi_chu``.
    bts
        BTS sites in VN-2000 (``toa_do_x`` northing, ``toa_do_y`` easting): ``ma_tram``,
        ``nha_mang``, ``cong_nghe``, ``loai_cot``, ``do_cao_m``, ``trang_thai``,
        ``xa_phuong``, ``toa_do_x``, ``toa_do_y``, ``ghi_chu``. Most keep the plan; a few
        break it on purpose (see :func:`~ictgis.demo.examples.make_siting_examples`).
    subscribers
        One row per commune: ``ma_xa``, ``co_dinh``, ``di_dong_tra_sau``,
        ``di_dong_tra_truoc``, ``internet_co_dinh``, ``internet_di_dong``, ``ghi_chu``.
    zones
        Plan zones in EPSG:9210: ``ma_vung``, ``ten_vung``, ``loai_vung`` (prohibited, A1-only
        or permitted), ``cot_cho_phep`` (allowed classes, ';'-joined; empty: every class),
        ``chieu_cao_toi_da_m`` (NaN: no limit), ``ghi_chu``, geometry. Zones may overlap.
    plan_features
        Buffered plan features in EPSG:9210 (HQ and relic points, A1-only streets): ``ma``,
        ``ten``, ``loai_vung`` (the zone class of the buffer), ``ban_kinh_m``, ``ghi_chu``,
        geometry.
    planned_sites
        Planned mast sites in VN-2000: ``ma_quy_hoach``, ``loai_cot``, ``nha_mang`` (may be
        empty), ``ban_kinh_m`` (NaN: the urban/rural default deviation), ``toa_do_x``
        northing, ``toa_do_y`` easting, ``ghi_chu``.
    proposals
        Proposed new masts in WGS 84 text (via EPSG:6960): ``ma_de_xuat``, ``nha_mang``,
        ``loai_cot``, ``do_cao_m``, ``kinh_do``, ``vi_do``, ``ghi_chu``.
    measurements
        A drive test along the roads in WGS 84 text, from known model offsets
        (:mod:`~ictgis.demo.drivetest`): ``vi_do``, ``kinh_do``, ``nha_mang``, ``cong_nghe``,
        ``muc_thu_dbm``, ``ngay_do``, ``ghi_chu``.
    """

    communes: gpd.GeoDataFrame
    post_offices: pd.DataFrame
    bts: pd.DataFrame
    subscribers: pd.DataFrame
    zones: gpd.GeoDataFrame
    plan_features: gpd.GeoDataFrame
    planned_sites: pd.DataFrame
    proposals: pd.DataFrame
    measurements: pd.DataFrame


def make_demo(seed: int = DEMO_SEED) -> DemoProvince:
    """Build the synthetic demo province.

    Parameters
    ----------
    seed
        Seed of every random choice; the same seed gives identical frames.

    Returns
    -------
    DemoProvince
        Communes (EPSG:9210), postal points (WGS 84 via EPSG:6960), BTS sites (VN-2000
        northing/easting), subscribers per commune, and the passive-infrastructure plan:
        zones and buffered features (EPSG:9210), planned sites (VN-2000) and proposed new
        masts (WGS 84), all labelled synthetic.
    """
    geo, names, people, postal, sites, subs, plan, examples = (
        np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(8)
    )
    communes = make_communes(geo, names, people)
    zones, features = make_plan_layers(communes, plan)
    rules = make_rules(zones, features)
    bts, planned, proposals = make_siting_examples(
        communes, zones, features, rules, make_bts(communes, rules, sites), examples)
    return DemoProvince(
        communes=communes,
        post_offices=make_post_offices(communes, postal),
        bts=bts,
        subscribers=make_subscribers(communes, subs),
        zones=zones,
        plan_features=features,
        planned_sites=planned,
        proposals=proposals,
        measurements=demo_drivetest(bts, communes),
    )


def workspace_files(province: DemoProvince) -> dict[str, pd.DataFrame | str]:
    """The files of a demo workspace, for the module that writes them.

    Parameters
    ----------
    province
        Output of :func:`make_demo`.

    Returns
    -------
    dict
        Relative path -> content: ``ictgis.toml`` -> :data:`~ictgis.demo.common.DEMO_CONFIG`,
        and each layer's ``path`` in that config -> its frame (GeoDataFrame for ``.gpkg``,
        table for ``.csv``).
    """
    layers = tomllib.loads(DEMO_CONFIG)["layers"]
    frames = {name: getattr(province, name)
              for name in ("communes", "post_offices", "bts", "subscribers", "zones",
                           "plan_features", "planned_sites", "proposals", "measurements")}
    return {"ictgis.toml": DEMO_CONFIG} | {layers[k]["path"]: v for k, v in frames.items()}
