"""Benchmark the start-up of the ``ictgis`` command line and the heavy modules it imports.

1. ``ictgis --help`` in a fresh subprocess (the installed console script when found,
   else ``python -m ictgis.cli.main``), best of ``--repeat`` wall-clock runs.
2. Which heavy modules (geopandas, pandas, rasterio, folium, matplotlib, shapely, pyproj,
   numpy) are in ``sys.modules`` after ``import ictgis.cli.main``, and after each
   command's ``--help``: each in a fresh interpreter.

Target: ``ictgis --help`` in under 0.3 s. The script prints; it asserts no timing.
Run: ``python benchmarks/bench_cli_start.py [--quick] [--repeat N]``.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import _harness as h

TARGET_SECONDS = 0.3
HEAVY = ("geopandas", "pandas", "rasterio", "folium", "matplotlib", "shapely", "pyproj", "numpy")
#: Run in a fresh interpreter: import the CLI (and run ``argv`` through it), print the heavy
#: modules then loaded, as JSON, on the last line of stdout.
PROBE = """
import json, sys
heavy = {heavy!r}
argv = {argv!r}
code = 0
try:
    import ictgis.cli.main as cli
    if argv:
        try:
            cli.main.main(args=argv, prog_name="ictgis", standalone_mode=False)
        except SystemExit as e:
            code = e.code or 0
except Exception as e:  # report it, do not hide the modules
    code = repr(e)
print()
print(json.dumps({{"code": code, "heavy": [m for m in heavy if m in sys.modules]}}))
"""


def loaded(argv: list[str]) -> dict:
    """Exit code and heavy modules loaded after importing the CLI and running ``argv``."""
    done = subprocess.run([sys.executable, "-c", PROBE.format(heavy=HEAVY, argv=argv)],
                          capture_output=True, text=True, check=False)
    lines = done.stdout.strip().splitlines()
    return json.loads(lines[-1]) if lines else {"code": done.stderr.strip()[-200:], "heavy": []}


def commands() -> list[str]:
    """The CLI's command names (from a fresh interpreter)."""
    code = ("import click, ictgis.cli.main as m; "
            "print(' '.join(m.main.list_commands(click.Context(m.main))))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    return done.stdout.split()


def main() -> int:
    args = h.parser(__doc__, repeat=10).parse_args()
    if args.quick:
        args.repeat = 3
    script = shutil.which("ictgis")
    cmd = [script, "--help"] if script else [sys.executable, "-m", "ictgis.cli.main", "--help"]
    h.say(f"timing {' '.join(cmd)} ...")
    timed = h.best_of(lambda: subprocess.run(cmd, capture_output=True, check=True), args.repeat)
    rows = [("import ictgis.cli.main", loaded([])), ("ictgis --help", loaded(["--help"]))]
    rows += [(f"ictgis {c} --help", loaded([c, "--help"])) for c in commands()]
    width = max(len(name) for name, _ in rows) + 2
    h.show(f"start-up ({len(timed.runs)} runs in fresh processes, s: {timed.every()}):", [
        h.target(f"ictgis --help < {TARGET_SECONDS:g} s", f"best {timed.best:.3f} s",
                 timed.best < TARGET_SECONDS)])
    h.show("heavy modules imported (fresh interpreter each):", [
        f"  {name:<{width}}{', '.join(r['heavy']) or '(none)'}"
        + (f"   [exit {r['code']}]" if r["code"] not in (0, None) else "") for name, r in rows])
    print(h.result("cli.help_start", timed.best, "s", target=f"<={TARGET_SECONDS:g}"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
