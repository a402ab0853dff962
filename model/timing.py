"""Wall-clock timing in this process: medians of repeats, sized to the work."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable


def median_seconds(
    fn: Callable[[], object], repeats: int | None = None, budget: float = 0.2, most: int = 11
) -> tuple[float, int]:
    """Run fn `repeats` times (or, by default, as often as fits in `budget` seconds, at least
    3 and at most `most`) after one warm-up call; return the median time and the count.

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
    return statistics.median(times), len(times)
