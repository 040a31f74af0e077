"""Put QGIS styles into output files: GeoPackage ``layer_styles``, raster band metadata, sidecars.

Every file is changed through :func:`ictgis.io.atomic_path`: a copy is changed and replaces
the file only when complete. (A run's staging folder holds hard links to the previous
outputs; a file changed in place would change the previous outputs too.)
"""

from __future__ import annotations

import contextlib
import shutil
import sqlite3
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

from ictgis.qgis.styles import Style

#: QGIS's table of layer styles in a GeoPackage (as the OGR provider creates it).
LAYER_STYLES = "layer_styles"
_CREATE = f"""CREATE TABLE IF NOT EXISTS {LAYER_STYLES} (
    id INTEGER PRIMARY KEY AUTOINCREMENT, f_table_catalog TEXT(256), f_table_schema TEXT(256),
    f_table_name TEXT(256), f_geometry_column TEXT(256), styleName TEXT(30), styleQML TEXT,
    styleSLD TEXT, useAsDefault BOOLEAN, description TEXT, owner TEXT(30), ui TEXT(30),
    update_time DATETIME DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')))"""


def write_layer_styles(path: Path, styles: Mapping[str, Sequence[Style]]) -> None:
    """Store the styles of the layers of a GeoPackage in its ``layer_styles`` table.

    Parameters
    ----------
    path
        The GeoPackage (changed atomically).
    styles
        Layer (table) name -> its styles; the rows a previous call wrote for these layers are
        replaced. A style with ``default`` is the one QGIS applies when the layer is added;
        the others are listed under *Load Style* > *From database*.
    A file that already holds exactly these styles is left untouched (its bytes stay the same:
    a step run alone restyles only what it rewrote).
    """
    if _styled_as(path, styles):
        return
    with _changed_copy(path) as tmp, contextlib.closing(sqlite3.connect(tmp)) as db:
        geometry = dict(db.execute("SELECT table_name, column_name FROM gpkg_geometry_columns"))
        db.execute(_CREATE)
        db.execute("INSERT INTO gpkg_contents (table_name, data_type, identifier) "
                   "SELECT ?, 'attributes', ? WHERE NOT EXISTS "
                   "(SELECT 1 FROM gpkg_contents WHERE table_name = ?)",
                   (LAYER_STYLES, LAYER_STYLES, LAYER_STYLES))
        for table, found in styles.items():
            db.execute(f"DELETE FROM {LAYER_STYLES} WHERE f_table_name = ?", (table,))
            db.executemany(
                f"INSERT INTO {LAYER_STYLES} (f_table_catalog, f_table_schema, f_table_name, "
                "f_geometry_column, styleName, styleQML, styleSLD, useAsDefault, description, "
                "owner, ui) VALUES ('', '', ?, ?, ?, ?, '', ?, ?, 'ictgis', '')",
                [(table, geometry.get(table, "geom"), style.name, style.qml, int(style.default),
                  style.description) for style in found])
        db.commit()


def _styled_as(path: Path, styles: Mapping[str, Sequence[Style]]) -> bool:
    """Whether the GeoPackage's ``layer_styles`` already holds exactly ``styles``."""
    uri = f"{Path(path).resolve().as_uri()}?mode=ro"
    try:
        with contextlib.closing(sqlite3.connect(uri, uri=True)) as db:
            rows = db.execute(f"SELECT f_table_name, styleName, styleQML, useAsDefault, "
                              f"description FROM {LAYER_STYLES}").fetchall()
    except sqlite3.Error:
        return False
    wanted = {(table, s.name, s.qml, int(s.default), s.description)
              for table, found in styles.items() for s in found}
    have = {row for row in rows if row[0] in styles}
    return have == wanted


def style_raster(path: Path, *, description: str,
                 colormap: Mapping[int, tuple[int, int, int, int]] | None = None) -> None:
    """Give band 1 of a GeoTIFF a description and, for classes, a colour table (atomically).

    A raster that already has them is left untouched.
    """
    import rasterio

    with rasterio.open(path) as src:
        done = src.descriptions[0] == description
        if colormap:
            try:
                done = done and src.colormap(1) == dict(colormap)
            except ValueError:  # no colour table yet
                done = False
    if done:
        return
    with _changed_copy(path) as tmp, rasterio.open(tmp, "r+") as dst:
        dst.set_band_description(1, description)
        if colormap:
            dst.write_colormap(1, dict(colormap))


@contextlib.contextmanager
def _changed_copy(path: Path) -> Iterator[Path]:
    """A copy of ``path`` to change; it replaces ``path`` when the block ends without error."""
    from ictgis import io

    with io.atomic_path(path) as tmp:
        shutil.copyfile(path, tmp)
        yield tmp
