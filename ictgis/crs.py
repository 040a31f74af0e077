"""Coordinate reference systems: VN-2000 with the official EPSG:6960 datum shift, metric checks."""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache

import geopandas as gpd
import numpy as np
import shapely
from pyproj import CRS, Proj, Transformer
from pyproj.exceptions import CRSError
from pyproj.transformer import TransformerGroup

from ictgis.errors import ConfigError, CRSMismatchError, DataError
from ictgis.i18n import t

#: VN-2000 / TM-3 105-45, the metric CRS of Tiền Giang's cadastral and planning data.
DEFAULT_CRS = "EPSG:9210"

#: Name fragment of EPSG:6960 "VN-2000 to WGS 84 (2)", the official QĐ 05/2007/QĐ-BTNMT shift.
OFFICIAL_VN2000_OPERATION = "VN-2000 to WGS 84 (2)"

#: Legacy PROJ string of EPSG:9210 bound to the official shift (rotation signs flipped for the
#: Position-Vector convention of ``+towgs84``; DOMAIN.md §5.4).
VN2000_TM3_10545_PROJ4 = (
    "+proj=tmerc +lat_0=0 +lon_0=105.75 +k=0.9999 +x_0=500000 +y_0=0 +ellps=WGS84 "
    "+towgs84=-191.90441429,-39.30318279,-111.45032835,0.00928836,-0.01975479,0.00427372,"
    "0.252906278 +units=m +no_defs"
)


def parse_crs(value: object, *, where: str) -> CRS:
    """Parse a CRS given in a config or a file.

    Parameters
    ----------
    value
        Anything :meth:`pyproj.CRS.from_user_input` accepts ("EPSG:9210", 9210, WKT, PROJ).
    where
        Where the value came from, for the error message (e.g. ``"ictgis.toml: [province] crs"``).

    Raises
    ------
    ConfigError
        If the value is not a CRS.
    """
    try:
        return CRS.from_user_input(value)
    except CRSError as exc:
        msg = t("errors.crs.invalid", where=where, value=value, error=exc)
        raise ConfigError(msg) from None


def require_metric(gdf: gpd.GeoDataFrame, name: str) -> None:
    """Raise unless ``gdf`` has a projected CRS in metres.

    Parameters
    ----------
    gdf
        The layer to check.
    name
        The layer's name, for the message.

    Raises
    ------
    DataError
        If the CRS is missing, geographic or not in metres.
    """
    crs = gdf.crs
    if crs is None:
        msg = t("errors.crs.missing", name=name)
        raise DataError(msg)
    unit = crs.axis_info[0].unit_name if crs.axis_info else ""
    if not crs.is_projected or unit not in {"metre", "meter"}:
        msg = t("errors.crs.not_metric", name=name, crs=crs.name)
        raise DataError(msg)


def require_same_crs(left: gpd.GeoDataFrame, right: gpd.GeoDataFrame, names: tuple[str, str]) -> None:
    """Raise :class:`CRSMismatchError` unless both layers share one CRS."""
    if left.crs is None or right.crs is None or not left.crs.equals(right.crs):
        left_name = left.crs.name if left.crs else t("errors.crs.none")
        right_name = right.crs.name if right.crs else t("errors.crs.none")
        msg = t("errors.crs.mismatch", left=names[0], left_crs=left_name, right=names[1],
                right_crs=right_name)
        raise CRSMismatchError(msg)


@lru_cache(maxsize=64)
def _transformer(src_wkt: str, dst_wkt: str) -> Transformer:
    src, dst = CRS.from_wkt(src_wkt), CRS.from_wkt(dst_wkt)
    group = TransformerGroup(src, dst, always_xy=True)
    official = [t for t in group.transformers if OFFICIAL_VN2000_OPERATION in t.description]
    if official:
        return official[0]
    return Transformer.from_crs(src, dst, always_xy=True)


def transformer(src: CRS | str | int, dst: CRS | str | int) -> Transformer:
    """Return the transformer ictgis uses from ``src`` to ``dst`` (x/y = lon/lat order).

    Wherever the operation crosses the VN-2000 datum, the official EPSG:6960 shift is used
    explicitly; PROJ would pick the academic EPSG:5194 inside the Mekong delta, 0.8 m away.
    """
    return _transformer(CRS.from_user_input(src).to_wkt(), CRS.from_user_input(dst).to_wkt())


