"""Calibration against measurements: match drive-test levels to the model, fit offsets.

A measurement (position, operator, technology, received level in dBm; optionally the site
that served it) is compared with the level the *uncalibrated* model predicts at its exact
position: the best server of that operator and technology (or the named site), evaluated
from each transmitter's true position, antenna height and sector pattern
(:func:`predict`), minus the environment correction of the pixel the measurement falls in.
Not read off a raster: no snapping. With a DEM (``[layers.dem]``) every candidate server's
level includes the terrain term the coverage applies (effective height and diffraction,
:meth:`Terrain.path_correction <ictgis.coverage.terrain.Terrain.path_correction>`, on the
exact profile from the site to the measurement), so the offsets do not absorb the terrain's
mean effect (which the coverage would then count twice).

Per technology × environment class the errors ``measured - predicted`` are fitted by robust
least squares (:func:`fit_group`: ``scipy.optimize.least_squares``, soft-L1 loss) to an
offset, optionally with a slope per decade of distance. The offsets are written to
``calibration.toml`` beside ``ictgis.toml`` (:func:`write_calibration`), which
``ictgis coverage`` applies when present (:func:`load_calibration`,
:func:`~ictgis.coverage.kernels.environment_tile`): in the Hata family the environment
changes the loss by a constant, so an offset per technology × environment fits the design
exactly. docs/coverage.md, "Calibration", gives the method and what to expect.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import math
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ictgis.coverage.kernels import Transmitters, environment_tile, transmitters
from ictgis.coverage.models import ENV_CODES, hata_coefficients, sector_gain
from ictgis.errors import ConfigError, DataError
from ictgis.i18n import number, t

if TYPE_CHECKING:
    import geopandas as gpd

    from ictgis.config import Config, CoverageConfig, LayerConfig
    from ictgis.coverage.grid import Grid
    from ictgis.coverage.terrain import Terrain

logger = logging.getLogger(__name__)

#: The calibration file, beside ictgis.toml (an input: it outlives any outputs folder).
CALIBRATION_TOML = "calibration.toml"
#: Received levels a measurement may have (dBm); others are rejected.
LEVEL_RANGE_DBM = (-140.0, -20.0)
#: Fewest measurements of a technology × environment for an offset to be fitted.
MIN_MEASUREMENTS = 30
#: Confidence of the intervals reported (two-sided).
CONFIDENCE = 0.99
#: Default column names of a measurement file (``[layers.measurements]`` may map others).
DEFAULT_FIELDS: Mapping[str, str] = {"lat": "lat", "lon": "lon", "operator": "operator",
                                     "technology": "technology", "level_dbm": "level_dbm"}
#: Side of the cells (m) in which :func:`predict` leaves out the transmitters that cannot be
#: the best server (an exact bound: the level falls with distance, the pattern by at most
#: ``sector_front_back_db``).
CELL_M = 1000.0
#: Environment names by code.
ENVIRONMENTS: tuple[str, ...] = tuple(sorted(ENV_CODES, key=ENV_CODES.__getitem__))


# ------------------------------------------------------------------------ the calibration


@dataclass(frozen=True)
class Calibration:
    """Offsets (dB) added to the modelled level, by technology and environment.

    Attributes
    ----------
    offsets_db
        ``{technology: {environment: offset}}``; a missing pair is 0 (not calibrated).
    path
        The file it was read from (None: not read from a file).
    sha256
        SHA-256 of that file ("" when not from a file).
    source
        The measurement file the offsets were fitted on, as the header names it.
    terrain_sha256
        SHA-256 of the DEM the fit's predictions included ("": fitted without terrain).
    """

    offsets_db: Mapping[str, Mapping[str, float]]
    path: Path | None = None
    sha256: str = ""
    source: str = ""
    terrain_sha256: str = ""

    def terrain_mismatch(self, dem: Path | None) -> str | None:
        """A warning when the coverage's DEM is not the one the offsets were fitted over.

        Offsets fitted without terrain absorb its mean effect, so applying them over a DEM
        counts it twice (and the other way round); None when the two agree.
        """
        from ictgis import io

        now = io.sha256(dem) if dem is not None else ""
        if now == self.terrain_sha256:
            return None
        name = self.path.name if self.path is not None else CALIBRATION_TOML
        key = ("other" if self.terrain_sha256 else "with") if now else "without"
        return str(t(f"coverage.calibration.warning.terrain_{key}", file=name,
                     dem=dem.name if dem is not None else ""))

    def offsets(self, technology: str) -> np.ndarray:
        """Offsets of one technology by environment code (:data:`ENV_CODES`), 0 where none."""
        given = self.offsets_db.get(technology, {})
        return np.array([given.get(env, 0.0) for env in ENVIRONMENTS], dtype=np.float64)

    def tags(self, technology: str) -> dict[str, object]:
        """What a raster of ``technology`` says about the calibration applied to it."""
        name = self.path.name if self.path is not None else CALIBRATION_TOML
        return {"calibration": f"{name} sha256={self.sha256}",
                "calibration_source": self.source,
                "calibration_offsets_db": dict(self.offsets_db.get(technology, {}))}


def no_calibration_tags() -> dict[str, object]:
    """The raster tags of an uncalibrated run."""
    return {"calibration": str(t("coverage.calibration.tag_none"))}


def load_calibration(root: Path, settings: CoverageConfig) -> Calibration | None:
    """``calibration.toml`` of a workspace folder, or None when there is none.

    Raises
    ------
    ConfigError
        When the file is not TOML, names a technology the workspace does not model or an
        unknown environment, or an offset is not a finite number.
    """
    from ictgis import io

    path = Path(root) / CALIBRATION_TOML
    if not path.is_file():
        return None
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        msg = t("coverage.calibration.error.toml", file=path.name, detail=str(exc))
        raise ConfigError(msg) from None
    table = data.get("offsets_db", {})
    if not isinstance(table, dict):
        table = {"": table}
    offsets: dict[str, dict[str, float]] = {}
    for tech, by_env in table.items():
        if tech not in settings.technologies or not isinstance(by_env, dict):
            msg = t("coverage.calibration.error.technology", file=path.name, technology=tech,
                    choices=", ".join(settings.technologies))
            raise ConfigError(msg)
        for env, value in by_env.items():
            if env not in ENV_CODES:
                msg = t("coverage.calibration.error.environment", file=path.name,
                        technology=tech, environment=env, choices=", ".join(ENVIRONMENTS))
                raise ConfigError(msg)
            if isinstance(value, bool) or not isinstance(value, int | float) or not (
                    math.isfinite(value)):
                msg = t("coverage.calibration.error.value", file=path.name, technology=tech,
                        environment=env, value=str(value))
                raise ConfigError(msg)
            offsets.setdefault(tech, {})[env] = float(value)
    header = data.get("calibration", {})
    header = header if isinstance(header, dict) else {}
    return Calibration(offsets, path=path, sha256=io.sha256(path),
                       source=str(header.get("measurements", "")),
                       terrain_sha256=str(header.get("terrain_sha256", "")))


def calibration_text(fits: pd.DataFrame, *, source: Path, source_sha256: str, root: Path,
                     when: dt.datetime | None = None, dem: Path | None = None,
                     dem_sha256: str = "") -> str:
    """The text of ``calibration.toml`` for a fit table (:func:`fit_table`).

    A header says what the file is, when and from which file (with its SHA-256) it was
    fitted, and over which DEM (``terrain``, ``terrain_sha256``: the prediction compared
    included its terrain term; absent: fitted without terrain); ``[offsets_db.<technology>]``
    holds what ``ictgis coverage`` applies, and
    ``[fit.<technology>.<environment>]`` the statistics behind each offset (the slope, when
    fitted, is reported there and not applied).
    """
    from ictgis.config.keys import toml_value

    when = when or dt.datetime.now(dt.UTC)
    stamp = when.strftime("%Y-%m-%dT%H:%M:%SZ")
    def shown_path(path: Path) -> str:
        try:
            return path.resolve().relative_to(root.resolve()).as_posix()
        except ValueError:
            return str(path)

    shown = shown_path(source)
    lines = [f"# {line}" for line in str(t("coverage.calibration.toml_header", when=stamp,
                                             source=shown, sha256=source_sha256)).splitlines()]
    lines += ["", "[calibration]", f"measurements = {toml_value(shown)}",
              f"measurements_sha256 = {toml_value(source_sha256)}",
              f"fitted = {toml_value(stamp)}",
              f"method = {toml_value('scipy.optimize.least_squares, loss=soft_l1')}",
              f"confidence = {CONFIDENCE}"]
    if dem is not None:
        lines += [f"terrain = {toml_value(shown_path(dem))}",
                  f"terrain_sha256 = {toml_value(dem_sha256)}"]
    lines.append("")
    fitted = fits[fits["offset_db"].notna()]
    for tech, rows in fitted.groupby("technology", sort=False):
        lines.append(f"[offsets_db.{toml_value(str(tech))}]")
        lines += [f"{r.environment} = {r.offset_db:.3f}" for r in rows.itertuples()]
        lines.append("")
    stats = ("n", "offset_db", "ci_low_db", "ci_high_db", "rmse_before_db", "std_after_db",
             "rmse_after_db", "slope_db_per_decade", "slope_ci_low", "slope_ci_high")
    for r in fitted.itertuples():
        lines.append(f"[fit.{toml_value(str(r.technology))}.{r.environment}]")
        for key in stats:
            value = getattr(r, key, None)
            if value is not None and not (isinstance(value, float) and math.isnan(value)):
                lines.append(f"{key} = {int(value) if key == 'n' else round(float(value), 3)}")
        lines.append("")
    return "\n".join(lines)


# ------------------------------------------------------------------------ measurements


def measurements_layer(config: Config, path: Path | None = None) -> LayerConfig:
    """The layer of a measurement file: ``[layers.measurements]``, or its defaults.

    ``path`` (from the command line) replaces the declared file; columns not mapped in
    ``[layers.measurements]`` keep their default names (:data:`DEFAULT_FIELDS`; lat/lon in a
    table unless easting/northing are mapped; a GeoPackage's points are its geometry).

    Raises
    ------
    DataError
        When neither ``path`` nor ``[layers.measurements]`` gives a file.
    """
    from ictgis.config import LayerConfig

    declared = config.layers.get("measurements")
    if declared is None and path is None:
        msg = t("coverage.calibration.error.no_file", config=config.path.name)
        raise DataError(msg)
    from ictgis.io import FORMATS
    from ictgis.io.read import format_suffix

    fields = dict(declared.fields) if declared is not None else {}
    chosen = Path(path) if path is not None else declared.path  # type: ignore[union-attr]
    table = FORMATS.get(format_suffix(chosen)) == "table"  # a vector layer has its geometry
    for key, column in DEFAULT_FIELDS.items():
        if key in ("lat", "lon") and ("easting" in fields or not table):
            continue
        fields.setdefault(key, column)
    if declared is None:
        return LayerConfig(name="measurements", path=chosen, fields=fields)
    return dataclasses.replace(declared, path=chosen, fields=fields)


def load_measurements(config: Config, communes: gpd.GeoDataFrame, settings: CoverageConfig,
                      bts: gpd.GeoDataFrame | None, path: Path | None = None
                      ) -> tuple[gpd.GeoDataFrame, pd.DataFrame, pd.DataFrame, LayerConfig]:
    """Read a measurement file, located in the province, with operator and technology parsed.

    Rows are rejected with their reason (never silently used): coordinates that do not parse
    or fall outside the province (:func:`ictgis.workspace.load_points`), a level that is not
    a number or outside :data:`LEVEL_RANGE_DBM`, an operator that is not one operator the
    alias table knows, a technology the workspace does not model, an operator with no site
    of that technology, a named site that is not one of the operator's sites of it.

    Returns
    -------
    tuple
        The usable measurements (``operator``, ``technology``, ``level_dbm`` float, ``site``
        when mapped), the problems, the rejected rows (with ``problem``), and the layer.
    """
    from ictgis import telecom, validate
    from ictgis.parse import parse_number
    from ictgis.workspace import _Reasons, _reject_rows, load_points

    cfg = measurements_layer(config, path)
    points, found, rejected = load_points(cfg, communes, config.crs, checks=config.checks)
    reasons = _Reasons(points.index)
    level = parse_number(points["level_dbm"])
    low, high = LEVEL_RANGE_DBM
    raw_level = points["level_dbm"].astype("string").fillna("").str.strip()
    reasons.add(level.isna(), validate.texts("coverage.calibration.reject.level_nan",
                                             level.isna(), value=raw_level), "bad_level")
    outside = (level < low) | (level > high)
    reasons.add(outside, validate.texts("coverage.calibration.reject.level_range", outside,
                                        value=raw_level, low=number(low, 0),
                                        high=number(high, 0)), "level_range")
    aliases = telecom.operator_aliases(config.operators)
    operators, _ = telecom.match_operators(points["operator"], aliases)
    written_op = points["operator"].astype("string").fillna("").str.strip()
    bad_op = operators.map(len) != 1
    reasons.add(bad_op, validate.texts("coverage.calibration.reject.operator", bad_op,
                                       value=written_op), "unknown_operator")
    techs = telecom.split_values(points["technology"], telecom.TECHNOLOGIES)
    written_tech = points["technology"].astype("string").fillna("").str.strip()
    bad_tech = techs.map(lambda v: len(v) != 1 or v[0] not in settings.technologies)
    reasons.add(bad_tech, validate.texts("coverage.calibration.reject.technology", bad_tech,
                                         value=written_tech,
                                         choices=", ".join(settings.technologies)),
                "unknown_technology")
    out = points.assign(level_dbm=level,
                        operator=operators.map(lambda v: v[0] if len(v) == 1 else ""),
                        technology=techs.map(lambda v: v[0] if len(v) == 1 else ""))
    served = _served(bts)
    pair = out["operator"] + "|" + out["technology"]
    no_site = ~(bad_op | bad_tech) & ~pair.isin({f"{o}|{k}" for o, k in served})
    reasons.add(no_site, validate.texts("coverage.calibration.reject.no_site", no_site,
                                        operator=out["operator"].astype("string"),
                                        technology=out["technology"].astype("string")),
                "no_site")
    if "site" in out:
        site = out["site"].astype("string").fillna("").str.strip()
        named = site != ""
        known = pd.Series([served.get((o, k), set()) for o, k in
                           zip(out["operator"], out["technology"], strict=True)],
                          index=out.index, dtype=object)
        unknown_site = named & ~pd.Series([s in ok for s, ok in zip(site, known, strict=True)],
                                          index=out.index)
        reasons.add(unknown_site, validate.texts(
            "coverage.calibration.reject.site", unknown_site, site=site,
            operator=out["operator"].astype("string"),
            technology=out["technology"].astype("string")), "unknown_site")
        out["site"] = site
    bad = reasons.text.notna()
    found = validate.concat([found, validate.problems(
        out, bad, layer=cfg.name, file=cfg.label, severity="rejected", problem=reasons.text,
        code=reasons.code)])
    rejected = pd.concat([rejected, _reject_rows(points, bad, reasons.text)])
    return out.loc[~bad.to_numpy()], found, rejected, cfg


def _served(bts: gpd.GeoDataFrame | None) -> dict[tuple[str, str], set[str]]:
    """(operator, technology) -> the ids of the sites that carry it."""
    served: dict[tuple[str, str], set[str]] = {}
    if bts is None:
        return served
    for site, ops, techs in zip(bts["id"].astype(str), bts["operators"], bts["technologies"],
                                strict=True):
        for op in ops:
            for tech in techs:
                served.setdefault((op, tech), set()).add(site)
    return served


# --------------------------------------------------------------------------- prediction


def environment_at(x: np.ndarray, y: np.ndarray, env: np.ndarray, grid: Grid) -> np.ndarray:
    """Environment code of the pixel each point falls in (-1 outside the grid or communes)."""
    row, col = grid.pixel_of(x, y)
    inside = (row >= 0) & (row < grid.height) & (col >= 0) & (col < grid.width)
    out = np.full(len(row), -1, dtype=np.int64)
    out[inside] = env[row[inside], col[inside]]
    return out


def predict(x: np.ndarray, y: np.ndarray, sites: gpd.GeoDataFrame, grid: Grid, tech: str,
            settings: CoverageConfig, *, operator: str | None = None, chunk: int = 2048,
            terrain: Terrain | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Best-server ``EIRP + G(θ) - L_urban(d)`` (dB) at points, from the sites' true positions.

    Every transmitter (sector) of ``operator`` and ``tech`` (:func:`~ictgis.coverage.
    kernels.transmitters`: the same transmitters, heights and patterns as the coverage) is
    evaluated at each point's exact position, the distance clamped at ``min_distance_km``
    and none farther than ``max_range_km``; the environment correction is not included.
    With ``terrain``, each transmitter's level also has its terrain term on the path to the
    point (:meth:`Terrain.path_correction <ictgis.coverage.terrain.Terrain.path_correction>`),
    and the best server is chosen on those levels.

    Returns
    -------
    tuple of numpy.ndarray
        The level (``-inf`` where no transmitter is in range) and the distance (km) to the
        transmitter that gives it (NaN there).
    """
    tx = transmitters(sites, grid, tech, settings, operator=operator)
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    level = np.full(len(x), -np.inf)
    distance = np.full(len(x), np.nan)
    if not len(tx) or not len(x):
        return level, distance
    params = np.array(tx.params, dtype=np.float64)[tx.group]  # freq, h, eirp, mobile, dx, dy
    res = grid.resolution
    sx = grid.transform.c + (tx.col + 0.5) * res + params[:, 4]
    sy = grid.transform.f - (tx.row + 0.5) * res + params[:, 5]
    coefficients = {}
    for p in tx.params:
        key = (p[0], p[1], p[3])
        if key not in coefficients:
            coefficients[key] = hata_coefficients(p[0], p[1], p[3])
    ab = np.array([coefficients[(p[0], p[1], p[3])] for p in params[:, :4]])
    base = params[:, 2] - ab[:, 0]  # EIRP - A
    slope = ab[:, 1]
    sector = np.isfinite(tx.azimuth) & np.isfinite(tx.beamwidth)
    near, far = settings.min_distance_km, settings.max_range_km
    worst = np.where(sector, -settings.sector_front_back_db, 0.0)
    # the level falls with distance: bounds per cell hold (not over terrain, where the
    # diffraction has no lower bound: there only the range prunes, and :func:`_best` the rest)
    prune = bool(np.all(slope > 0)) and terrain is None
    paths = None if terrain is None else _Paths.of(terrain, tx, params, grid)
    cells = np.floor(x / CELL_M) * 1e7 + np.floor(y / CELL_M)
    order = np.argsort(cells, kind="stable")
    starts = np.r_[0, np.flatnonzero(np.diff(cells[order])) + 1]
    box = [np.minimum.reduceat(x[order], starts), np.maximum.reduceat(x[order], starts),
           np.minimum.reduceat(y[order], starts), np.maximum.reduceat(y[order], starts)]
    groups = np.split(order, starts[1:])
    for first in range(0, len(groups), 256):  # the transmitters each cell needs, 256 at once
        x0, x1, y0, y1 = (b[first:first + 256, None] for b in box)
        d_min = np.hypot(np.maximum(np.maximum(x0 - sx, sx - x1), 0.0),
                         np.maximum(np.maximum(y0 - sy, sy - y1), 0.0)) / 1000
        if prune:  # out: transmitters that cannot be the best server anywhere in the cell
            d_max = np.hypot(np.maximum(np.abs(sx - x0), np.abs(sx - x1)),
                             np.maximum(np.abs(sy - y0), np.abs(sy - y1))) / 1000
            upper = np.where(d_min > far, -np.inf,
                             base - slope * np.log10(np.maximum(d_min, near)))
            lower = np.where(d_max > far, -np.inf,
                             base - slope * np.log10(np.maximum(d_max, near)) + worst)
            keep = upper >= lower.max(axis=1, keepdims=True)
        elif paths is not None:
            keep = d_min <= far
        else:
            keep = np.ones((len(x0), len(sx)), dtype=bool)
        for k, group in enumerate(groups[first:first + 256]):
            use = keep[k]
            for start in range(0, len(group), chunk):
                rows = group[start:start + chunk]
                level[rows], distance[rows] = _best(
                    x[rows], y[rows], sx[use], sy[use], base[use], slope[use],
                    tx.azimuth[use], tx.beamwidth[use], settings,
                    None if paths is None else paths.subset(use))
    return level, distance


@dataclass(frozen=True)
class _Paths:
    """The terrain term of transmitters' paths to points (:func:`predict` over a DEM).

    Attributes
    ----------
    terrain, grid
        The DEM and the grid it is on.
    row, col, height, freq, mobile
        Each transmitter's pixel, antenna height (m), frequency (MHz), mobile height (m).
    bound
        An upper bound of its height gain, log10(h_eff / h) (:meth:`Terrain.max_height_gain
        <ictgis.coverage.terrain.Terrain.max_height_gain>`).
    """

    terrain: Terrain
    grid: Grid
    row: np.ndarray
    col: np.ndarray
    height: np.ndarray
    freq: np.ndarray
    mobile: np.ndarray
    bound: np.ndarray

    @classmethod
    def of(cls, terrain: Terrain, tx: Transmitters, params: np.ndarray, grid: Grid) -> _Paths:
        """The paths of ``tx`` (``params``: each transmitter's :data:`Params` row)."""
        row = np.asarray(tx.row, dtype=np.int64)
        col = np.asarray(tx.col, dtype=np.int64)
        height = params[:, 1].astype(np.float64)
        return cls(terrain, grid, row, col, height, params[:, 0], params[:, 3],
                   terrain.max_height_gain(row, col, height))

    def subset(self, use: np.ndarray) -> _Paths:
        """The same for the transmitters ``use`` selects."""
        return _Paths(self.terrain, self.grid, self.row[use], self.col[use], self.height[use],
                      self.freq[use], self.mobile[use], self.bound[use])

    def correction(self, px: np.ndarray, py: np.ndarray, point: np.ndarray, tx: np.ndarray,
                   log_d: np.ndarray) -> np.ndarray:
        """The terrain term (dB) of the paths from transmitters ``tx`` to points ``point``."""
        res, transform = self.grid.resolution, self.grid.transform
        r = (transform.f - py[point]) / res - 0.5  # fractional: pixel centres are integers
        c = (px[point] - transform.c) / res - 0.5
        out = np.empty(len(point))
        for freq, mobile in {(float(f), float(m)) for f, m in zip(
                self.freq[tx], self.mobile[tx], strict=True)}:
            one = (self.freq[tx] == freq) & (self.mobile[tx] == mobile)
            out[one] = self.terrain.path_correction(
                self.row[tx][one], self.col[tx][one], r[one], c[one], self.height[tx][one],
                log_d[one], mobile_m=mobile, frequency_mhz=freq)
        return out


def _best(px: np.ndarray, py: np.ndarray, sx: np.ndarray, sy: np.ndarray, base: np.ndarray,
          slope: np.ndarray, azimuth: np.ndarray, beamwidth: np.ndarray,
          settings: CoverageConfig, paths: _Paths | None = None
          ) -> tuple[np.ndarray, np.ndarray]:
    """The best ``base - slope log10 d + G(θ)`` of transmitters at points, and its distance.

    With ``paths``, plus each path's terrain term, evaluated only where it can matter: first
    on each point's best path without terrain, then on every path whose level without
    terrain plus the most the terrain can add (the height gain's bound; the diffraction
    only lowers a level) reaches that; the others cannot be the best server.
    """
    east, north = px[:, None] - sx[None, :], py[:, None] - sy[None, :]
    d_km = np.hypot(east, north) / 1000.0
    log_d = np.log10(np.maximum(d_km, settings.min_distance_km))
    value = base[None, :] - slope[None, :] * log_d
    sector = np.isfinite(azimuth) & np.isfinite(beamwidth)
    if sector.any():
        bearing = np.degrees(np.arctan2(east[:, sector], north[:, sector]))
        value[:, sector] += sector_gain(bearing, azimuth[sector][None, :],
                                        beamwidth[sector][None, :],
                                        settings.sector_front_back_db)
    value[d_km > settings.max_range_km] = -np.inf
    if not value.shape[1]:
        return np.full(len(px), -np.inf), np.full(len(px), np.nan)
    rows = np.arange(len(px))
    if paths is not None:
        first = np.argmax(value, axis=1)
        reached = value[rows, first] + paths.correction(px, py, rows, first,
                                                        log_d[rows, first])
        most = value + np.maximum(13.82 + 6.55 * log_d, 0.0) * paths.bound[None, :]
        point, tx = np.nonzero(np.isfinite(value) & (most > reached[:, None]))
        plain = value
        value = np.full_like(plain, -np.inf)
        value[rows, first] = reached
        value[point, tx] = plain[point, tx] + paths.correction(px, py, point, tx,
                                                               log_d[point, tx])
    best = np.argmax(value, axis=1)
    found = value[rows, best]
    return found, np.where(np.isfinite(found), d_km[rows, best], np.nan)


def match(points: gpd.GeoDataFrame, sites: gpd.GeoDataFrame, env: np.ndarray, grid: Grid,
          settings: CoverageConfig, *, fallback: np.ndarray | None = None,
          terrain: Terrain | None = None) -> pd.DataFrame:
    """Each measurement with the level the uncalibrated model predicts where it was taken.

    Parameters
    ----------
    points
        Measurements of :func:`load_measurements` (grid CRS).
    sites
        The workspace's masts.
    env
        Environment code of every pixel of ``grid`` (:func:`~ictgis.coverage.population.
        rasterize_communes`).
    grid
        The coverage grid.
    settings
        Coverage settings.
    fallback
        Environment code of each point where its pixel has none (a point inside a commune
        whose pixel centre is not): the code of its commune's kind.
    terrain
        The DEM on ``grid`` (``[layers.dem]``): the prediction includes its terrain term,
        as the coverage does.

    Returns
    -------
    pandas.DataFrame
        The measurements' columns with ``x``, ``y``, ``environment`` (name; "" outside the
        communes' pixels), ``predicted_dbm`` (-inf: no site in range), ``distance_km`` and
        ``error_db`` = measured - predicted.
    """
    x, y = points.geometry.x.to_numpy(float), points.geometry.y.to_numpy(float)
    codes = environment_at(x, y, env, grid)
    if fallback is not None:
        codes = np.where(codes < 0, fallback, codes)
    predicted = np.full(len(points), -np.inf)
    distance = np.full(len(points), np.nan)
    site = points["site"] if "site" in points else pd.Series("", index=points.index)
    keys = pd.DataFrame({"op": points["operator"].to_numpy(),
                         "tech": points["technology"].to_numpy(),
                         "site": site.fillna("").astype(str).to_numpy()})
    for (op, tech, named), rows in keys.groupby(["op", "tech", "site"], sort=False).indices.items():
        chosen = sites if not named else sites[sites["id"].astype(str) == named]
        level, dist = predict(x[rows], y[rows], chosen, grid, tech, settings, operator=op,
                              terrain=terrain)
        cfg = settings.technologies[tech]
        correction = environment_tile(codes[rows], cfg).astype(np.float64)
        predicted[rows] = level - np.where(np.isnan(correction), np.inf, correction)
        distance[rows] = dist
    table = pd.DataFrame(points.drop(columns="geometry"))
    names = np.array([*ENVIRONMENTS, ""], dtype=object)
    return table.assign(x=x, y=y, environment=names[codes], predicted_dbm=predicted,
                        distance_km=distance, error_db=table["level_dbm"] - predicted)


# -------------------------------------------------------------------------------- fitting


@dataclass(frozen=True)
class GroupFit:
    """A robust fit of ``error = offset (+ slope log10 d km)`` for one group of measurements.

    Attributes
    ----------
    params
        Offset (dB), and slope (dB per decade of distance) when fitted.
    ci_low, ci_high
        :data:`CONFIDENCE` intervals of the parameters.
    scale
        The soft-L1 scale (dB): 1.4826 × the median absolute deviation of the errors.
    residuals
        ``error - model`` at the solution.
    """

    params: np.ndarray
    ci_low: np.ndarray
    ci_high: np.ndarray
    scale: float
    residuals: np.ndarray


def fit_group(errors: np.ndarray, distance_km: np.ndarray | None = None) -> GroupFit:
    """Fit an offset (and a slope when distances are given) by robust least squares.

    ``scipy.optimize.least_squares`` with ``loss="soft_l1"`` and ``f_scale`` = the robust
    scale ``c`` of the errors (1.4826 MAD): residuals well beyond ``c`` weigh as in L1,
    the rest as in least squares. The covariance is Huber's sandwich for an M-estimator,
    from the Jacobian ``J`` at the solution and a robust residual scale::

        cov = s² (JᵀJ)⁻¹,   s² = n/(n-p) · mean(ψ(r)²) / mean(ψ'(r))²

    with ``ψ(r) = r / sqrt(1 + (r/c)²)`` the influence function of soft-L1 (for Gaussian
    errors this is the least-squares covariance within a few per cent); the intervals are
    normal, at :data:`CONFIDENCE`.
    """
    from statistics import NormalDist

    from scipy.optimize import least_squares

    errors = np.asarray(errors, dtype=np.float64)
    columns = [np.ones_like(errors)]
    if distance_km is not None:
        columns.append(np.log10(np.asarray(distance_km, dtype=np.float64)))
    design = np.column_stack(columns)
    median = float(np.median(errors))
    scale = max(1.4826 * float(np.median(np.abs(errors - median))), 0.01)
    start = np.zeros(design.shape[1])
    start[0] = median

    def residual(p: np.ndarray) -> np.ndarray:
        return errors - design @ p

    solution = least_squares(residual, start, jac=lambda _p: -design, loss="soft_l1",
                             f_scale=scale, method="trf")
    params = solution.x
    r = residual(params)
    z = 1.0 + (r / scale) ** 2
    psi, dpsi = r / np.sqrt(z), z ** -1.5
    n, p = design.shape
    s2 = n / max(n - p, 1) * float(np.mean(psi ** 2)) / float(np.mean(dpsi)) ** 2
    cov = s2 * np.linalg.inv(design.T @ design)
    half = NormalDist().inv_cdf(0.5 + CONFIDENCE / 2) * np.sqrt(np.diag(cov))
    return GroupFit(params=params, ci_low=params - half, ci_high=params + half, scale=scale,
                    residuals=r)


def fit_table(matched: pd.DataFrame, *, slope: bool = False) -> tuple[pd.DataFrame, pd.Series]:
    """Errors before and after calibration, fitted offsets, per technology × environment.

    Parameters
    ----------
    matched
        :func:`match`'s table; rows without a prediction or an environment are left out.
    slope
        Also fit ``offset + slope log10(d km)`` and report the slope (it is not applied).

    Returns
    -------
    tuple
        The table (``technology``, ``environment``, ``n``, ``mean_before_db``,
        ``std_before_db``, ``rmse_before_db``, ``offset_db``, ``ci_low_db``, ``ci_high_db``,
        ``mean_after_db``, ``std_after_db``, ``rmse_after_db``, with ``slope`` the
        ``slope_db_per_decade``, ``slope_ci_low``, ``slope_ci_high``, and ``rmse_slope_db``
        of that model); groups of fewer than :data:`MIN_MEASUREMENTS` have no offset. And
        each measurement's error after calibration (NaN where not fitted).
    """
    usable = matched[np.isfinite(matched["error_db"]) & (matched["environment"] != "")]
    rows = []
    after = pd.Series(np.nan, index=matched.index)
    for (tech, env), group in usable.groupby(["technology", "environment"], sort=True):
        e = group["error_db"].to_numpy(float)
        row: dict[str, Any] = {"technology": tech, "environment": env, "n": len(e),
                               **_stats(e, "before")}
        if len(e) >= MIN_MEASUREMENTS:
            fitted = fit_group(e)
            row.update(offset_db=fitted.params[0], ci_low_db=fitted.ci_low[0],
                       ci_high_db=fitted.ci_high[0], **_stats(fitted.residuals, "after"))
            after.loc[group.index] = fitted.residuals
            if slope:
                with_slope = fit_group(e, group["distance_km"].to_numpy(float))
                row.update(slope_db_per_decade=with_slope.params[1],
                           slope_ci_low=with_slope.ci_low[1],
                           slope_ci_high=with_slope.ci_high[1],
                           rmse_slope_db=float(np.sqrt(np.mean(with_slope.residuals ** 2))))
        rows.append(row)
    columns = ["technology", "environment", "n", "mean_before_db", "std_before_db",
               "rmse_before_db", "offset_db", "ci_low_db", "ci_high_db", "mean_after_db",
               "std_after_db", "rmse_after_db"]
    if slope:
        columns += ["slope_db_per_decade", "slope_ci_low", "slope_ci_high", "rmse_slope_db"]
    return pd.DataFrame(rows, columns=columns), after


def _stats(errors: np.ndarray, when: str) -> dict[str, float]:
    """Mean, standard deviation (n-1) and RMSE of errors (dB)."""
    return {f"mean_{when}_db": float(np.mean(errors)),
            f"std_{when}_db": float(np.std(errors, ddof=1)) if len(errors) > 1 else np.nan,
            f"rmse_{when}_db": float(np.sqrt(np.mean(errors ** 2)))}
