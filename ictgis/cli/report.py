"""$ ictgis report"""

from __future__ import annotations

import base64
from pathlib import Path

import click
import pandas as pd

from ictgis.cli.main import Console, load_checked, output_dir
from ictgis.cli.options import lang_opt, out_opt, quiet_opt, workspace_opt
from ictgis.errors import ConfigError, DataError
from ictgis.workspace import Workspace


def write_report(ws: Workspace, outputs: Path, console: Console, *, lang: str = "vi",
                 compare: Path | None = None) -> list[Path]:
    """Write OUTPUTS/report.html and OUTPUTS/report.xlsx from the outputs of earlier steps."""
    from ictgis import io, report
    from ictgis.cli.main import output_title

    tables = io.read_output_tables(outputs)
    if "stats" not in tables:
        msg = f"{outputs / 'stats'}: no statistics yet; run `ictgis stats` (or `ictgis run`) first"
        raise DataError(msg)
    config = ws.config
    previous = None
    if compare is not None:
        before = io.read_output_tables(compare)
        if "stats" not in before:
            msg = f"{compare}: --compare needs an earlier outputs folder (with stats/)"
            raise DataError(msg)
        previous = report.values_by_id(report.headline(
            before, reported={}, targets={}, lang=lang))
    try:
        head = report.headline(tables, reported=config.indicators, targets=config.targets,
                               lang=lang, previous=previous)
    except ValueError as exc:
        raise ConfigError(f"{config.path.name}: {exc}") from None
    text = report.TEXT[lang]
    context = {
        "lang": lang, "t": text, "province": output_title(ws), "synthetic": config.synthetic,
        "headline": head.to_dict("records"), "compare": previous is not None,
        "tables": _sections(tables, text, lang), "charts": _charts(tables["stats"], text),
        "maps": _maps(outputs), "problems": _problems(outputs),
        "assumptions": _assumptions(ws, lang),
    }
    html = report.render_html(context)
    sheet = head.drop(columns=["decimals"]).rename(columns={
        "indicator": text["indicator"], "unit": text["unit"], "value": text["value"],
        "target": text["target"], "pct_achieved": text["pct"], "previous": text["previous"],
        "change": text["change"]})
    sheets = {"Bieu so 1": sheet, **{f"stats_{k}": v for k, v in tables["stats"].items()}}
    sheets.update({f"coverage_{k}": v for k, v in tables.get("coverage", {}).items()})
    io.write_text(outputs / "report.html", html)
    io.write_xlsx(sheets, outputs / "report.xlsx", title=output_title(ws),
                  formats={text["value"]: "#,##0.00", text["target"]: "#,##0.00",
                           text["pct"]: "0.0", text["previous"]: "#,##0.00",
                           text["change"]: "#,##0.00"})
    console.echo(f"written: {outputs / 'report.html'}, {outputs / 'report.xlsx'}")
    return [outputs / "report.html", outputs / "report.xlsx"]


def _sections(tables: dict[str, dict[str, pd.DataFrame]], text: dict[str, str], lang: str
              ) -> list[dict[str, object]]:
    from ictgis import report

    vi = lang == "vi"
    columns = {
        "region": ("Vùng" if vi else "Region", None), "district": ("Huyện" if vi else "District",
                                                                    None),
        "zone": ("Khu vực" if vi else "Zone", None),
        "area_km2": ("S (km²)", 1), "population": ("P", 0), "n_points": ("N", 0),
        "radius_km": ("R (km)", 2), "pop_per_point": ("Dp", 0),
        "phone_per_100": ("ĐT/100" if vi else "Phones/100", 2),
        "phone_per_100_incl_prepaid": ("ĐT+TT/100" if vi else "Phones+prepaid/100", 2),
        "internet_fixed_per_100": ("Internet/100", 2),
        "masts": ("BTS", 0), "masts_per_100km2": ("BTS/100 km²", 2),
        "shared_mast_pct": ("% dùng chung" if vi else "% shared", 1),
    }
    sections = [report.table_section(f"by_{lvl}", text[f"by_{lvl}"], tables["stats"][lvl],
                                     columns)
                for lvl in ("region", "district", "zone") if lvl in tables["stats"]]
    siting = tables.get("siting", {})
    if "rules" in siting:
        rules = siting["rules"][siting["rules"]["findings"] > 0]
        sections.append(report.table_section("siting", text["siting"], rules, {
            "rule": (text["rule"], None), "severity": ("", None),
            "findings": (text["findings"], 0)}))
        for lvl in ("region", "zone"):
            if lvl in siting:
                sections.append(report.table_section(f"siting_{lvl}", f"{text['siting']} – "
                                                     f"{text['by_' + lvl]}", siting[lvl], {
                    lvl: columns[lvl], "masts": ("BTS", 0),
                    "compliant": ("OK", 0), "compliance_pct": ("%", 1)}))
    coverage = tables.get("coverage", {})
    for lvl in ("province", "region", "zone"):
        if lvl in coverage:
            table = coverage[lvl]
            cov_cols = {lvl: columns.get(lvl, ("Tỉnh" if vi else "Province", None)),
                        **{c: (c.removeprefix("pop_pct_any_").upper() + " (%)", 1)
                           for c in table.columns if c.startswith("pop_pct_any_")}}
            where = text.get(f"by_{lvl}", "")
            title = f"{text['coverage']} – {where}" if where else text["coverage"]
            sections.append(report.table_section(f"coverage_{lvl}", title, table, cov_cols))
    return sections


