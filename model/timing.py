"""Wall-clock timing in this process: medians of repeats, sized to the work, with a
distribution-free confidence interval on each median."""

from __future__ import annotations

import time
from collections.abc import Callable

from scipy.special import bdtr


def repeat_seconds(
    fn: Callable[[], object], repeats: int | None = None, budget: float = 0.2, most: int = 11
) -> list[float]:
    """Run fn `repeats` times (or, by default, as often as fits in `budget` seconds, at least
    3 and at most `most`) after one warm-up call; return each call's seconds.

    Eleven calls give a median that five slow outliers cannot move, and keep the timing of a
    tiny network (microseconds a call) from costing more than its job: a service round trip
    of the 2-3-2 net is a few milliseconds in all."""
    fn()
    times: list[float] = []
    began = time.perf_counter()
    while True:
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
        if repeats is not None:
            if len(times) >= repeats:
                break
        elif len(times) >= most or (len(times) >= 3 and time.perf_counter() - began > budget):
            break
    return times


def median_interval(times: list[float], level: float = 0.95) -> dict[str, float]:
    """A confidence interval for the median of the distribution the times come from.

    Distribution-free: the order statistics x_(j) <= median <= x_(n+1-j) hold the median with
    probability P(j <= K <= n - j) for K ~ Binomial(n, 1/2). The narrowest such interval
    reaching `level` is returned with its exact coverage (the interval of
    `scipy.stats.quantile_test(...).confidence_interval()`, checked by the tests); with too few
    times for `level` (fewer than 6 for 95 %), [min, max] and its lower coverage (75 % for 3
    times). The binomial distribution function is scipy.special's `bdtr`, the one
    scipy.stats.binom.cdf calls: importing scipy.stats costs a second, over a worker's soft
    time limit in the tests."""
    ordered = sorted(times)
    n = len(ordered)

    def coverage(j: int) -> float:  # of [x_(j), x_(n+1-j)], j counted from 1
        return float(bdtr(n - j, n, 0.5) - bdtr(j - 1, n, 0.5))

    j = 1
    while j + 1 <= (n + 1) // 2 and coverage(j + 1) >= level:
        j += 1
    return {"low": ordered[j - 1], "high": ordered[n - j], "level": coverage(j)}
