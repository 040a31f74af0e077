"""Coverage tables: covered population and area at every level, uncovered areas, headers, tags."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numba
import numpy as np
import pandas as pd

from ictgis.config import CoverageConfig, TechnologyConfig
from ictgis.coverage.grid import Grid, Window
from ictgis.coverage.kernels import covered_mask
from ictgis.coverage.models import model_name_quiet
from ictgis.i18n import labels, t

logger = logging.getLogger(__name__)

# ----------------------------------------------------------------------------- summaries


def coverage_levels(communes: pd.DataFrame, covered: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Covered population and area (% too) at every level the communes support.

    Parameters
    ----------
    communes
        The commune table (code, name, kind, zone, population; district, region, province,
        macro_region where the workspace has them).
    covered
        :attr:`CoverageResult.covered`.

    Returns
    -------
    dict
        Level (:func:`ictgis.admin.levels` of the communes: a national workspace has
        province, macro_region and country) -> table with ``population``,
        ``pop_covered_<op>_<tech>``, ``pop_pct_<op>_<tech>`` and ``area_pct_<op>_<tech>``,
        recomputed from sums.
    """
    from ictgis import admin

    names = [c for c in ("code", "name", "kind", "zone", "province", "macro_region", "district",
                         "region") if c in communes]
    table = pd.DataFrame(communes[[*names, *(c for c in ("population", "area_km2")
                                             if c in communes)]]).merge(
        covered.drop(columns="pixel_km2"), on="code")
    sums = [c for c in table.columns if c.startswith(("pop_covered_", "px_covered_"))]
    out = {}
    for level in admin.levels(table.columns):
        agg = admin.aggregate(table, level, ["population", "pixels", *sums])
        if level == "commune":
            agg = table[names].merge(agg, on="code")
        for col in [c for c in sums if c.startswith("pop_covered_")]:
            key = col.removeprefix("pop_covered_")
            agg[f"pop_pct_{key}"] = admin.safe_ratio(agg[col], agg["population"], 100)
            agg[f"area_pct_{key}"] = admin.safe_ratio(agg[f"px_covered_{key}"], agg["pixels"], 100)
        out[level] = agg.drop(columns=[c for c in agg.columns if c.startswith("px_covered_")])
    return out


@dataclass(frozen=True)
class GapTile:
    """The uncovered populated patches of one tile (4-connected, as ``ndimage.label``).

    Patches are numbered 1..count in the order of their first pixel (row by row). Per patch:
    ``first`` (row × width + col of its first pixel in the grid), ``population``, ``pixels``,
    ``px``/``py`` (population-weighted sums of the pixel centres, m); ``pairs``: arrays of
    (patch, commune, people) of each commune a patch crosses; the patch number of every pixel on the
    tile's ``top``/``bottom`` rows and ``left``/``right`` columns (0: none), for
    :class:`GapMerger` to join patches across tiles.
    """

    window: Window
    count: int
    first: np.ndarray
    population: np.ndarray
    pixels: np.ndarray
    px: np.ndarray
    py: np.ndarray
    pairs: tuple[np.ndarray, np.ndarray, np.ndarray]
    top: np.ndarray
    bottom: np.ndarray
    left: np.ndarray
    right: np.ndarray


def gap_tile(covered: np.ndarray, people: np.ndarray, index: np.ndarray, grid: Grid,
             window: Window) -> GapTile:
    """The uncovered populated patches of one tile.

    Parameters
    ----------
    covered
        Covered pixels of the tile (:func:`covered_mask` of the any-operator level).
    people
        Population of every pixel of the tile.
    index
        Commune index of every pixel of the tile (-1 outside).
    grid, window
        The grid and the tile's window in it.
    """
    r0, _, c0, _ = window
    labels = np.empty(index.shape, np.int32)
    (count, first, population, pixels, px, py, area, commune, pop) = _patches(
        np.ascontiguousarray(index, np.int32), np.ascontiguousarray(covered, np.bool_),
        np.ascontiguousarray(people, np.float64), labels, int(r0), int(c0), int(grid.width),
        float(grid.transform.c), float(grid.transform.f), float(grid.resolution))
    return GapTile(
        window=window, count=int(count), first=first, population=population, pixels=pixels,
        px=px, py=py, pairs=(area, commune, pop),
        top=labels[0].copy(), bottom=labels[-1].copy(), left=labels[:, 0].copy(),
        right=labels[:, -1].copy())