def to_crs(gdf: gpd.GeoDataFrame, dst: CRS | str | int) -> gpd.GeoDataFrame:
    """Reproject ``gdf`` to ``dst`` with :func:`transformer` (official VN-2000 shift).

    Parameters
    ----------
    gdf
        Layer with a CRS.
    dst
        Target CRS.

    Returns
    -------
    geopandas.GeoDataFrame
        A new frame in ``dst``; ``gdf`` is not modified.
    """
    dst_crs = CRS.from_user_input(dst)
    if gdf.crs is None:
        msg = t("errors.crs.cannot_reproject")
        raise DataError(msg)
    if gdf.crs.equals(dst_crs):
        return gdf.copy()
    trans = transformer(gdf.crs, dst_crs)

    def _apply(coords: np.ndarray) -> np.ndarray:
        x, y = trans.transform(coords[:, 0], coords[:, 1])
        return np.column_stack([x, y])

    geoms = shapely.transform(gdf.geometry.array, _apply)
    out = gdf.copy()
    out = out.set_geometry(gpd.GeoSeries(geoms, index=gdf.index, crs=dst_crs), crs=dst_crs)
    return out


def transform_xy(
    x: np.ndarray, y: np.ndarray, src: CRS | str | int, dst: CRS | str | int
) -> tuple[np.ndarray, np.ndarray]:
    """Transform coordinate arrays (lon/lat order for geographic CRSs) with :func:`transformer`."""
    return transformer(src, dst).transform(np.asarray(x, float), np.asarray(y, float))


def check_crs_name(value: str, *, where: str) -> str:
    """Validate a CRS string from the config and return it unchanged."""
    crs = parse_crs(value, where=where)
    unit = crs.axis_info[0].unit_name if crs.axis_info else ""
    if not crs.is_projected or unit not in {"metre", "meter"}:
        msg = (t("errors.crs.work_geographic", where=where, value=value, crs=crs.name)
               if not crs.is_projected else
               t("errors.crs.work_unit", where=where, value=value, crs=crs.name, unit=unit))
        raise ConfigError(msg)
    return value


#: CRSs tried when a layer's coordinates do not fit its declared CRS: WGS 84, then the
#: VN-2000 TM-3 provincial zones (DOMAIN.md §5.3; 6956-6959 are deprecated duplicates) and
#: the VN-2000 UTM zones.
CANDIDATE_CRS: tuple[int, ...] = (4326, *range(9205, 9219), *range(5896, 5900), 3405, 3406)

#: Longitude/latitude box (degrees) that holds Vietnam with its islands: a commune layer
#: entirely outside it cannot be in the CRS it declares.
VIETNAM_BOUNDS = (100.0, 4.0, 120.0, 25.0)


def label(crs: CRS | str | int) -> str:
    """``EPSG:9210 (VN-2000 / TM-3 105°45′)``: the code and the name, meridians in degrees."""
    value = CRS.from_user_input(crs)
    code = value.to_epsg()
    name = re.sub(r"TM-3 (\d+)-(\d+)$", r"TM-3 \1°\2′", value.name)
    return f"EPSG:{code} ({name})" if code else name


def code(crs: CRS | str | int) -> str:
    """``EPSG:9210``, or the CRS as WKT when it has no EPSG code."""
    value = CRS.from_user_input(crs)
    epsg = value.to_epsg()
    return f"EPSG:{epsg}" if epsg else value.to_wkt()


def impossible(x: np.ndarray, y: np.ndarray, crs: CRS | str | int) -> np.ndarray:
    """Coordinates that cannot be in ``crs``: not finite, or beyond ±180°/±90° in degrees.

    Returns
    -------
    numpy.ndarray
        Boolean, aligned with ``x``.
    """
    x, y = np.asarray(x, float), np.asarray(y, float)
    bad = ~np.isfinite(x) | ~np.isfinite(y)
    if CRS.from_user_input(crs).is_geographic:
        bad |= (np.abs(x) > 180) | (np.abs(y) > 90)
    return bad