def _charts(stats: dict[str, pd.DataFrame], text: dict[str, str]) -> list[tuple[str, str]]:
    from ictgis import report

    charts = []
    for lvl in ("region", "district"):
        if lvl in stats:
            charts.append((report.bar_chart(stats[lvl], lvl, "radius_km", text["radius_chart"]),
                           f"{text['radius_chart']} – {lvl}"))
            if "masts_per_100km2" in stats[lvl]:
                charts.append((report.bar_chart(stats[lvl], lvl, "masts_per_100km2",
                                                text["density_chart"]),
                               f"{text['density_chart']} – {lvl}"))
    return charts


def _maps(outputs: Path) -> list[tuple[str, str]]:
    from ictgis import io

    return [("data:image/png;base64," + base64.b64encode(data).decode("ascii"), name)
            for name, data in io.read_files(outputs / "maps", "*.png")]


def _problems(outputs: Path) -> list[tuple[str, int]]:
    from ictgis import io

    problems = io.read_output_table(outputs / "rejects" / "problems.csv")
    if problems is None or problems.empty:
        return []
    counts = problems.groupby(["layer", "severity"]).size()
    return [(f"{layer}: {severity}", int(n)) for (layer, severity), n in counts.items()]


def _assumptions(ws: Workspace, lang: str) -> list[str]:
    config = ws.config
    vi = lang == "vi"
    source = ", ".join(sorted(set(ws.communes.get("area_source", pd.Series(["computed"])))))
    lines = [
        (f"Diện tích S: {source} (hệ tọa độ {config.crs})" if vi else
         f"Area S: {source} (CRS {config.crs})"),
        (f"Dân số P: năm {config.population_year or '?'}" if vi else
         f"Population P: year {config.population_year or '?'}"),
        ("Thành thị = " if vi else "Urban = ") + ", ".join(config.urban_kinds),
        ("Điểm phục vụ bưu chính tính trong N: " if vi else "Postal points counted in N: ")
        + ", ".join(config.count_types),
    ]
    s = config.siting
    lines.append(("Khoảng cách tối thiểu (đô thị/nông thôn, m): " if vi else
                  "Minimum spacing (urban/rural, m): ")
                 + "; ".join(f"{k} {u:g}/{r:g}" for k, (u, r) in s.min_spacing_m.items()))
    c = config.coverage
    for tech, t in c.technologies.items():
        lines.append(f"{tech}: {t.frequency_mhz:g} MHz, EIRP {t.eirp_dbm:g} dBm, "
                     f"{'ngưỡng' if vi else 'threshold'} {t.threshold_dbm:g} dBm, "
                     f"margin {t.margin_db:g} dB, h_m {t.mobile_height_m:g} m")
    lines.append(f"{'Độ phân giải' if vi else 'Resolution'} {c.resolution_m:g} m, "
                 f"{'tầm tối đa' if vi else 'max range'} {c.max_range_km:g} km")
    return lines


@click.command("report", short_help="The yearly report (HTML and XLSX) from the outputs.")
@workspace_opt
@out_opt
@lang_opt
@click.option("--compare", type=click.Path(exists=True, file_okay=False, path_type=Path),
              default=None, help="A previous year's outputs folder: show the change.")
@quiet_opt
def command(workspace: Path, out: Path | None, lang: str, compare: Path | None,
            quiet: bool) -> None:
    """Write OUT/report.html and OUT/report.xlsx ("Biểu số 1") from the outputs of the steps.

    \b

    Examples
    --------
    ictgis report
    ictgis report --lang en --compare ../2017/outputs
    """
    console = Console(quiet)
    ws = load_checked(workspace, console)
    write_report(ws, output_dir(workspace, out), console, lang=lang, compare=compare)
