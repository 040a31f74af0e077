"""Classes of a choropleth: quantile and natural breaks, class of each value, legend labels."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ictgis import i18n
from ictgis.errors import ConfigError
from ictgis.maps.styles import Indicator, get_indicator, ramp_colors

#: Above this many values, natural breaks run on this many evenly ranked values.
_JENKS_MAX = 3000


def _finite(values: Iterable[float]) -> np.ndarray:
    array = np.asarray(pd.to_numeric(pd.Series(values, dtype="object"), errors="coerce"),
                       dtype=float)
    return array[np.isfinite(array)]


def quantile_breaks(values: Iterable[float], k: int = 5) -> np.ndarray:
    """Upper limits of ``k`` quantile classes (equal counts), each a data value.

    A value repeated in more than 1/k of the data (0 masts, 100 % covered) is a class of
    its own, and the other classes share the values below and above it in proportion.

    Parameters
    ----------
    values
        The values; NaN are ignored.
    k
        Number of classes wanted; fewer when there are fewer distinct values.

    Returns
    -------
    numpy.ndarray
        Increasing upper class limits; the last is the maximum. A value ``v`` is in the first
        class whose limit is ``>= v``.

    Examples
    --------
    >>> quantile_breaks(range(1, 11), 5).tolist()
    [2.0, 4.0, 6.0, 8.0, 10.0]
    >>> quantile_breaks([0, 0, 0, 0, 0, 0, 1, 2, 3, 4], 3).tolist()
    [0.0, 2.0, 4.0]
    """
    return np.array(_quantiles(np.sort(_finite(values)), k), dtype=float)


def _quantiles(x: np.ndarray, k: int) -> list[float]:
    if x.size == 0 or k <= 0:
        return []
    uniques, counts = np.unique(x, return_counts=True)
    if uniques.size <= k:
        return uniques.tolist()
    top = int(counts.argmax())
    if counts[top] * k <= x.size or k < 3:
        q = np.arange(1, k + 1) / k
        return np.unique(np.quantile(x, q, method="inverted_cdf")).tolist()
    tie = uniques[top]
    below, above = x[x < tie], x[x > tie]
    rest = k - 1
    if below.size and above.size:
        k_below = min(max(round(rest * below.size / (below.size + above.size)), 1), rest - 1)
    else:
        k_below = rest if below.size else 0
    return [*_quantiles(below, k_below), float(tie), *_quantiles(above, rest - k_below)]


def natural_breaks(values: Iterable[float], k: int = 5) -> np.ndarray:
    """Upper limits of ``k`` Fisher-Jenks natural-break classes (least squared deviations).

    Exact dynamic programming on the sorted values; above 3,000 values it runs on 3,000
    evenly ranked values (deterministic).

    Examples
    --------
    >>> natural_breaks([1, 2, 3, 10, 11, 12, 20, 21, 22], 3).tolist()
    [3.0, 12.0, 22.0]
    """
    x = np.sort(_finite(values))
    if x.size == 0:
        return np.array([])
    if np.unique(x).size <= k:
        return np.unique(x)
    if x.size > _JENKS_MAX:
        x = x[np.linspace(0, x.size - 1, _JENKS_MAX).round().astype(int)]
    n = x.size
    s1 = np.concatenate([[0.0], np.cumsum(x)])
    s2 = np.concatenate([[0.0], np.cumsum(x * x)])

    def ssd(start: np.ndarray, end: int) -> np.ndarray:
        count = end + 1 - start
        total = s1[end + 1] - s1[start]
        return (s2[end + 1] - s2[start]) - total * total / count

    cost = np.full((k, n), np.inf)
    start_of = np.zeros((k, n), dtype=int)
    cost[0] = [ssd(np.array([0]), j)[0] for j in range(n)]
    for c in range(1, k):
        for j in range(c, n):
            starts = np.arange(c, j + 1)
            total = cost[c - 1, starts - 1] + ssd(starts, j)
            best = int(np.argmin(total))
            cost[c, j], start_of[c, j] = total[best], starts[best]
    breaks, end = [], n - 1
    for c in range(k - 1, -1, -1):
        breaks.append(x[end])
        end = start_of[c, end] - 1
    return np.unique(np.array(breaks[::-1], dtype=float))


#: Classification schemes (``ictgis map --scheme``).
CLASSIFIERS: Mapping[str, Callable[[Iterable[float], int], np.ndarray]] = {
    "quantiles": quantile_breaks,
    "natural_breaks": natural_breaks,
}


def classify(values: Iterable[float], breaks: Sequence[float]) -> np.ndarray:
    """Class index of each value (0 = lowest class), -1 for NaN.

    A value equal to a limit belongs to the class that limit closes.
    """
    x = np.asarray(pd.to_numeric(pd.Series(values, dtype="object"), errors="coerce"), float)
    limits = np.asarray(breaks, dtype=float)
    if limits.size == 0:
        return np.full(x.shape, -1, dtype=int)
    out = np.searchsorted(limits, x, side="left").clip(0, limits.size - 1)
    out[~np.isfinite(x)] = -1
    return out.astype(int)


def class_labels(breaks: Sequence[float] | np.ndarray, minimum: float, *, decimals: int,
                 units: str = "", lang: str | None = None) -> list[str]:
    """Legend labels ``"low – high units"`` of the classes (upper limits included).

    Numbers are written in the convention of ``lang`` (default: the language in force).

    Examples
    --------
    >>> class_labels([2.0, 4.5], 1.0, decimals=1, units="km", lang="en")
    ['1.0 – 2.0 km', '2.0 – 4.5 km']
    >>> class_labels([2.0, 4.5], 1.0, decimals=1, units="km", lang="vi")
    ['1,0 – 2,0 km', '2,0 – 4,5 km']
    >>> class_labels([], float("nan"), decimals=1, lang="en")
    []
    """
    lows = [minimum, *list(breaks)][:len(breaks)]  # no breaks (no value): no class
    suffix = f" {units}" if units else ""
    # more decimals when limits close together would print alike (99.95 and 100.0)
    shown = decimals
    while shown < decimals + 1 and len({i18n.number(b, shown, lang) for b in breaks}) < len(
            breaks):
        shown += 1
    labels = []
    for low, high in zip(lows, breaks, strict=True):
        lo, hi = i18n.number(low, shown, lang), i18n.number(high, shown, lang)
        labels.append(f"{hi}{suffix}" if lo == hi else f"{lo} – {hi}{suffix}")
    return labels


@dataclass(frozen=True)
class Classes:
    """Classes of a choropleth: limits, colours and legend labels."""

    column: str
    indicator: Indicator
    scheme: str
    breaks: tuple[float, ...]
    minimum: float
    colors: tuple[str, ...]
    labels: tuple[str, ...]
    lang: str = i18n.LANGUAGES[0]

    @property
    def lows(self) -> tuple[float, ...]:
        """Lower limit of every class: the minimum, then the upper limit of the class below.

        As many as there are classes (none when no value could be classified).
        """
        return (self.minimum, *self.breaks)[:len(self.breaks)]

    def index(self, values: Iterable[float]) -> np.ndarray:
        """Class of each value (-1: no data), on values rounded as they were classified."""
        x = pd.to_numeric(pd.Series(values, dtype="object"), errors="coerce").to_numpy(float)
        return classify(np.round(x, self.indicator.decimals + 1), self.breaks)


def choropleth_classes(values: Iterable[float], column: str, *, scheme: str = "quantiles",
                       k: int = 5, lang: str | None = None) -> Classes:
    """Classify an indicator's values for a map.

    Parameters
    ----------
    values
        The commune values (NaN: no data).
    column
        A key of :data:`INDICATORS`.
    scheme
        A key of :data:`CLASSIFIERS`.
    k
        Number of classes (fewer when values repeat).
    lang
        Language of the indicator's label, units and class limits: ``vi`` or ``en``
        (default: the language in force).

    Raises
    ------
    ConfigError
        For an unknown indicator, scheme or language.
    """
    lang = lang or i18n.current()
    ind = get_indicator(column, lang)
    if scheme not in CLASSIFIERS:
        msg = i18n.t("maps.error.scheme", lang=lang, name=scheme,
                     choices=", ".join(CLASSIFIERS))
        raise ConfigError(msg)
    # rounded so that floating-point noise (99.99999 %) makes no class of its own
    x = np.round(_finite(values), ind.decimals + 1)
    breaks = CLASSIFIERS[scheme](x, k)
    minimum = float(x.min()) if x.size else float("nan")
    limits = class_labels(breaks, minimum, decimals=ind.decimals, units=ind.units, lang=lang)
    return Classes(column, ind, scheme, tuple(float(b) for b in breaks), minimum,
                   tuple(ramp_colors(ind.cmap, len(breaks))), tuple(limits), lang)


def dbm(value: float, lang: str | None = None) -> str:
    """A signal level in dBm, as few decimals as it has (at most 2), in ``lang``'s convention."""
    decimals = next((d for d in range(3) if round(float(value), d) == float(value)), 2)
    return i18n.number(value, decimals, lang, grouping=False)


def coverage_labels(classes_dbm: Sequence[float], lang: str | None = None) -> list[str]:
    """Legend labels of signal classes 1 .. len+1 from their lower limits (best first).

    ``lang``: ``vi`` or ``en`` (default: the language in force).

    Examples
    --------
    >>> coverage_labels([-80, -90], "en")
    ['≥ -80 dBm', '-90 to -80 dBm', '< -90 dBm']
    >>> coverage_labels([-80, -90], "vi")
    ['≥ -80 dBm', 'từ -90 đến -80 dBm', '< -90 dBm']
    """
    limits = [float(v) for v in classes_dbm]
    labels = [i18n.t("maps.label.signal_above", lang=lang, dbm=dbm(limits[0], lang))]
    labels += [i18n.t("maps.label.dbm_range", lang=lang, low=dbm(low, lang), high=dbm(high, lang))
               for high, low in zip(limits, limits[1:], strict=False)]
    labels.append(i18n.t("maps.label.signal_below", lang=lang, dbm=dbm(limits[-1], lang)))
    return [str(label) for label in labels]
