"""Path-loss models: Okumura-Hata, COST-231 Hata, free space; sector patterns; validity ranges.

In the Hata family the environment (urban large/small city, suburban, open) changes the loss
by a constant that does not depend on distance (:func:`environment_correction`), which is what
lets :mod:`ictgis.coverage.kernels` stamp one kernel per transmitter and apply the environment
per pixel afterwards.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Mapping
from functools import lru_cache

import numpy as np

from ictgis.i18n import Message, current, plain_number, t

logger = logging.getLogger(__name__)

#: Validity of the models (DOMAIN.md §4.1-4.2): f in MHz, heights in m, d in km.
HATA_RANGE_MHZ = (150.0, 1500.0)
COST231_RANGE_MHZ = (1500.0, 2000.0)
#: COST-231 is used, with a warning, up to this frequency (2100 MHz 3G is common practice).
COST231_EXTRAPOLATE_MHZ = 2200.0
BASE_HEIGHT_RANGE_M = (30.0, 200.0)
MOBILE_HEIGHT_RANGE_M = (1.0, 10.0)
DISTANCE_RANGE_KM = (1.0, 20.0)

ENV_CODES: Mapping[str, int] = {"urban_large": 0, "urban": 1, "suburban": 2, "open": 3}


class ModelRangeWarning(UserWarning):
    """A model is used outside the parameter range it was fitted on."""


# --------------------------------------------------------------------------------- models


def model_name(frequency_mhz: float) -> str:
    """The model used at a frequency: ``hata`` or ``cost231``.

    Raises
    ------
    ValueError
        Below 150 MHz or above 2200 MHz (use ``free_space_loss`` there).
    """
    if HATA_RANGE_MHZ[0] <= frequency_mhz <= HATA_RANGE_MHZ[1]:
        return "hata"
    if COST231_RANGE_MHZ[0] < frequency_mhz <= COST231_EXTRAPOLATE_MHZ:
        if frequency_mhz > COST231_RANGE_MHZ[1]:
            warnings.warn(_extrapolated(frequency_mhz, current()), ModelRangeWarning,
                          stacklevel=2)
        return "cost231"
    msg = t("coverage.error.no_model", frequency=plain_number(frequency_mhz),
            hata_low=plain_number(HATA_RANGE_MHZ[0]),
            hata_high=plain_number(HATA_RANGE_MHZ[1]),
            top=plain_number(COST231_EXTRAPOLATE_MHZ))
    raise ValueError(msg)


@lru_cache(maxsize=64)
def _extrapolated(frequency_mhz: float, lang: str) -> Message:
    """The warning of a COST-231 frequency above its fitted range, made once per language.

    :func:`model_name` is called once per distinct antenna height of a technology (about a
    thousand in the demo): formatting the message each time cost 30 times the model itself.
    """
    return t("coverage.warning.extrapolated", lang=lang,
             frequency=plain_number(frequency_mhz, lang=lang),
             fitted=plain_number(COST231_RANGE_MHZ[1], lang=lang))


def mobile_correction(frequency_mhz: float, mobile_height_m: float, *, large_city: bool = False
                      ) -> float:
    """a(h_m) in dB: small/medium city, or large city (8.29/3.2 forms by frequency)."""
    lf = np.log10(frequency_mhz)
    if not large_city:
        return float((1.1 * lf - 0.7) * mobile_height_m - (1.56 * lf - 0.8))
    if frequency_mhz <= 200:
        return float(8.29 * np.log10(1.54 * mobile_height_m) ** 2 - 1.1)
    return float(3.2 * np.log10(11.75 * mobile_height_m) ** 2 - 4.97)


def environment_correction(frequency_mhz: float, mobile_height_m: float, environment: str
                           ) -> float:
    """E_env in dB: the environment's loss minus the urban (small/medium city) loss.

    Suburban and open use the Hata conversions (also for COST-231, DOMAIN.md §4.2); a large
    city uses the large-city a(h_m), plus C_m = 3 dB under COST-231.
    """
    lf = np.log10(frequency_mhz)
    if environment == "urban":
        return 0.0
    if environment == "urban_large":
        extra = 3.0 if frequency_mhz > HATA_RANGE_MHZ[1] else 0.0
        return (mobile_correction(frequency_mhz, mobile_height_m)
                - mobile_correction(frequency_mhz, mobile_height_m, large_city=True) + extra)
    if environment == "suburban":
        return float(-2 * np.log10(frequency_mhz / 28) ** 2 - 5.4)
    if environment == "open":
        return float(-4.78 * lf ** 2 + 18.33 * lf - 40.94)
    msg = t("coverage.error.environment", environment=environment, choices=", ".join(ENV_CODES))
    raise ValueError(msg)


def hata_coefficients(frequency_mhz: float, base_height_m: float, mobile_height_m: float
                      ) -> tuple[float, float]:
    """(A, B) with L_urban(d) = A + B log10(d km), small/medium city, for the frequency's model."""
    lf, lh = np.log10(frequency_mhz), np.log10(base_height_m)
    a_hm = mobile_correction(frequency_mhz, mobile_height_m)
    if model_name(frequency_mhz) == "hata":
        a = 69.55 + 26.16 * lf - 13.82 * lh - a_hm
    else:
        a = 46.3 + 33.9 * lf - 13.82 * lh - a_hm
    return float(a), float(44.9 - 6.55 * lh)


