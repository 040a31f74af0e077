"""Siting rules on small layouts built in code, parametrized over their edge cases."""

from __future__ import annotations

from types import MappingProxyType

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point, box

from ictgis import siting
from ictgis.config import SitingConfig
from ictgis.errors import DataError

X0, Y0 = 590_000.0, 1_140_000.0
CRS = "EPSG:9210"
SETTINGS = SitingConfig(
    min_spacing_m=MappingProxyType({"default": (100.0, 400.0), "A2b": (300.0, 400.0)}),
    sharing_target_pct=30.0,
)


def sites(*rows: tuple) -> gpd.GeoDataFrame:
    """Sites from (id, dx, dy, operators, class, height, status, urban) tuples (dx/dy in m)."""
    ids, xs, ys, ops, classes, heights, status, urban = zip(*rows, strict=True)
    return gpd.GeoDataFrame({
        "id": list(ids), "operators": [tuple(o.split(";")) for o in ops],
        "mast_class": pd.Series(classes, dtype="string"), "height": np.array(heights, float),
        "status": list(status), "urban": list(urban), "commune": "001",
    }, geometry=[Point(X0 + dx, Y0 + dy) for dx, dy in zip(xs, ys, strict=True)], crs=CRS)


def site(sid: str, dx: float, dy: float = 0.0, ops: str = "Viettel", cls: str | None = "A2b",
         height: float = 30.0, status: str = "dang_hoat_dong", urban: bool = False) -> tuple:
    return (sid, dx, dy, ops, cls, height, status, urban)


def zones(*rows: tuple) -> gpd.GeoDataFrame:
    """Zones from (id, class, allowed, max_height, (x0, y0, x1, y1) offsets) tuples."""
    ids, classes, allowed, heights, boxes = zip(*rows, strict=True)
    return gpd.GeoDataFrame({
        "id": list(ids), "zone_class": list(classes), "allowed_classes": list(allowed),
        "max_height": np.array(heights, float),
    }, geometry=[box(X0 + a, Y0 + b, X0 + c, Y0 + d) for a, b, c, d in boxes], crs=CRS)


NO_ZONES = zones(("Z0", "permitted", (), np.nan, (-1e6, -1e6, -1e6 + 1, -1e6 + 1)))


def planned(*rows: tuple) -> gpd.GeoDataFrame:
    """Planned sites from (id, dx, dy, class, radius) tuples."""
    ids, xs, ys, classes, radius = zip(*rows, strict=True)
    return gpd.GeoDataFrame({
        "id": list(ids), "mast_class": pd.Series(classes, dtype="string"),
        "radius": np.array(radius, float),
    }, geometry=[Point(X0 + dx, Y0 + dy) for dx, dy in zip(xs, ys, strict=True)], crs=CRS)


def run(group: str, masts, zone_layer=NO_ZONES, plan=None, settings=SETTINGS) -> pd.DataFrame:
    ctx = siting.SitingContext(sites=masts, zones=zone_layer, settings=settings, planned=plan)
    return siting.CHECKS[group](ctx)


def rules_of(found: pd.DataFrame) -> dict[str, list[str]]:
    return {r: sorted(found.loc[found["rule"] == r, "site_id"]) for r in sorted(set(found["rule"]))}


# ------------------------------------------------------------------------------- zones

INSIDE, EDGE, OUTSIDE = 50.0, 100.0, 150.0  # the zones below span 0..100 m


@pytest.mark.parametrize(
    ("zone", "mast", "expected"),
    [
        (("Z", "prohibited", (), np.nan), site("s", INSIDE, INSIDE, cls="A1a"), "zone.prohibited"),
        (("Z", "prohibited", (), np.nan), site("s", EDGE, INSIDE), "zone.prohibited"),  # boundary
        (("Z", "prohibited", (), np.nan), site("s", OUTSIDE, INSIDE), None),
        (("Z", "restricted_a1", (), np.nan), site("s", INSIDE, INSIDE, cls="A2a"), "zone.a1_only"),
        (("Z", "restricted_a1", (), np.nan), site("s", INSIDE, INSIDE, cls="A1b"), None),
        (("Z", "restricted_a1", (), np.nan), site("s", EDGE, INSIDE, cls="A2c"), "zone.a1_only"),
        (("Z", "permitted", ("A1a", "A2a"), np.nan), site("s", INSIDE, INSIDE, cls="A2b"),
         "zone.class"),
        (("Z", "permitted", ("A1a", "A2a"), np.nan), site("s", INSIDE, INSIDE, cls="A2a"), None),
        (("Z", "permitted", (), np.nan), site("s", INSIDE, INSIDE, cls="A2c"), None),
        (("Z", "permitted", (), 30.0), site("s", INSIDE, INSIDE, height=30.0), None),  # at limit
        (("Z", "permitted", (), 30.0), site("s", INSIDE, INSIDE, height=30.1), "zone.height"),
        (("Z", "restricted_a1", (), np.nan), site("s", INSIDE, INSIDE, cls=None), None),
    ],
)
def test_zone_rules(zone, mast, expected) -> None:
    found = run("zone", sites(mast), zones((*zone, (0, 0, 100, 100))))
    assert found["rule"].tolist() == ([expected] if expected else [])
    if expected:
        assert found["other_id"].iloc[0] == "Z"
        assert found["severity"].iloc[0] == "violation"


