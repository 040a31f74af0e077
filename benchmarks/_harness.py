"""The one benchmark harness: options, best-of timing, naive loops on a budget, targets, checks.

Figures are printed beside their targets (MET / NOT MET); fast and baseline results are
asserted equal; profiles and memory readings too. Every headline figure is also printed as
one machine-readable ``RESULT`` line (:func:`result`, read back with :func:`parse_results`),
from which the README's Performance table is generated.

Imported by the scripts (run as ``python benchmarks/bench_*.py``, so this folder is on
``sys.path``). Benchmarks are scripts, not tests: they print, they never fail on a time;
they do fail (AssertionError) when the fast and the baseline results differ.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import math
import os
import pstats
import resource
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import numpy as np

SEED = 20_240_601


def parser(doc: str, *, repeat: int = 3, naive_budget: float | None = None
           ) -> argparse.ArgumentParser:
    """Options every benchmark has: --quick, --seed, --repeat, --profile (and the naive budget)."""
    p = argparse.ArgumentParser(description=doc.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true", help="~10x less data: a run of seconds")
    p.add_argument("--seed", type=int, default=SEED, help="random seed")
    p.add_argument("--repeat", type=int, default=repeat, help=f"timed runs, best kept [{repeat}]")
    p.add_argument("--profile", action="store_true",
                   help="also cProfile one ictgis run and print the hot spots")
    if naive_budget is not None:
        p.add_argument("--naive-limit", type=float, default=60.0,
                       help="subsample a naive loop when the full one would exceed this [60 s]")
        p.add_argument("--naive-budget", type=float, default=naive_budget,
                       help=f"seconds spent on each subsampled naive loop [{naive_budget:g}]")
    return p


def say(text: str) -> None:
    """Progress, on stderr (the report goes to stdout)."""
    print(text, file=sys.stderr)


# ---------------------------------------------------------------------------------- timing


@dataclass
class Timed:
    """Every run of one timed call, and the result of the last."""

    runs: list[float]
    result: object
    cpu: list[float] = field(default_factory=list)  # CPU seconds of each run (this process)

    @property
    def best(self) -> float:
        """The fastest run, s."""
        return min(self.runs)

    @property
    def best_cpu(self) -> float:
        """The least CPU time of a run, s (what other processes on the machine do not change)."""
        return min(self.cpu) if self.cpu else math.nan

    def every(self) -> str:
        """The runs in s, in order (the first is cold)."""
        return ", ".join(f"{t:.3f}" for t in self.runs)


def best_of(fn: Callable[[], object], repeat: int, *, cap: float = 60.0) -> Timed:
    """Run ``fn`` ``repeat`` times (fewer when one run exceeds ``cap`` s)."""
    runs, cpu, result = [], [], None
    for _ in range(max(1, repeat)):
        start, used = time.perf_counter(), time.process_time()
        result = fn()
        runs.append(time.perf_counter() - start)
        cpu.append(time.process_time() - used)
        if runs[-1] > cap:
            break
    return Timed(runs, result, cpu)


def seconds(fn: Callable[[], object]) -> tuple[float, object]:
    """(seconds, result) of one call."""
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


@dataclass
class Naive:
    """One naive loop: its setup, the loop over the items it measured, and its results."""

    name: str
    unit: str
    setup: float
    loop: float
    measured: np.ndarray  # the items looped over, in loop order
    total: int
    results: dict = field(default_factory=dict)

    @property
    def full(self) -> bool:
        """Whether the loop measured every item."""
        return len(self.measured) == self.total

    @property
    def scale(self) -> float:
        """Items in all / items measured."""
        return self.total / max(1, len(self.measured))

    @property
    def estimate(self) -> float:
        """Seconds for every item: setup + loop (extrapolated linearly when subsampled)."""
        return self.setup + self.loop * self.scale

    def how(self) -> str:
        """How the estimate was obtained."""
        if self.full:
            return f"measured on all {self.total:,} {self.unit}"
        return (f"EXTRAPOLATED x{self.scale:.1f} from a random {len(self.measured):,} of "
                f"{self.total:,} {self.unit} ({self.loop:.2f} s measured)")


def naive_loop(name: str, unit: str, setup: float, order: np.ndarray,
               step: Callable[[int], object], *, limit: float, budget: float) -> Naive:
    """Loop ``step`` over ``order``; stop early (a subsample) when the whole would exceed ``limit``.

    Past ``budget`` seconds, when the loop's linear extrapolation exceeds ``limit`` s.
    """
    n, results, done = len(order), {}, 0
    start = time.perf_counter()
    for done, k in enumerate(order, 1):
        results[int(k)] = step(int(k))
        if done % 20 == 0:
            elapsed = time.perf_counter() - start
            if elapsed * n / done > limit and elapsed >= budget:
                break
    return Naive(name, unit, setup, time.perf_counter() - start, np.asarray(order[:done]), n,
                 results)


# ---------------------------------------------------------------------------------- report


def verdict(ok: bool) -> str:
    """MET or NOT MET."""
    return "MET" if ok else "NOT MET"


def target(text: str, figure: str, ok: bool, note: str = "") -> str:
    """One target line: the target, the figure, MET / NOT MET (and how it was obtained)."""
    return f"  {text}: {figure} -> {verdict(ok)}{note}"


def table(rows: Iterable[tuple[str, float]], width: int = 54, head: str = "phase") -> list[str]:
    """Label / seconds lines (3 decimals) under a header."""
    return [f"  {head:<{width}}{'seconds':>10}",
            *(f"  {label:<{width}}{value:>10.3f}" for label, value in rows)]


def result(name: str, value: float, unit: str, *, target: str = "",
           baseline: tuple[str, float, str] | None = None) -> str:
    """One machine-readable figure: ``RESULT name value unit target baseline verdict``.

    Six fields separated by single spaces, none containing a space; an empty field is ``-``.

    Parameters
    ----------
    name
        Dotted id of the figure (``stats.national``, ``siting.spacing_vs_ckdtree``).
    value
        The figure (4 significant digits are printed).
    unit
        ``s``, ``x`` (a ratio: baseline time / ours), ``GB``, ``MB``...
    target
        ``<=1.5`` or ``>=20`` (same unit as ``value``), or empty.
    baseline
        ``(what, figure, unit)`` of the baseline measured in the same run, printed as
        ``what=figure+unit`` (``sjoin_pipeline=1.93s``), or None.

    The verdict is ``MET`` / ``NOT_MET`` when there is a target, else ``-``.
    """
    for text in (name, unit, target, *(baseline[::2] if baseline else ())):
        if " " in text:
            raise ValueError(f"RESULT fields may not contain spaces: {text!r}")
    verdict = "-"
    if target:
        bound = float(target[2:])
        verdict = "MET" if (value <= bound if target.startswith("<=") else value >= bound) \
            else "NOT_MET"
    base = f"{baseline[0]}={baseline[1]:.4g}{baseline[2]}" if baseline else "-"
    return f"RESULT {name} {value:.4g} {unit} {target or '-'} {base} {verdict}"


def parse_results(text: str) -> list[dict[str, str]]:
    """The ``RESULT`` lines of a benchmark's output, as dicts.

    Keys: name, value, unit, target, baseline, verdict (``-`` for an empty field).
    """
    keys = ("name", "value", "unit", "target", "baseline", "verdict")
    return [dict(zip(keys, line.split()[1:], strict=True)) for line in text.splitlines()
            if line.startswith("RESULT ")]


def show(title: str, lines: Iterable[str]) -> None:
    """Print a titled block."""
    print(f"\n{title}")
    print("\n".join(lines))


def same(what: str, fast: object, baseline: object, *, atol: float = 0.0,
         rtol: float = 0.0) -> None:
    """Assert ``fast`` == ``baseline`` (arrays; within ``atol`` + ``rtol`` x |baseline| when given)."""
    a, b = np.asarray(fast), np.asarray(baseline)
    if a.size == 0 and b.size == 0:
        return
    assert a.shape == b.shape, f"{what}: shapes differ, {a.shape} vs {b.shape}"
    near = atol or rtol
    ok = np.allclose(a, b, rtol=rtol, atol=atol) if near else np.array_equal(a, b)
    if not ok:
        bad = np.flatnonzero(~np.isclose(a, b, rtol=rtol, atol=atol) if near else (a != b).ravel())
        raise AssertionError(f"{what}: fast and baseline differ at {len(bad)} places: "
                             f"{bad[:5]} ({a.ravel()[bad[:5]]} vs {b.ravel()[bad[:5]]})")


def profile(fn: Callable[[], object], pattern: str, top: int = 30) -> str:
    """Profile one call with cProfile.

    The ``top`` functions matching ``pattern`` by cumulative time, then all by own time.
    """
    profiler = cProfile.Profile()
    profiler.enable()
    fn()
    profiler.disable()
    text = io.StringIO()
    stats = pstats.Stats(profiler, stream=text)
    stats.sort_stats("cumulative").print_stats(pattern, top)
    text.write("\n--- all functions by own time ---\n")
    stats.sort_stats("tottime").print_stats(top)
    return text.getvalue()


# ---------------------------------------------------------------------------------- memory


def rss_now() -> float:
    """Resident set size of this process now, in bytes (Linux /proc; else the peak)."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError):
        return rss_peak()


def rss_peak() -> float:
    """Peak resident set size of this process so far, in bytes.

    Linux: VmHWM of /proc/self/status (ru_maxrss of a child started by fork + exec keeps
    the parent's peak); elsewhere ru_maxrss.
    """
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return float(line.split()[1]) * 1024
    except OSError:
        pass
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return float(peak if sys.platform == "darwin" else peak * 1024)


def giga(x: float) -> str:
    """``x`` in units of 10^9, 2 decimals."""
    return f"{x / 1e9:.2f} G"