def path_loss(distance_km: np.ndarray | float, *, frequency_mhz: float, base_height_m: float,
              mobile_height_m: float = 1.5, environment: str = "urban") -> np.ndarray:
    """Median path loss in dB of the Hata family (Okumura-Hata or COST-231 by frequency).

    Parameters
    ----------
    distance_km
        Distance(s) in km; outside 1-20 km the formula is extrapolated (with a warning).
    frequency_mhz
        150-1500 MHz: Okumura-Hata; 1500-2000 MHz: COST-231 (to 2200 MHz with a warning).
    base_height_m, mobile_height_m
        Antenna heights; outside 30-200 m and 1-10 m with a warning.
    environment
        ``urban_large``, ``urban`` (small/medium city), ``suburban`` or ``open``.

    Examples
    --------
    >>> round(float(path_loss(1.0, frequency_mhz=900, base_height_m=30)), 2)
    126.4
    """
    check_ranges(base_height_m, mobile_height_m, distance_km)
    a, b = hata_coefficients(frequency_mhz, base_height_m, mobile_height_m)
    d = np.asarray(distance_km, dtype=float)
    return a + b * np.log10(d) + environment_correction(frequency_mhz, mobile_height_m,
                                                         environment)


def free_space_loss(distance_km: np.ndarray | float, frequency_mhz: float) -> np.ndarray:
    """Free-space path loss 32.45 + 20 log f(MHz) + 20 log d(km), in dB."""
    d = np.asarray(distance_km, dtype=float)
    return 32.45 + 20 * np.log10(frequency_mhz) + 20 * np.log10(d)


def check_ranges(base_height_m: float, mobile_height_m: float,
                 distance_km: np.ndarray | float | None = None) -> None:
    """Warn (:class:`ModelRangeWarning`) for parameters outside the models' fitted ranges."""
    checks = [("base_height", base_height_m, BASE_HEIGHT_RANGE_M, "m"),
              ("mobile_height", mobile_height_m, MOBILE_HEIGHT_RANGE_M, "m")]
    if distance_km is not None:
        d = np.asarray(distance_km, dtype=float)
        if d.size:
            checks += [("distance", float(d.min()), DISTANCE_RANGE_KM, "km"),
                       ("distance", float(d.max()), DISTANCE_RANGE_KM, "km")]
    for what, value, (low, high), unit in checks:
        if not low <= value <= high:
            warnings.warn(t("coverage.warning.range", what=t(f"coverage.param.{what}"),
                            value=plain_number(value), unit=unit, low=plain_number(low),
                            high=plain_number(high)),
                          ModelRangeWarning, stacklevel=3)


def sector_gain(angle_deg: np.ndarray, azimuth_deg: float, beamwidth_deg: float,
                front_back_db: float) -> np.ndarray:
    """Horizontal pattern relative to boresight: -min(12 (Δθ/θ3dB)², A_m) dB.

    ``angle_deg`` is the bearing from the site (clockwise from north).
    """
    delta = (np.asarray(angle_deg) - azimuth_deg + 180.0) % 360.0 - 180.0
    return -np.minimum(12.0 * (delta / beamwidth_deg) ** 2, front_back_db)


def model_name_quiet(frequency_mhz: float) -> str:
    """:func:`model_name` without its extrapolation warning (for labels)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ModelRangeWarning)
        return model_name(frequency_mhz)
