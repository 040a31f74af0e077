"""`ictgis siting` on a toy workspace: outputs, summary counts, proposals, languages, errors."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import Point, box

from ictgis import i18n
from ictgis.cli.main import main
from tests.conftest import CONFIG, X0, Y0, lonlat

SITING = """
[layers.zones]
path = "zones.gpkg"
[layers.zones.fields]
id = "ma"
zone_class = "loai"
allowed_classes = "cot"
max_height = "cao"

[layers.plan_features]
path = "features.gpkg"
[layers.plan_features.fields]
id = "ma"
zone_class = "loai"
buffer = "r"

[layers.planned_sites]
path = "planned.csv"
crs = "EPSG:9210"
[layers.planned_sites.fields]
id = "ma"
mast_class = "cls"
easting = "x"
northing = "y"

[siting]
sharing_target_pct = 40
"""

BTS_FIELDS = 'technologies = "tech"\nmast_class = "cls"\nheight = "h"\nstatus = "st"\n'


@pytest.fixture
def siting_ws(make_workspace, bts_df) -> Path:
    bts = bts_df.assign(x=[X0 + 1_000, X0 + 2_000, X0 + 11_000, X0 + 11_300],
                        cls=["A2b", "A1a", "A2b", "A2b"], h=[50, 12, 30, 30],
                        st=["dang_hoat_dong", "dang_hoat_dong", "dang_xay_dung", "dang_hoat_dong"])
    config = CONFIG.replace('technologies = "tech"\n', BTS_FIELDS) + SITING
    root = make_workspace(bts=bts, config=config)
    gpd.GeoDataFrame({"ma": ["Z1", "Z2"], "loai": ["Khu vực chỉ lắp cột A1", "Khu vực được phép"],
                      "cot": ["", "A1a;A1b;A2a"], "cao": [None, 40.0]},
                     geometry=[box(X0, Y0, X0 + 1500, Y0 + 1500),
                               box(X0 + 10_000, Y0, X0 + 20_000, Y0 + 10_000)],
                     crs="EPSG:9210").to_file(root / "zones.gpkg")
    gpd.GeoDataFrame({"ma": ["F1"], "loai": ["Khu vực cấm"], "r": [100]},
                     geometry=[Point(X0 + 25_000, Y0 + 5_000)], crs="EPSG:9210").to_file(
        root / "features.gpkg")
    pd.DataFrame({"ma": ["QH1", "QH2"], "cls": ["A2a", "A2b"],
                  "x": [X0 + 11_050, X0 + 28_000], "y": [Y0 + 1_000, Y0 + 5_000]}).to_csv(
        root / "planned.csv", index=False)
    return root


def test_siting_outputs_and_counts(runner, siting_ws: Path, vietnamese) -> None:
    result = runner.invoke(main, ["siting", "-w", str(siting_ws)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    out = siting_ws / "outputs" / "siting"
    findings = pd.read_csv(out / "findings.csv", encoding="utf-8-sig")
    by_rule = findings.groupby("rule")["site_id"].apply(sorted).to_dict()
    assert by_rule == {
        "height.aviation": ["B1"],              # 50 m
        "plan.class": ["B3"],                   # A2b built at QH1, planned A2a
        "plan.not_built": ["QH2"],
        "sharing.target": ["Huyện Cái Bè"],     # 0 of 2 masts shared < 40 %
        "spacing.colocate": ["B3", "B4"],       # 300 m apart in a xã: < 400 m
        "zone.a1_only": ["B1"],                 # A2b inside the A1-only zone
        "zone.class": ["B3", "B4"],             # A2b not in A1a;A1b;A2a
    }
    names = i18n.labels("siting.rule_name", "vi")  # the workbook shows names, the CSV ids
    summary = pd.read_excel(out / "summary.xlsx", sheet_name="Quy tắc", skiprows=2).rename(
        columns={"Quy tắc": "rule", "Số phát hiện": "findings"})
    assert summary.set_index("rule")["findings"].to_dict() == {
        names[r]: int((findings["rule"] == r).sum()) for r in names
        if names[r] in set(summary["rule"])}
    assert summary["findings"].sum() == len(findings)
    layers = gpd.list_layers(out / "findings.gpkg")["name"].tolist()
    assert layers == ["findings", "links"]
    links = gpd.read_file(out / "findings.gpkg", layer="links")
    assert (links.geometry.geom_type == "LineString").all()
    assert sorted(links["rule"]) == ["plan.class", "spacing.colocate", "spacing.colocate"]
    assert sorted(links.geometry.length.round(3)) == [50.0, 300.0, 300.0]
    compliance = pd.read_excel(out / "summary.xlsx", sheet_name="Tuân thủ - Toàn tỉnh",
                               skiprows=2)
    assert compliance[["Số cột", "Cột không vi phạm"]].iloc[0].tolist() == [4, 1]  # only B2
    not_built = pd.read_csv(out / "planned_not_built.csv", encoding="utf-8-sig")
    assert not_built["site_id"].tolist() == ["QH2"]
    assert "Cột nằm trong" not in result.output  # the console shows counts, not every finding
    assert "Phải dùng chung hạ tầng" in result.output and "spacing.colocate" not in result.output


def _proposals(root: Path, *, vn2000: bool) -> Path:
    x = [X0 + 11_060, X0 + 1_100, X0 + 25_000, X0 + 16_000, 1.0]
    y = [Y0 + 1_000, Y0 + 1_000, Y0 + 5_000, Y0 + 9_000, 1.0]
    table = pd.DataFrame({"id": ["D1", "D2", "D3", "D4", "D5", "D6"],
                          "ops": ["VinaPhone"] * 6, "cls": ["A2a", "A1a", "A1a", "A2a", "A2a",
                                                            "A2a"]})
    if vn2000:
        table["x"], table["y"] = [*x, ""], [*y, ""]
    else:
        lon, lat = lonlat(x, y)
        table["lon"], table["lat"] = [*lon, ""], [*lat, ""]
    path = root / f"proposals_{'vn2000' if vn2000 else 'wgs84'}.csv"
    table.to_csv(path, index=False)
    fields = ('[layers.proposals]\npath = "x.csv"\ncrs = "EPSG:9210"\n'
              '[layers.proposals.fields]\nid = "id"\noperators = "ops"\nmast_class = "cls"\n'
              'easting = "x"\nnorthing = "y"\n') if vn2000 else (
              '[layers.proposals]\npath = "x.csv"\n[layers.proposals.fields]\nid = "id"\n'
              'operators = "ops"\nmast_class = "cls"\nlon = "lon"\nlat = "lat"\n')
    config = root / "ictgis.toml"
    text = config.read_text(encoding="utf-8").split("[layers.proposals]")[0]
    config.write_text(text + fields, encoding="utf-8")
    return path


@pytest.mark.parametrize("vn2000", [False, True], ids=["wgs84", "vn2000"])
def test_proposal_verdicts(runner, siting_ws: Path, vn2000: bool) -> None:
    path = _proposals(siting_ws, vn2000=vn2000)
    result = runner.invoke(main, ["siting", "-w", str(siting_ws), "--proposals", str(path),
                                  "--lang", "en"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    verdicts = pd.read_csv(siting_ws / "outputs" / "siting" / "proposals.csv",
                           encoding="utf-8-sig").set_index("id")
    assert verdicts["verdict"].to_dict() == {
        "D1": "co-locate",   # at QH1 but 60 m from B3 (different operator)
        "D2": "refuse",      # away from every planned site
        "D3": "refuse",      # in the prohibited buffer of F1 (and unplanned)
        "D4": "refuse",      # unplanned
        "D5": "refuse",      # outside the province
        "D6": "invalid",     # no coordinates
    }
    assert verdicts.loc["D1", "colocate_with"] == "B3"
    assert verdicts.loc["D1", "colocate_distance_m"] == pytest.approx(60, abs=0.01)
    assert "Mast inside prohibited zone F1" in verdicts.loc["D3", "reasons"]
    assert "outside the province" in verdicts.loc["D5", "reasons"]
    assert "cannot read coordinates" in verdicts.loc["D6", "reasons"]
    xlsx = pd.read_excel(siting_ws / "outputs" / "siting" / "proposals.xlsx", skiprows=2)
    assert list(xlsx.columns[:3]) == ["Proposal ID", "Verdict", "Reasons"]


def test_proposals_in_vietnamese(runner, siting_ws: Path) -> None:
    path = _proposals(siting_ws, vn2000=True)
    result = runner.invoke(main, ["siting", "-w", str(siting_ws), "--proposals", str(path),
                                  "--lang", "vi"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    out = siting_ws / "outputs" / "siting"
    verdicts = pd.read_csv(out / "proposals.csv", encoding="utf-8-sig").set_index("id")
    assert verdicts.loc["D1", "verdict"] == "co-locate"  # ids in the data, whatever the language
    assert verdicts.loc["D1", "reasons"] == "Phải dùng chung với cột B3 (cách 60 m)"
    assert "Cột nằm trong khu vực cấm F1" in verdicts.loc["D3", "reasons"]
    xlsx = pd.read_excel(out / "proposals.xlsx", skiprows=2)
    assert list(xlsx.columns[:3]) == ["Mã đề xuất", "Kết quả", "Lý do"]
    findings = pd.read_csv(out / "findings.csv", encoding="utf-8-sig")
    zone_class = findings[findings["rule"] == "zone.class"]
    assert zone_class["detail"].tolist() == ["A2b (được phép: A1a, A1b, A2a)"] * 2
    assert zone_class["message"].iloc[0].startswith("Loại cột không được phép trong khu vực Z2")


def test_findings_texts_in_english(runner, siting_ws: Path) -> None:
    result = runner.invoke(main, ["siting", "-w", str(siting_ws), "--lang", "en"],
                           catch_exceptions=False)
    assert result.exit_code == 0, result.output
    out = siting_ws / "outputs" / "siting"
    findings = pd.read_csv(out / "findings.csv", encoding="utf-8-sig")
    sharing = findings[findings["rule"] == "sharing.target"].iloc[0]
    assert sharing["detail"] == "2 masts, 0 shared"
    assert sharing["message"] == "Shared-mast share 0.0% below the 40% target (2 masts, 0 shared)"
    zone_class = findings[findings["rule"] == "zone.class"]
    assert zone_class["detail"].tolist() == ["A2b (allowed: A1a, A1b, A2a)"] * 2
    summary = pd.read_excel(out / "summary.xlsx", sheet_name="Rules", skiprows=2)
    assert list(summary.columns) == ["Rule", "Severity", "Findings", "Sites"]
    assert "Co-location required" in summary["Rule"].tolist()  # names, not ids


def test_unknown_mast_class_stops_with_one_clear_line(runner, siting_ws: Path) -> None:
    bts = pd.read_csv(siting_ws / "bts.csv", dtype=str)
    bts.loc[2, "cls"] = "Cột dây co"
    bts.to_csv(siting_ws / "bts.csv", index=False)
    result = runner.invoke(main, ["siting", "-w", str(siting_ws)])
    assert result.exit_code == 1
    assert ("bts.csv: row 4: mast class “Cột dây co” is not in [siting] mast_classes"
            in result.stderr)
    assert "Traceback" not in result.output


def test_validate_reports_unknown_mast_classes_too(runner, siting_ws: Path) -> None:
    bts = pd.read_csv(siting_ws / "bts.csv", dtype=str)
    bts.loc[0, "cls"] = "A3"
    bts.to_csv(siting_ws / "bts.csv", index=False)
    result = runner.invoke(main, ["validate", "-w", str(siting_ws)])
    assert result.exit_code == 1
    assert "bts.csv: row 2: mast class “A3” is not in [siting] mast_classes" in result.stderr


@pytest.mark.parametrize(("lang", "findings", "proposals"), [
    ("vi", "     1.234", "đề xuất: 1.000 Chấp thuận, 1 Không chấp thuận"),
    ("en", "     1,234", "proposals: 1,000 Approved, 1 Refused"),
])
def test_counts_of_the_summary_are_written_as_the_language_does(lang, findings,
                                                                 proposals) -> None:
    from ictgis.cli.siting import format_siting

    rules = pd.DataFrame({"rule": ["validity.duplicate"], "severity": ["warning"],
                          "findings": [1234]})
    verdicts = pd.DataFrame({"id": [f"P{i}" for i in range(1001)],
                             "verdict": ["approve"] * 1000 + ["refuse"], "reasons": ""})
    with i18n.language(lang):
        lines = format_siting({"rules": rules}, verdicts).splitlines()
    assert lines[1].endswith(findings)  # right-aligned in its column of 10
    assert lines[2] == proposals
