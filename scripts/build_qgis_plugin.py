"""Zip the QGIS plugin for "Plugins > Install from ZIP": python scripts/build_qgis_plugin.py [DEST].

Writes ``DEST/ictgis_processing-<version>.zip`` (default ``dist/``), holding the folder
``ictgis_processing/`` of ``qgis_plugin/`` without caches, and prints its path.
"""

from __future__ import annotations

import configparser
import sys
import zipfile
from pathlib import Path

PLUGIN = Path(__file__).resolve().parents[1] / "qgis_plugin" / "ictgis_processing"


def build(dest: Path) -> Path:
    """Write the plugin's zip into ``dest``; return its path."""
    meta = configparser.ConfigParser()
    meta.read(PLUGIN / "metadata.txt", encoding="utf-8")
    version = meta["general"]["version"]
    dest.mkdir(parents=True, exist_ok=True)
    target = dest / f"{PLUGIN.name}-{version}.zip"
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(PLUGIN.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
                archive.write(path, Path(PLUGIN.name) / path.relative_to(PLUGIN))
    return target


if __name__ == "__main__":
    print(build(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("dist")))