@numba.njit(nogil=True, cache=True)
def _patches(index: np.ndarray, covered: np.ndarray, people: np.ndarray, labels: np.ndarray,
             r0: int, c0: int, width: int, x0: float, y0: float, resolution: float
             ) -> tuple:  # pragma: no cover (compiled)
    """:func:`gap_tile`'s numbers in two passes over the tile, without the interpreter lock.

    The gap pixels are ``index >= 0``, not ``covered`` and ``people > 0``; ``labels``
    (int32, the tile's shape) receives their 4-connected patch numbers (0 elsewhere),
    numbered 1..count by their first pixel row by row, as ``scipy.ndimage.label`` numbers
    them. ``r0``, ``c0``: the tile's first pixel in the grid, ``width`` the grid's; ``x0``,
    ``y0``: the grid's upper-left corner and ``resolution`` its pixel size, m.

    Returns
    -------
    tuple
        count; per patch the grid position of its first pixel (row × width + col), people,
        pixels, people-weighted sums of the pixel centres' x and y (m), each summed pixel by
        pixel in row order (as ``np.bincount``); and (patch, commune, people) of every patch
        and commune it crosses, ordered by both, the people summed in row order with
        Kahan's compensation (as a pandas groupby sum).
    """
    rows, cols = index.shape
    # first pass: provisional labels, joined by a union-find whose roots are the smallest
    # (the label of the component's first pixel)
    parent = np.zeros(rows * cols // 2 + 2, np.int32)
    made = 0
    for i in range(rows):
        for j in range(cols):
            if not (index[i, j] >= 0 and not covered[i, j] and people[i, j] > 0):
                labels[i, j] = 0
                continue
            up = labels[i - 1, j] if i > 0 else 0
            left = labels[i, j - 1] if j > 0 else 0
            if up == 0 and left == 0:
                made += 1
                parent[made] = made
                labels[i, j] = made
                continue
            if up == 0 or left == 0:
                labels[i, j] = up + left
                continue
            a, b = up, left
            while parent[a] != a:
                a = parent[a]
            while parent[b] != b:
                b = parent[b]
            low = min(a, b)
            parent[a] = low
            parent[b] = low
            labels[i, j] = low
    # second pass: final numbers by first pixel, and the sums
    final = np.zeros(made + 1, np.int32)
    count = 0
    for k in range(1, made + 1):
        root = k
        while parent[root] != root:
            root = parent[root]
        if root == k:
            count += 1
            final[k] = count
        else:
            final[k] = final[root]  # root < k: numbered already
    first = np.full(count, -1, np.int64)
    population = np.zeros(count)
    pixels = np.zeros(count)
    px = np.zeros(count)
    py = np.zeros(count)
    n = 0
    for i in range(rows):
        for j in range(cols):
            if labels[i, j] != 0:
                n += 1
    area = np.empty(n, np.int32)
    commune = np.empty(n, np.int32)
    pop = np.empty(n)
    k = 0
    for i in range(rows):
        row = i + r0
        y = y0 - (row + 0.5) * resolution
        for j in range(cols):
            if labels[i, j] == 0:
                continue
            label = final[labels[i, j]]
            labels[i, j] = label
            col = j + c0
            x = x0 + (col + 0.5) * resolution
            p = people[i, j]
            m = label - 1
            if first[m] < 0:
                first[m] = row * width + col
            population[m] += p
            pixels[m] += 1.0
            px[m] += p * x
            py[m] += p * y
            area[k] = label
            commune[k] = index[i, j]
            pop[k] = p
            k += 1
    # (patch, commune) pairs: sorted by both, stable (row order within a pair)
    key = area.astype(np.int64) * (np.int64(commune.max() if n else 0) + 1) + commune
    order = np.argsort(key, kind="mergesort")
    pairs = 0
    for q in range(n):
        if q == 0 or key[order[q]] != key[order[q - 1]]:
            pairs += 1
    pair_area = np.empty(pairs, np.int32)
    pair_commune = np.empty(pairs, np.int32)
    pair_pop = np.zeros(pairs)
    compensation = np.zeros(pairs)
    g = -1
    for q in range(n):
        r = order[q]
        if q == 0 or key[r] != key[order[q - 1]]:
            g += 1
            pair_area[g] = area[r]
            pair_commune[g] = commune[r]
        y = pop[r] - compensation[g]
        t = pair_pop[g] + y
        compensation[g] = t - pair_pop[g] - y
        pair_pop[g] = t
    return count, first, population, pixels, px, py, pair_area, pair_commune, pair_pop


class GapMerger:
    """The largest uncovered populated areas of a grid, from its tiles' patches.

    :meth:`add` takes the tiles in any order that visits each tile once; patches touching
    across a tile border (4-connected) are joined, so the areas are those
    ``scipy.ndimage.label`` finds on the whole grid, without ever holding it. Memory: a few
    numbers per patch, and the border rows and columns of the tiles not yet met.
    """

    def __init__(self, grid: Grid) -> None:
        self.grid = grid
        self._next = 1  # patch numbers across the grid; 0 is none
        self._parts: list[GapTile] = []
        self._offsets: list[int] = []
        self._bottoms: dict[tuple[int, int, int], np.ndarray] = {}
        self._rights: dict[tuple[int, int, int], np.ndarray] = {}
        self._edges: list[np.ndarray] = []

    def add(self, tile: GapTile) -> None:
        """Take one tile's patches."""
        offset = self._next - 1
        self._next += tile.count
        self._parts.append(tile)
        self._offsets.append(offset)
        r0, r1, c0, c1 = tile.window

        def numbered(labels: np.ndarray) -> np.ndarray:
            return np.where(labels > 0, labels + offset, 0)

        top, bottom, left, right = (numbered(b) for b in (tile.top, tile.bottom, tile.left,
                                                          tile.right))
        for here, there, side in ((top, bottom, "v"), (left, right, "h")):
            store = self._bottoms if side == "v" else self._rights
            # the neighbour above ends on row r0 (same columns), the one to the left on col c0
            mine = (r0, c0, c1) if side == "v" else (c0, r0, r1)
            theirs = ((r1, c0, c1) if side == "v" else (c1, r0, r1))
            other = store.pop(mine, None)
            if other is not None:
                both = (here > 0) & (other > 0)
                self._edges.append(np.stack([here[both], other[both]]))
            store[theirs] = there

    def areas(self, communes: pd.DataFrame, *, top: int = 10) -> pd.DataFrame:
        """The ``top`` areas by population (see :func:`uncovered_areas` for the columns)."""
        from scipy.sparse import coo_matrix
        from scipy.sparse.csgraph import connected_components

        columns = ["rank", "population", "area_km2", "x", "y", "commune", "commune_name"]
        total = self._next - 1
        if total == 0:
            return pd.DataFrame(columns=columns)

        def joined(name: str) -> np.ndarray:
            return np.concatenate([getattr(p, name) for p in self._parts])

        edges = np.concatenate(self._edges, axis=1) if self._edges else np.zeros((2, 0), int)
        graph = coo_matrix((np.ones(edges.shape[1]), (edges[0] - 1, edges[1] - 1)),
                           shape=(total, total))
        _, component = connected_components(graph, directed=False)
        first = joined("first")
        # areas numbered as ndimage.label numbers them: by their first pixel, row by row
        start = pd.Series(first).groupby(component).min()
        order = np.empty(len(start), np.int64)
        order[np.argsort(start.to_numpy(), kind="stable")] = np.arange(len(start))
        area = order[component]
        count = len(start)
        totals = np.bincount(area, weights=joined("population"), minlength=count)
        pixels = np.bincount(area, weights=joined("pixels"), minlength=count)
        cx = np.bincount(area, weights=joined("px"), minlength=count)
        cy = np.bincount(area, weights=joined("py"), minlength=count)
        best = np.argsort(-totals, kind="stable")[:top]
        pairs = pd.DataFrame({
            "area": np.concatenate([area[p.pairs[0] - 1 + offset]
                                    for p, offset in zip(self._parts, self._offsets, strict=True)]),
            "commune": np.concatenate([p.pairs[1] for p in self._parts]),
            "pop": np.concatenate([p.pairs[2] for p in self._parts])})
        main = (pairs[pairs["area"].isin(best)].groupby(["area", "commune"])["pop"].sum()
                .reset_index().sort_values(["area", "pop"], ascending=[True, False])
                .drop_duplicates("area").set_index("area")["commune"])
        codes = communes["code"].to_numpy()
        names = communes["name"].to_numpy() if "name" in communes else codes
        return pd.DataFrame({
            "rank": np.arange(1, len(best) + 1), "population": totals[best],
            "area_km2": pixels[best] * self.grid.resolution ** 2 / 1e6,
            "x": cx[best] / totals[best], "y": cy[best] / totals[best],
            "commune": codes[main.loc[best].to_numpy()],
            "commune_name": names[main.loc[best].to_numpy()],
        }, columns=columns)


def uncovered_areas(level: np.ndarray, tech: TechnologyConfig, people: np.ndarray,
                    index: np.ndarray, communes: pd.DataFrame, grid: Grid, *, top: int = 10
                    ) -> pd.DataFrame:
    """The largest populated areas with no coverage, ranked by population (a whole grid).

    The same as the streamed run (:class:`GapMerger` over its tiles), the grid as one tile.

    Parameters
    ----------
    level
        Any-operator received level of one technology (NODATA where nothing reaches).
    tech
        The technology (threshold and margin).
    people
        Population per pixel.
    index
        Commune index per pixel (-1 outside).
    communes
        The communes (for the commune holding most of each area's people).
    grid
        The grid (pixel size and georeferencing).
    top
        How many areas to list.

    Returns
    -------
    pandas.DataFrame
        ``rank``, ``population``, ``area_km2``, ``x``, ``y`` (population-weighted centre,
        working CRS), ``commune`` (code) and ``commune_name``.
    """
    merger = GapMerger(grid)
    merger.add(gap_tile(covered_mask(level, tech), people, index, grid,
                        (0, grid.height, 0, grid.width)))
    return merger.areas(communes, top=top)


def headers(columns: list[str] | set[str]) -> dict[str, str]:
    """Headers (with units) of the coverage tables, in the language in force."""
    out = labels("coverage.header")
    for col in columns:
        for prefix in ("pop_covered_", "pop_pct_", "area_pct_"):
            if col.startswith(prefix):
                op, _, tech = col.removeprefix(prefix).rpartition("_")
                who = t("coverage.any_operator") if op == "any" else op
                out[col] = t(f"coverage.header_of.{prefix.rstrip('_')}", technology=tech.upper(),
                             operator=who)
    return out


def raster_tags(tech: str, cfg: TechnologyConfig, settings: CoverageConfig, operator: str,
                *, synthetic: bool) -> dict[str, object]:
    """Model parameters written into every raster's metadata (texts in the language in force)."""
    return {
        "ictgis_layer": t("coverage.tag.level"), "operator": operator,
        "technology": tech, "model": model_name_quiet(cfg.frequency_mhz),
        "frequency_mhz": cfg.frequency_mhz, "eirp_dbm": cfg.eirp_dbm,
        "threshold_dbm": cfg.threshold_dbm, "margin_db": cfg.margin_db,
        "mobile_height_m": cfg.mobile_height_m, "classes_dbm": list(cfg.classes_dbm),
        "resolution_m": settings.resolution_m, "max_range_km": settings.max_range_km,
        "min_distance_km": settings.min_distance_km, "floor_dbm": settings.floor_dbm,
        "environment": dict(settings.environment),
        "data": t("stats.synthetic.yes") if synthetic else "",
    }