def test_stricter_zone_wins_and_one_finding_per_rule() -> None:
    layer = zones(("P", "permitted", ("A1a", "A1b", "A2a", "A2b"), np.nan, (0, 0, 1000, 1000)),
                  ("R1", "restricted_a1", (), np.nan, (0, 0, 100, 100)),
                  ("R2", "restricted_a1", (), np.nan, (0, 0, 200, 200)))
    found = run("zone", sites(site("s", 50, 50, cls="A2b")), layer)
    assert found[["rule", "other_id"]].values.tolist() == [["zone.a1_only", "R1"]]


# ------------------------------------------------------------------------------ spacing


@pytest.mark.parametrize(
    ("a", "b", "conflict"),
    [
        # rural A2b: d_min 400 m; exactly at the threshold is allowed
        (site("a", 0), site("b", 399.9, ops="MobiFone"), True),
        (site("a", 0), site("b", 400.0, ops="MobiFone"), False),
        # same operator: no co-location finding
        (site("a", 0), site("b", 50.0), False),
        # a shared mast with an operator in common: not disjoint
        (site("a", 0, ops="Viettel;MobiFone"), site("b", 50.0, ops="MobiFone"), False),
        (site("a", 0, ops="Viettel;MobiFone"), site("b", 50.0, ops="VinaPhone"), True),
        # urban: A1a d_min 100 m, A2b 300 m; the pair takes the larger
        (site("a", 0, cls="A1a", urban=True), site("b", 150, ops="MobiFone", cls="A1a",
                                                    urban=True), False),
        (site("a", 0, cls="A1a", urban=True), site("b", 150, ops="MobiFone", urban=True), True),
        # urban vs rural thresholds for the same class
        (site("a", 0, cls="A1a", urban=True), site("b", 350, ops="MobiFone", cls="A1a"), True),
    ],
)
def test_spacing_pairs(a, b, conflict) -> None:
    found = run("spacing", sites(a, b))
    colocate = found[found["rule"] == "spacing.colocate"]
    assert sorted(colocate["site_id"]) == (["a", "b"] if conflict else [])
    if conflict:
        assert set(colocate["other_id"]) == {"a", "b"}
        assert colocate["value"].iloc[0] == pytest.approx(
            np.hypot(b[1] - a[1], b[2] - a[2]))


def test_spacing_nearest_partner_and_clusters() -> None:
    masts = sites(site("a", 0), site("b", 100, ops="MobiFone"), site("c", 250, ops="VinaPhone"),
                  site("far", 5000, ops="Vietnamobile"))
    found = run("spacing", masts)
    colocate = found[found["rule"] == "spacing.colocate"].set_index("site_id")
    assert colocate["other_id"].to_dict() == {"a": "b", "b": "a", "c": "b"}
    cluster = found[found["rule"] == "spacing.cluster"]
    assert cluster["value"].tolist() == [3.0]
    assert cluster["detail"].iloc[0] == "a, b, c"


def test_spacing_matches_naive_pairwise_check() -> None:
    rng = np.random.default_rng(7)
    n = 120
    ops = ["Viettel", "MobiFone", "VinaPhone", "Viettel;MobiFone"]
    rows = [site(f"s{i}", rng.uniform(0, 3000), rng.uniform(0, 3000), ops=ops[i % 4],
                 cls=["A1a", "A2b", "A2a"][i % 3], urban=bool(i % 2)) for i in range(n)]
    masts = sites(*rows)
    found = run("spacing", masts)
    expected = set()
    for i in range(n):
        for j in range(i + 1, n):
            a, b = rows[i], rows[j]
            d = np.hypot(a[1] - b[1], a[2] - b[2])
            limit = max(SETTINGS.spacing(a[4], a[7]), SETTINGS.spacing(b[4], b[7]))
            if d < limit and not set(a[3].split(";")) & set(b[3].split(";")):
                expected |= {a[0], b[0]}
    assert set(found.loc[found["rule"] == "spacing.colocate", "site_id"]) == expected


