"""The arithmetic of the suite: medians, spreads, per-pair ratios, power-law fits (pure functions).

Kept apart from the code that runs processes so that ``tests/test_benchmarks_suite.py`` can check
it without timing anything.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True, kw_only=True)
class Spread:
    """Median and range of a series of measurements."""

    median: float
    low: float
    high: float

    def format(self, digits: int = 2) -> str:
        """``1.23 (1.10-1.40)``; one value alone when the range is empty."""
        if self.low == self.high:
            return f"{self.median:.{digits}f}"
        return f"{self.median:.{digits}f} ({self.low:.{digits}f}-{self.high:.{digits}f})"


def spread(values: Sequence[float]) -> Spread:
    """Median, minimum and maximum of ``values`` (at least one)."""
    if not values:
        raise ValueError("no values")
    return Spread(median=statistics.median(values), low=min(values), high=max(values))


def pair_ratios(numerators: Sequence[float], denominators: Sequence[float]) -> list[float]:
    """``n[i] / d[i]`` for each round ``i`` in which both ran.

    The suite runs sovaudit and each peer in the same round, one after the other, so a burst of
    load on the machine hits both of a pair: the ratio of a pair is steadier than the ratio of
    two medians taken minutes apart.
    """
    return [n / d for n, d in zip(numerators, denominators, strict=False) if d > 0]


@dataclass(frozen=True, slots=True, kw_only=True)
class PowerFit:
    """``y = coefficient * x ** exponent``, fitted by least squares on ``log y`` against ``log x``."""

    exponent: float
    coefficient: float
    r2: float

    def predict(self, x: float) -> float:
        return float(self.coefficient * x**self.exponent)


def fit_power_law(xs: Sequence[float], ys: Sequence[float]) -> PowerFit:
    """Least squares on log-log: the slope is the exponent (1.0 = linear growth)."""
    if len(xs) != len(ys) or len(xs) < 2:
        raise ValueError("need two or more (x, y) pairs")
    if min(xs) <= 0 or min(ys) <= 0:
        raise ValueError("a power law needs positive values")
    lx = [math.log(x) for x in xs]
    ly = [math.log(y) for y in ys]
    mx, my = statistics.fmean(lx), statistics.fmean(ly)
    sxx = sum((x - mx) ** 2 for x in lx)
    if sxx == 0:
        raise ValueError("all x are equal")
    slope = sum((x - mx) * (y - my) for x, y in zip(lx, ly, strict=True)) / sxx
    intercept = my - slope * mx
    residual = sum((y - (intercept + slope * x)) ** 2 for x, y in zip(lx, ly, strict=True))
    total = sum((y - my) ** 2 for y in ly)
    r2 = 1.0 - residual / total if total else 1.0
    return PowerFit(exponent=slope, coefficient=math.exp(intercept), r2=r2)
