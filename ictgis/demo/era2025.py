"""The demo province after the 2025 reform: two tiers, merged communes, a crosswalk (SYNTHETIC).

The legacy demo (:func:`~ictgis.demo.province.make_demo`, 172 communes in 11 districts) is
the former era. Its communes are merged as in NQ 1663/NQ-UBTVQH15 for Tiền Giang (DOMAIN.md
§7): each new commune is formed whole from 2-4 former communes of one former district; a
new commune is a phường when most of its former communes were phường, the island district
becomes one đặc khu, the others are xã. The new commune keeps the smallest former code.

:func:`workspace_files_2025` writes the 2025 workspace (communes without district,
population and subscribers by former commune re-based through the crosswalk, regions by
former district) and, under :data:`FORMER_FOLDER`, the legacy workspace, so that both eras
and ``ictgis report --compare`` across them can be tried at once.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ictgis.demo.common import DEMO_CONFIG, SYNTHETIC_LABEL
from ictgis.demo.province import DemoProvince, workspace_files

#: Folder of the former era's workspace inside the 2025 demo.
FORMER_FOLDER = "before_2025"

#: The district whose communes become one special zone (đặc khu) in the demo.
SPECIAL_ZONE_DISTRICT = "Huyện Tân Phú Đông"

# input vocabulary, not display text: the name prefix of each new kind (as in the layer)
_PREFIX = {"phuong": "Phường", "xa": "Xã", "dac_khu": "Đặc khu"}

_SIZES = (3, 2, 4, 3)  # former communes per new commune, in turn

# input vocabulary, not display text: district-level prefixes of the legacy demo
_DISTRICT_PREFIXES = ("Thành phố ", "Thị xã ", "Huyện ")


def _without_prefix(district: str) -> str:
    """"Thành phố Mỹ Tho" -> "Mỹ Tho"."""
    for prefix in _DISTRICT_PREFIXES:
        if district.startswith(prefix):
            return district.removeprefix(prefix)
    return district


def merge_plan(communes: pd.DataFrame) -> pd.DataFrame:
    """Former commune -> new commune: code, name and kind of each (the crosswalk rows).

    Parameters
    ----------
    communes
        The legacy demo's communes (``ma_xa``, ``ten_xa``, ``loai``, ``huyen``).

    Returns
    -------
    pandas.DataFrame
        One row per former commune: ``ma_xa_cu``, ``ten_xa_cu``, ``huyen_cu``, ``ma_xa_moi``,
        ``ten_xa_moi``, ``loai_moi``, ``quan_he`` (always ``whole``), ``ghi_chu``.
    """
    rows = []
    names: set[str] = set()
    for district, members in communes.sort_values("ma_xa").groupby("huyen", sort=False):
        members = members.reset_index(drop=True)
        if district == SPECIAL_ZONE_DISTRICT:
            groups = [np.arange(len(members))]
        else:
            groups, start, turn = [], 0, 0
            while start < len(members):
                size = _SIZES[turn % len(_SIZES)]
                if len(members) - start - size == 1:  # never leave one alone
                    size += 1 if size < 4 else -1
                groups.append(np.arange(start, min(start + size, len(members))))
                start, turn = start + size, turn + 1
        for i, index in enumerate(groups):
            part = members.iloc[index]
            if district == SPECIAL_ZONE_DISTRICT:
                kind = "dac_khu"
            else:
                kind = "phuong" if (part["loai"] == "phuong").mean() > 0.5 else "xa"
            base = _without_prefix(str(district))
            first = str(part["ten_xa"].iloc[0])
            stem = base if kind != "xa" or first[-1].isdigit() else first.split(" ", 1)[1]
            name = f"{_PREFIX[kind]} {stem}"
            if name in names:
                name = f"{name} {i + 1}"
            names.add(name)
            code = str(part["ma_xa"].min())
            rows += [{"ma_xa_cu": r.ma_xa, "ten_xa_cu": r.ten_xa, "huyen_cu": r.huyen,
                      "ma_xa_moi": code, "ten_xa_moi": name, "loai_moi": kind,
                      "quan_he": "whole", "ghi_chu": SYNTHETIC_LABEL}
                     for r in part.itertuples()]
    return pd.DataFrame(rows)


def communes_2025(communes: gpd.GeoDataFrame, plan: pd.DataFrame) -> gpd.GeoDataFrame:
    """The new communes: the union of their former communes' polygons, no district."""
    target = communes["ma_xa"].map(plan.set_index("ma_xa_cu")["ma_xa_moi"])
    shapes = gpd.GeoSeries(communes.geometry.to_numpy(), crs=communes.crs).groupby(
        target.to_numpy()).agg(lambda g: shapely.union_all(np.asarray(g, dtype=object)))
    labels = plan.drop_duplicates("ma_xa_moi").set_index("ma_xa_moi")
    out = pd.DataFrame({"ma_xa": shapes.index, "ten_xa": labels.loc[shapes.index,
                                                                     "ten_xa_moi"].to_numpy(),
                        "loai": labels.loc[shapes.index, "loai_moi"].to_numpy(),
                        "ghi_chu": SYNTHETIC_LABEL})
    return gpd.GeoDataFrame(out, geometry=shapes.to_numpy(), crs=communes.crs)