# --------------------------------------------------------------------------------- plan


@pytest.mark.parametrize(
    ("mast", "plan_row", "expected"),
    [
        (site("s", 40, status="dang_xay_dung"), ("P", 0, 0, "A2b", 50.0), []),
        (site("s", 50, status="dang_xay_dung"), ("P", 0, 0, "A2b", 50.0), []),  # at the radius
        (site("s", 50.1, status="dang_xay_dung"), ("P", 0, 0, "A2b", 50.0),
         ["plan.not_built", "plan.unplanned"]),
        (site("s", 90, status="dang_xay_dung", cls="A2a"), ("P", 0, 0, "A2b", 100.0),
         ["plan.class"]),
        # an existing (operating) mast is not checked against the plan, but builds the site
        (site("s", 500), ("P", 0, 0, "A2b", 100.0), ["plan.not_built"]),
        (site("s", 10), ("P", 0, 0, "A2b", 100.0), []),
    ],
)
def test_plan_rules(mast, plan_row, expected) -> None:
    found = run("plan", sites(mast), plan=planned(plan_row))
    assert sorted(found["rule"]) == expected
    unplanned = found[found["rule"] == "plan.unplanned"]
    if len(unplanned):
        assert unplanned["other_id"].iloc[0] == "P"
        assert unplanned["value"].iloc[0] == pytest.approx(50.1)
        assert unplanned["threshold"].iloc[0] == 50.0


# ------------------------------------------------------------------ validity and height


def test_duplicate_position_and_missing_class() -> None:
    found = run("validity", sites(site("a", 0), site("b", 0.5, ops="MobiFone"),
                                  site("c", 10, cls=None)))
    assert rules_of(found) == {"validity.duplicate": ["b"], "validity.no_class": ["c"]}
    assert found.loc[found["rule"] == "validity.duplicate", "other_id"].iloc[0] == "a"


def test_load_problems_counted_once() -> None:
    """A mast rejected at load is listed in rejects/ only: counted in the summary, no finding.

    (Until issue 10 item 7 each one was also a ``validity.outside`` finding: 480,000 rows
    reprinted in findings.csv for a million-row file.)
    """
    problems = pd.DataFrame({
        "id": ["x", "w", "y", "z"], "code": ["outside", "swapped", "commune_mismatch",
                                             "duplicate_id"],
        "severity": ["rejected", "rejected", "warning", "rejected"],
        "problem": ["outside the province", "lat/lon swapped", "stated commune A", "dup"]})
    ctx = siting.SitingContext(sites=sites(site("a", 0)), zones=NO_ZONES, settings=SETTINGS,
                               problems=problems)
    found = siting.check_validity(ctx)
    assert rules_of(found) == {"validity.commune": ["y"]}
    counts = siting.rule_counts(found, problems).set_index("rule")
    assert counts.loc["validity.outside", ["findings", "sites"]].tolist() == [2, 2]
    assert counts.loc["validity.commune", "findings"] == 1
    assert siting.rule_counts(found).set_index("rule").loc["validity.outside", "findings"] == 0


@pytest.mark.parametrize(("height", "flagged"), [(44.9, False), (45.0, True), (60.0, True)])
def test_aviation_height(height: float, flagged: bool) -> None:
    found = run("height", sites(site("a", 0, height=height)))
    assert found["rule"].tolist() == (["height.aviation"] if flagged else [])


# ------------------------------------------------------------------------------ classes


