"""What the console shows: progress on a terminal, problems counted once, the log levels."""

from __future__ import annotations

import logging
from pathlib import Path

from click.testing import CliRunner

from ictgis import i18n
from ictgis.cli.main import SHOWN_PROBLEMS, ProgressLine, main


def test_counted_work_is_a_bar_on_one_line(capsys) -> None:
    show = ProgressLine()
    show("coverage", "")
    for done in (1, 2, 4):
        show("coverage", i18n.t("coverage.progress.tile", done=done, total=4))
    show("maps", "")
    err = capsys.readouterr().err
    assert err.startswith("» coverage\n")
    assert err.count("\r") == 3 and err.count("█" * ProgressLine.WIDTH) == 1
    assert err.endswith("» maps\n")
    lines = err.split("\n")  # the bar redraws itself in place (\r) on one line until full
    assert len(lines) == 4 and lines[1].count("\r") == 3 and lines[3] == ""


def test_coverage_progress_reaches_the_terminal_to_the_last_tile(make_workspace,
                                                                  tmp_path) -> None:
    """While the GeoTIFFs are written, what GDAL prints on descriptor 2 is captured (it would
    garble the terminal); the progress bar, on a real terminal (a pty), must still be drawn
    up to the last tile, and no library's English warning shown."""
    import os
    import pty
    import re
    import shutil
    import subprocess
    import sys

    root = make_workspace()
    exe = shutil.which("ictgis") or str(Path(sys.executable).with_name("ictgis"))
    terminal, child_end = pty.openpty()
    proc = subprocess.Popen([exe, "coverage", "-w", str(root), "--out", str(tmp_path / "out"),
                             "--lang", "en"], stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=child_end)
    os.close(child_end)
    said = b""
    while True:  # read while it runs (a full pty would block it), until it closes the pty
        try:
            chunk = os.read(terminal, 65536)
        except OSError:  # EIO: the child is gone
            break
        if not chunk:
            break
        said += chunk
    os.close(terminal)
    assert proc.wait(timeout=300) == 0
    text = said.decode("utf-8", "replace")
    counts = [(int(a), int(b)) for a, b in re.findall(r"tile (\d+)/(\d+)", text)]
    assert counts and counts[-1][0] == counts[-1][1] >= 2, text[-500:]
    assert [done for done, _ in counts] == list(range(1, counts[-1][1] + 1))
    assert "Traceback" not in text and "geotransform" not in text


def test_only_our_warnings_are_shown() -> None:
    """A step shows the warnings raised by ictgis's code, not a library's caught on the way."""
    import warnings

    import ictgis
    from ictgis.steps import our_warnings

    here = str(Path(ictgis.__file__).parent / "coverage" / "models.py")
    records = [warnings.WarningMessage("beyond the model's range", UserWarning, here, 1),
               warnings.WarningMessage("beyond the model's range", UserWarning, here, 9),
               warnings.WarningMessage("Dataset has no geotransform", UserWarning,
                                       "/usr/lib/python3/dist-packages/rasterio/env.py", 3)]
    assert our_warnings(records) == ("beyond the model's range",)


def test_problems_are_listed_once_then_counted(make_workspace, posts_df) -> None:
    import pandas as pd

    posts = pd.concat([posts_df] * 3, ignore_index=True)
    posts["id"] = [f"P{i}" for i in range(len(posts))]
    posts.loc[:, "loai"] = "Trạm xăng"  # fifteen unknown point types: fifteen rejected rows
    root = make_workspace(posts=posts)
    result = CliRunner().invoke(main, ["validate", "-w", str(root), "--lang", "en"])
    lines = result.stderr.splitlines()
    assert sum(line.startswith("rejected: posts.csv") for line in lines) == SHOWN_PROBLEMS
    total = [line for line in lines if line.startswith("data problems:")]
    assert len(total) == 1 and "outputs/rejects/problems.csv" in total[0]


def test_libraries_are_quiet_unless_debug(make_workspace) -> None:
    root = make_workspace()
    runner = CliRunner()
    runner.invoke(main, ["-vv", "stats", "-w", str(root), "-q"])
    assert logging.getLogger().level == logging.WARNING
    assert logging.getLogger("ictgis").level == logging.DEBUG
    runner.invoke(main, ["--debug", "stats", "-w", str(root), "-q"])
    assert logging.getLogger().level == logging.DEBUG


def test_communes_whose_names_repeat_are_named_with_their_district() -> None:
    import pandas as pd

    from ictgis.cli.main import commune_labels

    communes = pd.DataFrame({"code": ["1", "2", "3"], "name": ["Phường 1", "Phường 1", "Xã A"],
                             "district": ["Thành phố Mỹ Tho", "Thị xã Gò Công", "Huyện B"]})
    assert commune_labels(communes) == {"1": "Phường 1 (Thành phố Mỹ Tho)",
                                        "2": "Phường 1 (Thị xã Gò Công)", "3": "Xã A"}
    two_tier = communes.drop(columns="district")
    assert commune_labels(two_tier)["1"] == "Phường 1"


def test_long_proposal_ids_do_not_run_into_their_verdicts() -> None:
    import pandas as pd

    from ictgis.cli.siting import format_siting

    rules = pd.DataFrame({"rule": ["zone.prohibited"], "severity": ["violation"], "findings": [1]})
    verdicts = pd.DataFrame({"id": ["VT-2025-01", "VT-2025-002"], "verdict": ["approve", "refuse"],
                             "reasons": ["", "In a prohibited zone"]})
    lines = format_siting({"rules": rules}, verdicts).splitlines()
    assert any(line.startswith("  VT-2025-01   Approved") for line in lines), lines