def in_vietnam(x: np.ndarray, y: np.ndarray, crs: CRS | str | int) -> np.ndarray:
    """Whether each coordinate of ``crs`` lies in :data:`VIETNAM_BOUNDS` (False if impossible)."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    out = np.zeros(len(x), dtype=bool)
    ok = ~impossible(x, y, crs)
    if ok.any():
        with np.errstate(invalid="ignore"):
            lon, lat = transform_xy(x[ok], y[ok], crs, 4326)
        west, south, east, north = VIETNAM_BOUNDS
        out[ok] = (lon >= west) & (lon <= east) & (lat >= south) & (lat <= north)
    return out


def candidates(near: tuple[float, float] | None = None) -> list[CRS]:
    """The CRSs of :data:`CANDIDATE_CRS` to try, those of a place first when ``near`` is given.

    Parameters
    ----------
    near
        Longitude and latitude (degrees) of the province: only WGS 84 and the zones whose
        EPSG area of use holds it are returned (all of them when none does).
    """
    found = [CRS.from_epsg(c) for c in CANDIDATE_CRS]
    if near is None:
        return found
    lon, lat = near

    def _holds(crs: CRS) -> bool:
        area = crs.area_of_use
        return area is not None and area.west <= lon <= area.east and (
            area.south <= lat <= area.north)

    local = [c for c in found if c.is_geographic or _holds(c)]
    return local if len(local) > 1 else found


def best_fit(tried: list[CRS], score: Callable[[CRS], float], *, minimum: float
             ) -> CRS | None:
    """The CRS of ``tried`` with the highest score, if it reaches ``minimum`` (first on ties).

    Parameters
    ----------
    tried
        CRSs in order of preference.
    score
        Share (0-1) of the layer that falls where it should when read in a CRS.
    minimum
        The least share that counts as a fit (above 0).
    """
    best, best_score = None, 0.0
    for crs in tried:
        value = score(crs)
        if value > best_score:
            best, best_score = crs, value
    return best if best is not None and best_score >= minimum else None


#: Albers equal-area conic over Vietnam on the VN-2000 datum (standard parallels 11° and 21° N,
#: origin 16° N 106° E): the areas of a national workspace (equal-area: exact for any province,
#: east or west; one transverse Mercator across the country overstates areas by ~0.4-0.5 % at
#: its edges).
EQUAL_AREA_PARAMETERS = {"latitude_first_parallel": 11.0, "latitude_second_parallel": 21.0,
                         "latitude_false_origin": 16.0, "longitude_false_origin": 106.0}


@lru_cache(maxsize=1)
def equal_area_crs() -> CRS:
    """The Albers equal-area CRS of :data:`EQUAL_AREA_PARAMETERS` (VN-2000 geographic base)."""
    from pyproj.crs import ProjectedCRS
    from pyproj.crs.coordinate_operation import AlbersEqualAreaConversion

    return ProjectedCRS(conversion=AlbersEqualAreaConversion(**EQUAL_AREA_PARAMETERS),
                        geodetic_crs=CRS.from_epsg(4756))


def areas_km2(gdf: gpd.GeoDataFrame) -> np.ndarray:
    """Area of every polygon of ``gdf`` on the ellipsoid, km².

    Right for a province or the whole country whatever the layer's own projected CRS. In a
    projected CRS, each polygon's plane area is divided by the projection's areal scale at
    its centroid (``pyproj.Proj.get_factors``), the area an equal-area CRS would give without
    reprojecting a vertex. The scale varies inside a polygon, smoothly; at its centroid the
    first-order term of that variation integrates to zero, and the second-order term is
    about var(x)/R²: 2e-5 for a polygon 100 km wide in a transverse Mercator, whatever its
    distance from the central meridian. A geographic layer is reprojected to
    :func:`equal_area_crs`. The error left in both cases is that of straight edges (a few
    ppm for edges of a few hundred metres).

    Parameters
    ----------
    gdf
        Polygons with a CRS.

    Returns
    -------
    numpy.ndarray
        Areas, km², aligned with ``gdf`` (NaN for a missing geometry).
    """
    crs = CRS.from_user_input(gdf.crs)
    if not crs.is_projected:
        return np.asarray(to_crs(gdf[[gdf.geometry.name]], equal_area_crs()).geometry.area) / 1e6
    geoms = np.asarray(gdf.geometry.array, dtype=object)
    plane = shapely.area(geoms)
    centre = shapely.get_coordinates(shapely.centroid(geoms[plane > 0]))
    scale = np.ones(len(geoms))
    if len(centre):
        lon, lat = _inverse(crs).transform(centre[:, 0], centre[:, 1])
        scale[plane > 0] = Proj(crs).get_factors(lon, lat).areal_scale
    return plane / scale / 1e6


@lru_cache(maxsize=8)
def _inverse(crs: CRS) -> Transformer:
    """Projected coordinates of ``crs`` to longitude/latitude on its own geodetic CRS."""
    return Transformer.from_crs(crs, crs.geodetic_crs, always_xy=True)