def test_unknown_mast_class_is_a_clear_error() -> None:
    raw = pd.Series(["A2b", "a1a", "Tháp 3 chân", "A2B"])
    where = pd.Series(["row 2", "row 3", "row 4", "row 5"])
    with pytest.raises(DataError, match=r"bts.csv: row 4: mast class “Tháp 3 chân” is not in "
                                        r"\[siting\] mast_classes"):
        siting.mast_class(raw, SETTINGS.mast_classes, file="bts.csv", where=where)
    ok = siting.mast_class(raw.drop(2), SETTINGS.mast_classes, file="bts.csv", where=where)
    assert ok.tolist() == ["A2b", "A1a", "A2b"]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("Khu vực cấm", "prohibited"), ("KHU VỰC CHỈ LẮP CỘT A1", "restricted_a1"),
     ("Được phép", "permitted"), ("restricted_a1", "restricted_a1"), ("vùng xanh", None)],
)
def test_zone_class_spellings(raw: str, expected: str | None) -> None:
    got = siting.zone_class(pd.Series([raw])).iloc[0]
    assert (expected is None and pd.isna(got)) or got == expected


def test_messages_in_both_languages() -> None:
    found = run("height", sites(site("a", 0, height=50.0)))
    assert "cần sơn, đèn báo hiệu hàng không" in siting.messages(found, "vi").iloc[0]
    assert "aviation marking" in siting.messages(found, "en").iloc[0]
    with pytest.raises(ValueError, match="language"):
        siting.messages(found, "fr")


# ---------------------------------------------------------------------------- proposals


def test_proposals_get_the_expected_verdicts() -> None:
    existing = sites(site("E1", 0), site("E2", 3000, ops="MobiFone"))
    layer = zones(("CAM", "prohibited", (), np.nan, (5000, 0, 6000, 1000)),
                  ("A1", "restricted_a1", (), np.nan, (8000, 0, 9000, 1000)))
    plan = planned(("P1", 1500, 0, "A2b", 100.0), ("P2", 5500, 500, "A2b", 100.0),
                   ("P3", 8500, 500, "A2b", 100.0), ("P4", 200, 0, "A2b", 100.0))
    proposals = sites(
        site("ok", 1520, ops="VinaPhone"),                 # at P1, far from masts
        site("near", 250, ops="VinaPhone"),                # at P4, 250 m from E1 (< 400 m)
        site("ban", 5500, 500, ops="VinaPhone"),           # at P2 but in the prohibited zone
        site("a2", 8500, 500, ops="VinaPhone"),            # A2b in the A1-only zone
        site("a1", 8500, 520, ops="VinaPhone", cls="A1a"),  # A1 there: fine
        site("stray", 12000, ops="VinaPhone"),             # nowhere near a planned site
    )
    ctx = siting.SitingContext(sites=existing, zones=layer, settings=SETTINGS, planned=plan)
    verdicts = siting.judge_proposals(proposals, ctx, lang="en").set_index("id")
    assert verdicts["verdict"].to_dict() == {
        "ok": "approve", "near": "co-locate", "ban": "refuse", "a2": "refuse",
        "a1": "approve", "stray": "refuse"}
    assert verdicts.loc["near", "colocate_with"] == "E1"
    assert verdicts.loc["near", "colocate_distance_m"] == pytest.approx(250)
    assert "Co-locate with mast E1 (250 m away)" in verdicts.loc["near", "reasons"]
    assert verdicts.loc["ban", "rules"] == "zone.prohibited"
    assert verdicts.loc["a2", "rules"] == "zone.a1_only"
    assert verdicts.loc["stray", "rules"] == "plan.unplanned"
    assert verdicts.loc["ok", "planned_site"] == "P1"
    lenient = SitingConfig(proposals_require_plan=False)
    ctx = siting.SitingContext(sites=existing, zones=layer, settings=lenient, planned=plan)
    assert siting.judge_proposals(proposals, ctx).set_index("id").loc["stray", "verdict"] == (
        "approve")


def test_bad_proposal_rows_are_reported_not_dropped() -> None:
    ctx = siting.SitingContext(sites=sites(site("E1", 0)), zones=NO_ZONES, settings=SETTINGS)
    rejected = pd.DataFrame({"id": ["x", "y"], "code": ["coordinates", "outside"],
                             "where": ["row 3", "row 4"],
                             "problem": ["cannot read coordinates", "outside the province"]})
    verdicts = siting.judge_proposals(sites(site("ok", 5000, ops="MobiFone")), ctx,
                                      rejected=rejected).set_index("id")
    assert verdicts["verdict"].to_dict() == {"ok": "approve", "x": "invalid", "y": "refuse"}
    assert verdicts.loc["y", "reasons"] == "row 4: outside the province"


# ------------------------------------------------------------------------------ sharing


