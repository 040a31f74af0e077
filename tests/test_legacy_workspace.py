"""A commune Shapefile in a legacy Vietnamese encoding, loaded as a workspace loads it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pyogrio
import pytest

from ictgis import text_encodings  # noqa: F401  (registers the tcvn3 and vni codecs)
from ictgis.config import load_config
from ictgis.errors import DataError, LayerReadError
from ictgis.workspace import load_communes
from tests.test_io import write_undeclared_shapefile

DEMO = Path(__file__).resolve().parents[1]

CONFIG = """
[province]
name = "Tiền Giang (synthetic demo)"
crs = "EPSG:9210"
synthetic = true

[layers.communes]
path = "communes.shp"
{encoding}
[layers.communes.fields]
code = "ma_xa"
name = "ten_xa"
district = "huyen"
population = "dan_so"

[layers.post_offices]
path = "post_offices.csv"
crs = "EPSG:4326"
[layers.post_offices.fields]
id = "ma_diem"
name = "ten_diem"
type = "loai_diem"
"""


def _workspace(root: Path, file_encoding: str, *, declared: str | None,
               code_page: int = 0) -> tuple[Path, list[str]]:
    """The demo communes as a Shapefile whose DBF is in ``file_encoding``, without .cpg.

    The kind column is not mapped: kinds come from the names' prefixes (Phường, Thị trấn, Xã),
    so they can only be told when the names are decoded right.
    """
    communes = pyogrio.read_dataframe(DEMO / "boundaries" / "communes.gpkg")
    names = list(communes["ten_xa"])
    for col in ("ten_xa", "loai", "huyen", "ghi_chu"):
        communes[col] = [v.encode(file_encoding).decode("latin-1") for v in communes[col]]
    write_undeclared_shapefile(communes, root / "communes.shp", code_page=code_page)
    shutil.copy(DEMO / "layers" / "post_offices.csv", root / "post_offices.csv")
    line = f'encoding = "{declared}"' if declared else ""
    (root / "ictgis.toml").write_text(CONFIG.format(encoding=line), encoding="utf-8")
    return root, names


@pytest.mark.parametrize("encoding", ["tcvn3", "vni"])
def test_communes_in_a_legacy_encoding_load_when_declared(tmp_path, encoding):
    root, names = _workspace(tmp_path, encoding, declared=encoding)
    assert "Phường".encode(encoding) in (root / "communes.dbf").read_bytes()
    communes, _ = load_communes(load_config(root))
    assert list(communes["name"]) == names
    assert set(communes["kind"]) == {"phuong", "thi_tran", "xa"}


def test_the_symptom_and_the_suggestion(tmp_path, english):
    # read in the wrong code page, the kinds of the names cannot be told: the issue's
    # "cannot tell the kind", here for all 22 phường and 7 thị trấn (a xã survives: "Xã" in
    # TCVN3 read as Windows-1252 is "X·", which still folds to the prefix "x") ...
    root, _ = _workspace(tmp_path, "tcvn3", declared="cp1252")
    with pytest.raises(DataError) as caught:
        load_communes(load_config(root))
    assert caught.value.message_id == "errors.problems.list"
    assert str(caught.value).startswith("29 problems")
    listed = str(caught.value).count("\n  communes.shp: feature")
    assert listed > 0 and str(caught.value).count("cannot tell the kind") == listed
    # ... whereas a file that does not declare its encoding, whose header names Windows
    # ANSI, stops at once with the encoding in which it reads as Vietnamese
    root, _ = _workspace(tmp_path, "tcvn3", declared=None, code_page=0x57)
    with pytest.raises(LayerReadError) as caught:
        load_communes(load_config(root))
    assert caught.value.message_id == "errors.io.encoding_guess"
    assert 'set encoding = "tcvn3" in [layers.communes]' in str(caught.value)
