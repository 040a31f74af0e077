"""Crosswalks between eras of communes: former commune code -> new commune code.

From 1 July 2025 Vietnam has no district level and far fewer communes (DOMAIN.md §7). Data of
the former era (the 2019 census, earlier reports, subscriber tables by former commune, former
polygons) reach the new communes through a crosswalk, ``[layers.crosswalk]``: one row per
(former commune, new commune) with the relation ``whole`` (the former commune went entirely
into the new one) or ``divided`` (a part of it, its ``share`` of area or population).

Re-basing sums counts, areas and populations; a divided commune's values are split by share,
integers by largest remainders so that every total is preserved exactly. Ratios are never
re-based: they are recomputed from the sums (:func:`rebase_tables`).

The crosswalk as ictgis holds it (:func:`read_crosswalk`) has the columns ``former_code``,
``code`` (the new commune), ``relation``, ``share`` (1 for whole), ``former_name``,
``former_district``, ``name``, ``kind`` (NA where the file has none) and the row locator.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ictgis import io, validate
from ictgis.errors import DataError
from ictgis.i18n import plain_number, t
from ictgis.io import WHERE
from ictgis.parse import parse_number
from ictgis.text import fold

if TYPE_CHECKING:
    from ictgis.config import LayerConfig
    from ictgis.outputs import Outputs
    from ictgis.workspace import Workspace

# input vocabulary, not display text: relation spellings (folded) -> relation
RELATION_ALIASES: Mapping[str, str] = {
    "whole": "whole", "nhap toan bo": "whole", "toan bo": "whole", "full": "whole",
    "divided": "divided", "nhap mot phan": "divided", "mot phan": "divided",
    "partial": "divided", "split": "divided",
}

# input vocabulary, not display text: spellings of "no" in a default-target column
_NO = frozenset({"false", "0", "no", "n", "khong", "f"})

#: Shares of one former commune must sum to 1 within this tolerance.
SHARE_TOLERANCE = 1e-6

#: Columns of the crosswalk table as ictgis holds it.
COLUMNS = ("former_code", "code", "relation", "share", "former_name", "former_district",
           "name", "kind")

#: Columns added to the communes when a crosswalk is configured: where each came from.
FORMER_COLUMNS = ("former_communes", "former_districts")


# ------------------------------------------------------------------------------- reading


def read_crosswalk(cfg: LayerConfig) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Read ``[layers.crosswalk]`` and check it (:func:`check_crosswalk`)."""
    table = io.map_fields(io.read_layer(cfg), cfg)
    return check_crosswalk(pd.DataFrame(table.drop(columns="geometry", errors="ignore")),
                           file=cfg.label)


