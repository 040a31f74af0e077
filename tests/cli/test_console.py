"""What the console shows: progress on a terminal, problems counted once, the log levels."""

from __future__ import annotations

import logging

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