def test_sharing_by_level_and_target() -> None:
    communes = pd.DataFrame({"code": ["001", "002"], "district": ["D1", "D2"],
                             "zone": ["Thành thị", "Nông thôn"], "area_km2": [10.0, 20.0],
                             "population": [1000.0, 2000.0]})
    masts = sites(site("a", 0, ops="Viettel;MobiFone"), site("b", 1000), site("c", 2000),
                  site("d", 3000, ops="Viettel;MobiFone;VinaPhone"))
    masts["commune"] = ["001", "001", "002", "002"]
    ctx = siting.SitingContext(sites=masts, zones=NO_ZONES, settings=SETTINGS, communes=communes)
    table = siting.sharing_table(ctx, "district").set_index("district")
    assert table["shared_mast_pct"].tolist() == [50.0, 50.0]
    assert table.loc["D2", "operators_per_mast"] == 2.0
    assert table["meets_target"].all()
    strict = SitingConfig(sharing_target_pct=60.0)
    ctx = siting.SitingContext(sites=masts, zones=NO_ZONES, settings=strict, communes=communes)
    found = siting.check_sharing(ctx)
    assert found["site_id"].tolist() == ["D1", "D2"] and (found["value"] == 50.0).all()


def test_compliance_counts_violations_per_operator() -> None:
    masts = sites(site("a", 0, ops="Viettel;MobiFone"), site("b", 100, ops="VinaPhone"),
                  site("c", 5000))
    ctx = siting.SitingContext(sites=masts, zones=NO_ZONES, settings=SETTINGS)
    found = siting.check_sites(ctx, groups=("spacing",))
    table = siting.compliance(ctx, found, "operator").set_index("operator")
    assert table.loc["Viettel", ["masts", "compliant"]].tolist() == [2, 1]
    assert table.loc["VinaPhone", "compliance_pct"] == 0.0
    assert table.loc["MobiFone", "violating"] == 1


def test_messages_follow_the_language_in_force_vietnamese_by_default() -> None:
    import contextvars

    found = run("height", sites(site("a", 0, height=50.0)))
    assert "message" not in found  # ids and values only
    assert siting.messages(found).iloc[0].startswith("Height 50.0 m ≥ 45 m")  # english fixture
    default = contextvars.Context().run(siting.messages, found).iloc[0]  # nothing set
    assert default.startswith("Cao 50,0 m ≥ 45 m")


def test_view_renders_details_from_values() -> None:
    layer = zones(("Z", "permitted", ("A1a", "A2a"), np.nan, (0, 0, 100, 100)))
    found = run("zone", sites(site("s", 50, 50, cls="A2b")), layer)
    assert found["detail"].iloc[0] == "A2b" and found["params"].iloc[0] == {
        "mast_class": "A2b", "allowed": "A1a, A2a"}
    shown = siting.view(found)
    assert "params" not in shown
    assert shown["detail"].iloc[0] == "A2b (allowed: A1a, A2a)"
    assert shown["message"].iloc[0] == "Mast class not allowed in zone Z: A2b (allowed: A1a, A2a)"
    vi = siting.view(found, "vi")
    assert vi["detail"].iloc[0] == "A2b (được phép: A1a, A2a)"
    assert vi["message"].iloc[0].startswith("Loại cột không được phép trong khu vực Z")


def test_verdict_reasons_in_vietnamese(vietnamese) -> None:
    existing = sites(site("E1", 0))
    ctx = siting.SitingContext(sites=existing, zones=NO_ZONES, settings=SETTINGS)
    proposals = sites(site("near", 250, ops="VinaPhone"), site("ok", 5000, ops="MobiFone"))
    verdicts = siting.judge_proposals(proposals, ctx).set_index("id")
    assert verdicts.loc["near", "reasons"] == "Phải dùng chung với cột E1 (cách 250 m)"
    assert verdicts.loc["ok", "reasons"] == "Chấp thuận"


def test_unknown_mast_classes_error_has_its_id() -> None:
    raw = pd.Series(["X1", "X2"])
    with pytest.raises(DataError, match="2 unknown mast classes") as err:
        siting.mast_class(raw, SETTINGS.mast_classes, file="bts.csv",
                          where=pd.Series(["row 2", "row 3"]))
    assert err.value.message_id == "siting.error.mast_classes"


# ------------------------------------------------------------- numbers in the messages