def config_2025() -> str:
    """The 2025 workspace's ``ictgis.toml``: the legacy demo's, in two tiers with a crosswalk."""
    text = DEMO_CONFIG
    edits = (
        ("# ictgis workspace: SYNTHETIC demo province with Tiền Giang's structure.",
         "# ictgis workspace: SYNTHETIC demo province after the 2025 reform (two tiers, merged\n"
         "# communes); the former era is in before_2025/, linked by layers/crosswalk.csv."),
        ('name = "Tiền Giang (synthetic demo)"',
         'name = "Tiền Giang cũ, tỉnh Đồng Tháp (synthetic demo, 2025 units)"'),
        ('urban_kinds = ["phuong", "thi_tran"]\nregion_by = "district"     # or "commune"; '
         'which unit names [regions] lists',
         'tiers = 2                  # province and commune: no district since 01/07/2025\n'
         'urban_kinds = ["phuong"]   # xã and đặc khu are rural\n'
         'region_by = "district"     # the former districts, through [layers.crosswalk]'),
        ('kind = "loai"\ndistrict = "huyen"\npopulation = "dan_so"\n',
         'kind = "loai"\n\n'
         '[layers.crosswalk]\npath = "layers/crosswalk.csv"\n[layers.crosswalk.fields]\n'
         'former_code = "ma_xa_cu"\nformer_name = "ten_xa_cu"\nformer_district = "huyen_cu"\n'
         'code = "ma_xa_moi"\nname = "ten_xa_moi"\nkind = "loai_moi"\nrelation = "quan_he"\n\n'
         '[layers.population]              # the census, by former commune\n'
         'path = "layers/population_by_former_commune.csv"\nby = "code"\nera = "former"\n'
         '[layers.population.fields]\ncode = "ma_xa"\npopulation = "dan_so"\n'),
        ('path = "layers/subscribers.csv"\nby = "commune"\n',
         'path = "layers/subscribers.csv"\nby = "commune"\nera = "former"           '
         '# by former commune, re-based through the crosswalk\n'),
        ('type = "loai_diem"\ncommune = "xa_phuong"\n', 'type = "loai_diem"\n'),
        ('status = "trang_thai"\ncommune = "xa_phuong"\n', 'status = "trang_thai"\n'),
    )
    for old, new in edits:
        if old not in text:
            msg = f"the demo config has changed: {old!r} not found"
            raise AssertionError(msg)
        text = text.replace(old, new, 1)
    return text


def workspace_files_2025(province: DemoProvince) -> dict[str, pd.DataFrame | str]:
    """The files of the 2025 demo workspace, and the former era's under :data:`FORMER_FOLDER`.

    Returns
    -------
    dict
        Relative path -> content, as :func:`~ictgis.demo.province.workspace_files`.
    """
    former = workspace_files(province)
    plan = merge_plan(province.communes)
    files: dict[str, pd.DataFrame | str] = {f"{FORMER_FOLDER}/{k}": v for k, v in former.items()}
    current = {k: v for k, v in former.items() if k not in ("ictgis.toml",)}
    current["boundaries/communes.gpkg"] = communes_2025(province.communes, plan)
    current["layers/crosswalk.csv"] = plan
    current["layers/population_by_former_commune.csv"] = pd.DataFrame(
        province.communes[["ma_xa", "ten_xa", "dan_so", "ghi_chu"]])
    current["ictgis.toml"] = config_2025()
    return files | current
