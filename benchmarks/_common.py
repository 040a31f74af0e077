"""What the benchmark scripts share: synthetic network mixes, a weighted pick, best-of timing.

Imported by the scripts (run as ``python benchmarks/bench_*.py``, so this folder is on
``sys.path``); every number here is made up for load tests.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

#: Operator sets of a mast and their shares (shared masts included).
OPERATOR_SETS = (
    (("Viettel",), 0.30), (("VinaPhone",), 0.20), (("MobiFone",), 0.17),
    (("Vietnamobile",), 0.03), (("Viettel", "MobiFone"), 0.10), (("Viettel", "VinaPhone"), 0.08),
    (("VinaPhone", "MobiFone"), 0.07), (("Viettel", "VinaPhone", "MobiFone"), 0.04),
    (("VinaPhone", "MobiFone", "Vietnamobile"), 0.01),
)
#: Technology sets of a mast and their shares.
TECH_SETS = ((("2G", "3G", "4G"), 0.45), (("4G",), 0.20), (("3G", "4G"), 0.15), (("2G",), 0.05),
             (("2G", "3G"), 0.05), (("4G", "5G"), 0.07), (("2G", "3G", "4G", "5G"), 0.03))
#: Mast classes in urban and rural places.
URBAN_CLASSES = (("A1a", 0.20), ("A1b", 0.15), ("A2a", 0.45), ("A2c", 0.10), ("A2b", 0.10))
RURAL_CLASSES = (("A2b", 0.85), ("A2a", 0.05), ("A2c", 0.03), ("A1b", 0.05), ("A1a", 0.02))
#: Height by class: mean, standard deviation, lowest, highest (m); ~5 % of A2b reach 45 m.
HEIGHTS = {"A1a": (12, 3, 6, 18), "A1b": (16, 4, 8, 25), "A2a": (21, 5, 12, 35),
           "A2b": (36, 5.5, 20, 60), "A2c": (30, 6, 18, 50)}


def pick(rng: np.random.Generator, table: tuple[tuple[object, float], ...], n: int) -> np.ndarray:
    """``n`` labels drawn from ``(label, weight)`` pairs (object array: labels may be tuples)."""
    labels = np.empty(len(table), dtype=object)
    labels[:] = [label for label, _ in table]
    p = np.array([w for _, w in table])
    return labels[rng.choice(len(labels), size=n, p=p / p.sum())]


@dataclass
class Timed:
    """Every run of one timed call, and the result of the last."""

    runs: list[float]
    result: object

    @property
    def best(self) -> float:
        """The fastest run."""
        return min(self.runs)

    def every(self) -> str:
        """The runs, in order (the first is cold)."""
        return ", ".join(f"{t:.3f}" for t in self.runs)


def best_of(fn: Callable[[], object], repeat: int, *, cap: float = 60.0) -> Timed:
    """Run ``fn`` ``repeat`` times (fewer when one run exceeds ``cap`` s)."""
    runs, result = [], None
    for _ in range(max(1, repeat)):
        start = time.perf_counter()
        result = fn()
        runs.append(time.perf_counter() - start)
        if runs[-1] > cap:
            break
    return Timed(runs, result)
