"""Radio coverage: path-loss models, best-server rasters by kernel stamping, population coverage.

The models (docs/coverage.md) are Okumura-Hata (150-1500 MHz), COST-231 Hata (1500-2000 MHz,
used with a warning slightly beyond, e.g. 2100 MHz) and free space. In the Hata family the
environment (urban large/small city, suburban, open) changes the loss by a constant that does
not depend on distance, so a received level is::

    level(pixel) = max over sites [EIRP_s + G_s(θ) - L_urban(d; f, h_b)] - E_env(pixel)

The bracket depends only on a site's parameters and on the offset to the pixel, and is
stamped with ``numpy.maximum`` into the raster, tile by tile; the environment correction is
applied once per pixel afterwards. Each transmitter is evaluated at its true position and
antenna height: exactly in a *near zone* (:data:`NEAR_ZONE_M` round its pixel, a small
square computed per site), and beyond it from a *kernel* shared by the transmitters of a
height class (:data:`HEIGHT_LOG_STEP`) placed on the centre of the site's pixel, where the
≤ res/√2 of snapping costs little (≤ 0.3 dB from 2 km at 50 m pixels). Against an exact
evaluation at every pixel centre this keeps ≤ 0.5 dB (docs/coverage.md gives the measured
errors and the cost); ``tests/test_coverage.py`` checks it against a slow reference.

Modules: :mod:`~ictgis.coverage.models` (path loss, validity ranges, sector pattern),
:mod:`~ictgis.coverage.grid` (the raster grid, level encoding), :mod:`~ictgis.coverage.kernels`
(transmitters, kernels, stamping), :mod:`~ictgis.coverage.population` (communes and people on
the grid), :mod:`~ictgis.coverage.compute` (a whole run), :mod:`~ictgis.coverage.summaries`
(tables by level, uncovered areas, headers and raster tags).
"""

from ictgis.coverage.compute import CoverageResult, TileResult, TileTask, compute_coverage, run_tile
from ictgis.coverage.grid import CENTI_DB, EMPTY, MAX_PIXELS, NODATA, Grid, Window, province_grid
from ictgis.coverage.kernels import (
    HEIGHT_LOG_STEP,
    MIN_HEIGHT_M,
    NEAR_ZONE_M,
    KernelCache,
    Params,
    Transmitters,
    antenna_heights,
    classify,
    covered_mask,
    environment_tile,
    far_key,
    reach_px,
    received_level,
    stamp_tile,
    to_db,
    transmitters,
)
from ictgis.coverage.models import (
    BASE_HEIGHT_RANGE_M,
    COST231_EXTRAPOLATE_MHZ,
    COST231_RANGE_MHZ,
    DISTANCE_RANGE_KM,
    ENV_CODES,
    HATA_RANGE_MHZ,
    MOBILE_HEIGHT_RANGE_M,
    ModelRangeWarning,
    check_ranges,
    environment_correction,
    free_space_loss,
    hata_coefficients,
    mobile_correction,
    model_name,
    model_name_quiet,
    path_loss,
    sector_gain,
)
from ictgis.coverage.population import (
    Overrides,
    people_tile,
    population_scale,
    rasterize_communes,
    rasterize_window,
    spread_population,
)
from ictgis.coverage.summaries import (
    GapMerger,
    GapTile,
    coverage_levels,
    gap_tile,
    headers,
    raster_tags,
    uncovered_areas,
)

__all__ = [
    "BASE_HEIGHT_RANGE_M", "CENTI_DB", "COST231_EXTRAPOLATE_MHZ", "COST231_RANGE_MHZ",
    "DISTANCE_RANGE_KM", "EMPTY", "ENV_CODES", "HATA_RANGE_MHZ", "HEIGHT_LOG_STEP", "MAX_PIXELS",
    "MIN_HEIGHT_M", "MOBILE_HEIGHT_RANGE_M", "NEAR_ZONE_M", "NODATA", "CoverageResult", "Grid",
    "KernelCache", "ModelRangeWarning", "Params", "Transmitters", "antenna_heights", "check_ranges",
    "classify", "covered_mask", "compute_coverage", "coverage_levels", "environment_correction",
    "environment_tile",
    "far_key", "free_space_loss", "hata_coefficients", "headers", "mobile_correction", "model_name",
    "model_name_quiet", "path_loss", "province_grid", "raster_tags", "rasterize_communes",
    "reach_px", "received_level", "sector_gain", "spread_population", "stamp_tile", "to_db",
    "transmitters", "uncovered_areas",
    "GapMerger", "GapTile", "Overrides", "TileResult", "TileTask", "Window", "gap_tile",
    "people_tile", "population_scale", "rasterize_window", "run_tile",
]