def check_crosswalk(table: pd.DataFrame, *, file: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Normalise a crosswalk table and stop on every row that cannot be used.

    Parameters
    ----------
    table
        Mapped fields (``former_code``, ``code``; optional ``relation``, ``share``,
        ``default_target``, ``former_name``, ``former_district``, ``name``, ``kind``) and
        the row locator.
    file
        The file name, for messages.

    Returns
    -------
    tuple
        The crosswalk (:data:`COLUMNS`, shares as fractions, 1 for whole) and warnings.

    Raises
    ------
    DataError
        One message listing every bad row, each with file and row: a code missing, an unknown
        relation, a share that is not a number in (0, 1], a former commune assigned whole to
        two new ones (or whole and divided), a divided commune with no share, shares of one
        former commune that do not sum to 1.
    """
    frame = table.copy()
    if WHERE not in frame:
        frame[WHERE] = [f"row {i + 2}" for i in range(len(frame))]
    empty = pd.Series(pd.NA, index=frame.index, dtype="string")
    for col in ("former_code", "code", "former_name", "former_district", "name", "kind"):
        frame[col] = frame[col].astype("string").str.strip() if col in frame else empty
    share = parse_number(frame["share"]) if "share" in frame else pd.Series(
        np.nan, index=frame.index)
    written = frame["relation"].astype("string").str.strip() if "relation" in frame else empty
    relation = written.map(lambda v: RELATION_ALIASES.get(fold(v)) if isinstance(v, str) and v
                           else pd.NA).astype("string")
    relation = relation.fillna(pd.Series(np.where(share.notna(), "divided", "whole"),
                                         index=frame.index, dtype="string").where(
        validate.blank(written)))
    default = frame["default_target"].astype("string").str.strip().map(
        lambda v: not (isinstance(v, str) and fold(v) in _NO)) if "default_target" in frame \
        else pd.Series(True, index=frame.index)
    frame = frame.assign(relation=relation, share=share, default_target=default.astype(bool))

    def rows(mask: pd.Series, problem: str | pd.Series, code: str,
             severity: str = "rejected") -> pd.DataFrame:
        return validate.problems(frame.assign(id=frame["former_code"]), mask,
                                 layer="crosswalk", file=file, severity=severity,
                                 problem=problem, code=code)

    blank = validate.blank(frame["former_code"]) | validate.blank(frame["code"])
    bad_relation = relation.isna() & ~blank
    bad_share = share.notna() & ((share <= 0) | (share > 1)) & ~blank
    found = [
        rows(blank, t("problems.crosswalk.no_code"), "no_code"),
        rows(bad_relation, validate.texts("problems.crosswalk.bad_relation", bad_relation,
                                          value=written), "bad_relation"),
        rows(bad_share, validate.texts("problems.crosswalk.bad_share", bad_share,
                                       value=share[bad_share].map(plain_number)), "bad_share"),
    ]
    ok = ~(blank | bad_relation | bad_share)
    usable = frame.loc[ok]
    by_former = usable.groupby("former_code", sort=False)
    n_rows = by_former["code"].transform("size")
    has_whole = by_former["relation"].transform(lambda r: (r == "whole").any())
    targets = by_former["code"].transform(lambda c: ", ".join(dict.fromkeys(c)))
    twice = has_whole & (n_rows > 1)
    found.append(rows(twice.reindex(frame.index, fill_value=False),
                      validate.texts("problems.crosswalk.whole_twice",
                                     twice.reindex(frame.index, fill_value=False),
                                     former=frame["former_code"],
                                     targets=targets.reindex(frame.index)), "whole_twice"))

    divided = usable.loc[~has_whole]
    warnings = validate.empty_problems()
    keep = pd.Series(True, index=frame.index)
    if not divided.empty:
        groups = divided.groupby("former_code", sort=False)
        missing = groups["share"].transform(lambda s: s.isna().any())
        defaults = groups["default_target"].transform("sum")
        as_whole = missing & (defaults == 1)
        # the one default target of a divided commune with no share: whole, with a warning
        dropped = groups["code"].transform(lambda c: ", ".join(c))
        chosen = as_whole & divided["default_target"]
        warnings = rows(chosen.reindex(frame.index, fill_value=False),
                        validate.texts("problems.crosswalk.divided_as_whole",
                                       chosen.reindex(frame.index, fill_value=False),
                                       former=frame["former_code"], code=frame["code"],
                                       candidates=dropped.reindex(frame.index)),
                        "divided_as_whole", severity="warning")
        keep.loc[divided.index[(as_whole & ~divided["default_target"]).to_numpy()]] = False
        frame.loc[chosen.index[chosen.to_numpy()], ["relation", "share"]] = ("whole", 1.0)
        no_share = (missing & ~as_whole).reindex(frame.index, fill_value=False)
        found.append(rows(no_share, validate.texts("problems.crosswalk.no_share", no_share,
                                                   former=frame["former_code"]), "no_share"))
        total = groups["share"].transform("sum")
        wrong = (~missing & ((total - 1).abs() > SHARE_TOLERANCE)).reindex(
            frame.index, fill_value=False)
        found.append(rows(wrong, validate.texts(
            "problems.crosswalk.share_sum", wrong, former=frame["former_code"],
            total=total.reindex(frame.index)[wrong].map(plain_number)),  # the rows it names
            "share_sum"))
    validate.raise_if_any(validate.concat(found), what=t("errors.unusable", file=file))
    frame.loc[frame["relation"] == "whole", "share"] = 1.0
    out = frame.loc[keep.to_numpy(), [*COLUMNS, WHERE]].reset_index(drop=True)
    return out, warnings


def check_former_codes(frame: pd.DataFrame, codes: pd.Series, crosswalk: pd.DataFrame, *,
                       layer: str, file: str) -> pd.DataFrame:
    """Rows of a former-era layer whose commune code has no crosswalk row (rejected problems).

    Parameters
    ----------
    frame
        The layer (with the row locator), aligned with ``codes``.
    codes
        The former commune code of each row.
    crosswalk
        From :func:`read_crosswalk`.
    layer, file
        For the messages.
    """
    missing = codes.notna() & ~codes.isin(crosswalk["former_code"])
    return validate.problems(frame.assign(id=codes), missing, layer=layer, file=file,
                             severity="rejected", code="no_crosswalk_row",
                             problem=validate.texts("problems.crosswalk.no_row", missing,
                                                    former=codes.astype("string")))


def check_targets(crosswalk: pd.DataFrame, codes: pd.Series, *, file: str) -> None:
    """Stop when a new commune code of the crosswalk is not in the commune layer.

    Raises
    ------
    DataError
        Naming the crosswalk file and each row.
    """
    missing = ~crosswalk["code"].isin(codes)
    validate.raise_if_any(validate.problems(
        crosswalk.assign(id=crosswalk["former_code"]), missing, layer="crosswalk", file=file,
        severity="rejected", code="unknown_target",
        problem=validate.texts("problems.crosswalk.unknown_target", missing,
                               code=crosswalk["code"])), what=t("errors.unusable", file=file))


# ------------------------------------------------------------------------------- re-basing


def successor(codes: pd.Series, crosswalk: pd.DataFrame) -> pd.Series:
    """The new commune of each former code: its target, or its largest share when divided.

    Codes with no crosswalk row give NA.
    """
    best = (crosswalk.sort_values("share", ascending=False, kind="stable")
            .drop_duplicates("former_code").set_index("former_code")["code"])
    return codes.map(best).astype("string")


def rebase(values: pd.DataFrame, crosswalk: pd.DataFrame) -> pd.DataFrame:
    """Additive values by former commune -> by new commune.

    Parameters
    ----------
    values
        Indexed by former commune code; additive columns only (counts, areas, populations).
    crosswalk
        From :func:`read_crosswalk`.

    Returns
    -------
    pandas.DataFrame
        Indexed by new commune code (``code``), the new communes reached by ``values``. A
        divided commune's value is split by its shares: whole numbers by largest remainders
        (each former commune's parts sum exactly to its value), others proportionally. A new
        commune with a missing value in any of its parts gets NaN there. Former codes with no
        crosswalk row are not counted: check them first (:func:`check_former_codes`).
    """
    links = crosswalk[["former_code", "code", "share"]].reset_index(drop=True)
    index = pd.Index(values.index.astype("string"), name="former_code")
    src = pd.DataFrame(values.to_numpy(), index=index, columns=values.columns)
    pos = index.get_indexer(links["former_code"])
    links = links.loc[pos >= 0].reset_index(drop=True)
    pos = pos[pos >= 0]
    group = pd.factorize(links["former_code"])[0]
    share = links["share"].to_numpy(float)
    parts = {}
    for col in values.columns:
        column = pd.to_numeric(src[col], errors="coerce").to_numpy(float)[pos]
        parts[col] = (_split_whole_numbers(column, share, group) if _whole_numbers(column)
                      else column * share)
    split = pd.DataFrame(parts, index=links.index)
    keys = links["code"].rename("code")
    sums = split.groupby(keys, sort=True).sum()
    incomplete = split.isna().groupby(keys, sort=True).any()
    return sums.mask(incomplete)


def _whole_numbers(values: np.ndarray) -> bool:
    finite = values[np.isfinite(values)]
    return bool(len(finite) and (finite == np.round(finite)).all())


def _split_whole_numbers(values: np.ndarray, share: np.ndarray, group: np.ndarray) -> np.ndarray:
    """``values * share`` rounded so that each group's parts sum exactly to its value."""
    exact = values * share
    base = np.floor(exact + 1e-9)
    finite = np.isfinite(exact)
    if not finite.any():
        return exact
    n = int(group.max()) + 1
    value = np.zeros(n)
    value[group[finite]] = values[finite]  # every part of a group carries the group's value
    missing = np.round(value - np.bincount(group[finite], base[finite], n))
    remainder = np.where(finite, exact - base, -np.inf)
    order = np.lexsort((np.arange(len(group)), -remainder, group))
    start = np.r_[0, np.cumsum(np.bincount(group, minlength=n))[:-1]]
    rank = np.empty(len(group), dtype=np.int64)
    rank[order] = np.arange(len(group)) - start[group[order]]
    out = base + (finite & (rank < missing[group]))
    return np.where(finite, out, np.nan)


def former_lists(crosswalk: pd.DataFrame) -> pd.DataFrame:
    """Each new commune's former communes and former district(s), as text.

    Returns
    -------
    pandas.DataFrame
        Indexed by new code: ``former_communes`` ("Phường 5 (28249); Phường 4 (28252)", a
        divided commune with its share: "Xã A (123: 40%)") and ``former_districts`` (the
        distinct former districts joined by semicolons; empty when the crosswalk has none).
    """
    names = crosswalk["former_name"].fillna("").astype(str)
    codes = crosswalk["former_code"].astype(str)
    shares = crosswalk["share"].to_numpy(float)
    label = []
    for name, code, share in zip(names, codes, shares, strict=True):
        key = f"{code}: {share:.0%}" if share < 1 else code
        label.append(f"{name} ({key})" if name else key)
    frame = pd.DataFrame({"code": crosswalk["code"].to_numpy(), "former_communes": label,
                          "former_districts": crosswalk["former_district"].fillna("")
                          .astype(str).to_numpy()})
    grouped = frame.groupby("code", sort=True)
    return pd.DataFrame({
        "former_communes": grouped["former_communes"].agg("; ".join),
        "former_districts": grouped["former_districts"].agg(
            lambda d: "; ".join(x for x in dict.fromkeys(d) if x)),
    }).astype("string")


def dissolve(former: gpd.GeoDataFrame, crosswalk: pd.DataFrame, *, file: str
             ) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """Former commune polygons -> the new communes (areas and populations re-based).

    Parameters
    ----------
    former
        ``code`` (former), ``name``, optional ``district``, ``population``, ``area_km2``,
        ``area_computed_km2``, and the polygons.
    crosswalk
        With the new communes' ``name`` (and optional ``kind``).
    file
        The commune layer, for messages.

    Returns
    -------
    tuple
        The new communes (``code``, ``name``, ``kind`` as written in the crosswalk, the
        re-based sums, the union of their polygons), and a warning for each divided former
        polygon, whose geometry goes whole to its largest share.

    Raises
    ------
    DataError
        When a former polygon has no crosswalk row, or the crosswalk gives no new name.
    """
    found = check_former_codes(former, former["code"], crosswalk, layer="communes", file=file)
    validate.raise_if_any(found, what=t("errors.unusable", file=file))
    used = crosswalk[crosswalk["former_code"].isin(former["code"])]
    unnamed = validate.blank(used["name"])
    validate.raise_if_any(validate.problems(
        used.assign(id=used["former_code"]), unnamed, layer="crosswalk", file=file,
        severity="rejected", code="no_name",
        problem=validate.texts("problems.crosswalk.no_name", unnamed, code=used["code"])),
        what=t("errors.unusable", file=file))
    sums = [c for c in ("population", "area_km2", "area_computed_km2") if c in former]
    values = rebase(pd.DataFrame(former[sums].to_numpy(), columns=sums,
                                 index=former["code"].astype("string")), crosswalk)
    target = successor(former["code"], crosswalk)
    split = former["code"].isin(used.loc[used["share"] < 1, "former_code"])
    warnings = validate.problems(
        former, split, layer="communes", file=file, severity="warning", code="divided_polygon",
        problem=validate.texts("problems.crosswalk.divided_polygon", split, code=target))
    geoms = gpd.GeoSeries(former.geometry.to_numpy(), crs=former.crs)
    shapes = geoms.groupby(target.to_numpy()).agg(
        lambda g: shapely.union_all(np.asarray(g, dtype=object)))
    labels = used.drop_duplicates("code").set_index("code")[["name", "kind"]]
    out = labels.loc[values.index].join(values)
    out["geometry"] = shapes.reindex(values.index).to_numpy()
    out = gpd.GeoDataFrame(out.reset_index(names="code"), geometry="geometry", crs=former.crs)
    out[WHERE] = [str(t("admin.crosswalk.dissolved", code=c)) for c in out["code"]]
    return out, warnings


# ------------------------------------------------------------------ earlier eras' outputs


def rebase_tables(commune_table: pd.DataFrame, crosswalk: pd.DataFrame,
                  communes: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """An earlier era's commune indicator table, in the new units, at every level.

    Parameters
    ----------
    commune_table
        The earlier run's ``stats/commune.csv`` (as written, any language): one row per
        former commune, with ``code`` and its sums (area, population, counts).
    crosswalk
        From :func:`read_crosswalk` (a workspace's ``ws.crosswalk``).
    communes
        The new communes (``ws.communes``): their ``code``, ``name``, ``kind``, ``zone`` and
        ``region`` group the re-based sums.

    Returns
    -------
    dict
        Level -> indicator table as :func:`ictgis.stats.compute_stats` gives it: the sums
        re-based onto the new communes, then ratios recomputed at every level (the zones are
        the new communes' zones: "urban" in the new sense).

    Raises
    ------
    DataError
        When a former commune of the table has no crosswalk row.
    """
    from ictgis import stats

    table = commune_table.copy()
    table["code"] = table["code"].astype("string").str.strip().str.replace(
        r"\.0$", "", regex=True)
    frame = table.assign(**{WHERE: [f"row {i + 2}" for i in range(len(table))]})
    found = check_former_codes(frame, table["code"], crosswalk, layer="compare",
                               file="commune.csv")
    validate.raise_if_any(found, what=t("errors.crosswalk.compare"))
    additive = [c for c in stats.additive_columns(table)
                if c not in stats.RATIO_COLUMNS and pd.api.types.is_numeric_dtype(table[c])]
    values = rebase(table.set_index("code")[additive], crosswalk)
    keep = [c for c in ("code", "name", "kind", "zone", "region") if c in communes]
    new = pd.DataFrame(communes[keep]).join(values, on="code")
    return {level: stats.level_table(new, level) for level in stats.available_levels(new)
            if level != "district"}


def rebase_outputs(earlier: Outputs, ws: Workspace) -> dict[str, dict[str, pd.DataFrame]]:
    """An earlier era's outputs folder read as :meth:`Outputs.tables` does, in the new units.

    The statistics are re-based from the earlier ``stats/commune.csv`` through
    ``ws.crosswalk`` (:func:`rebase_tables`); the other steps' tables are left out (they are
    not additive by commune).

    Raises
    ------
    DataError
        When the workspace has no crosswalk, the earlier outputs have no commune table, or a
        former commune there has no crosswalk row.
    """
    from ictgis import outputs

    if ws.crosswalk is None:
        msg = t("errors.crosswalk.none", config=ws.config.path.name)
        raise DataError(msg)
    path = earlier.folder(outputs.STATS) / outputs.level_csv("commune")
    table = io.read_output_table(path)
    if table is None:
        msg = t("errors.crosswalk.no_commune_table", path=path)
        raise DataError(msg)
    return {outputs.STATS: rebase_tables(table, ws.crosswalk, ws.communes)}