#: (rule, value, threshold, other, detail, params, English, Vietnamese), the texts worked out by
#: hand: metres to 0 or 1 decimal, thresholds and counts to 0, grouped by the language
#: (Vietnamese 19.253 and 14,5; English 19,253 and 14.5).
NUMBERED = [
    ("validity.duplicate", 0.26, np.nan, "B2", "", None,
     "Same position as mast B2 (0.3 m apart)", "Trùng vị trí với cột B2 (cách 0,3 m)"),
    ("zone.height", 62.34, 45.0, "Z1", "", None,
     "Height 62.3 m above the 45 m limit of zone Z1",
     "Cao 62,3 m, vượt mức tối đa 45 m của khu vực Z1"),
    ("plan.unplanned", 19253.4, 1500.0, "QH7", "", None,
     "Not within 1,500 m of any planned position (nearest QH7, 19,253 m away)",
     "Không trong bán kính 1.500 m của vị trí quy hoạch nào (gần nhất QH7, cách 19.253 m)"),
    ("spacing.colocate", 987.6, 1000.0, "B4", "", None,
     "988 m from mast B4 of another operator, under 1,000 m: co-location required",
     "Cách cột B4 của doanh nghiệp khác 988 m < 1.000 m: phải dùng chung hạ tầng"),
    ("spacing.cluster", 1200.0, np.nan, "", "B1, B2", None,
     "Cluster of 1,200 masts of different operators too close together, candidates for "
     "consolidation: B1, B2",
     "Cụm 1.200 cột của các doanh nghiệp khác nhau quá gần nhau, nên hợp nhất: B1, B2"),
    ("height.aviation", 50.0, 45.0, "", "", None,
     "Height 50.0 m ≥ 45 m: aviation marking, lighting and height approval required "
     "(Decree 32/2016/ND-CP)",
     "Cao 50,0 m ≥ 45 m: cần sơn, đèn báo hiệu hàng không và chấp thuận độ cao "
     "(NĐ 32/2016/NĐ-CP)"),
    ("sharing.target", 14.46, 40.0, "", "", {"masts": 2000, "shared": 289},
     "Shared-mast share 14.5% below the 40% target (2,000 masts, 289 shared)",
     "Tỷ lệ cột dùng chung 14,5% thấp hơn mục tiêu 40% "
     "(2.000 cột, 289 cột dùng chung)"),
]


def _finding_rows(rows: list[tuple]) -> pd.DataFrame:
    out = pd.DataFrame({
        "site_id": [f"S{k}" for k in range(len(rows))], "rule": [r[0] for r in rows],
        "severity": [siting.RULES[r[0]] for r in rows],
        "value": [float(r[1]) for r in rows], "threshold": [float(r[2]) for r in rows],
        "other_id": [r[3] for r in rows], "detail": [r[4] for r in rows],
        "x": 0.0, "y": 0.0, "ox": np.nan, "oy": np.nan}, columns=list(siting.FINDING_COLUMNS))
    out["params"] = pd.Series([r[5] for r in rows], dtype=object)
    return out


def test_numbers_in_messages_follow_the_language() -> None:
    found = _finding_rows(NUMBERED)
    assert siting.messages(found, "en").tolist() == [r[6] for r in NUMBERED]
    assert siting.messages(found, "vi").tolist() == [r[7] for r in NUMBERED]
    # the same rule twice with the same value: one formatting, both rows filled
    twice = _finding_rows([NUMBERED[2], NUMBERED[2]])
    assert siting.messages(twice, "vi").tolist() == [NUMBERED[2][7]] * 2


def test_every_rule_showing_a_number_has_its_decimals() -> None:
    import string

    from ictgis import i18n

    shows = {rule for lang in i18n.LANGUAGES
             for rule, text in i18n.labels("siting.rule", lang).items()
             if {name for _, name, _, _ in string.Formatter().parse(text) if name}
             & {"value", "threshold"}}
    assert shows == set(siting.DECIMALS) == {r[0] for r in NUMBERED}


def test_a_thousand_unknown_classes_are_counted_by_the_language(vietnamese) -> None:
    raw = pd.Series([f"X{k}" for k in range(1001)])
    where = pd.Series([f"dòng {k + 2}" for k in range(1001)])
    with pytest.raises(DataError) as err:
        siting.mast_class(raw, SETTINGS.mast_classes, file="bts.csv", where=where)
    lines = str(err.value).splitlines()
    assert lines[0] == "1.001 loại cột không xác định:"  # 20 rows shown, 1001 - 20 more
    assert len(lines) == 22 and lines[-1] == "  ... và 981 dòng khác"
