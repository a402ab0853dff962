"""The naive method: one pass vs one forward pass, and naive vs backprop.

A naive pass is `model.naive.nudge` as it runs (nudge, re-run the whole network, restore, count),
central differences over a seeded sample of parameters, timed in blocks against blocks of as
many plain forward passes (`Network.cost`) and against backprop, side by side. Naive over
backprop for every parameter is estimated as (passes for all) x (time per pass); where that
estimate is under --full-limit seconds, one full run over every parameter is also measured.
Target: one naive pass at most 1.2x one forward pass.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass

from bench import common
from model.backprop import backprop
from model.naive import choose_indices, nudge, passes_needed

TARGET = 1.2
SAMPLE, CHUNK = 200, 10  # parameters sampled; parameters (so 2 x CHUNK passes) per block
EPSILON = 1e-6


@dataclass
class Naive:
    pass_to_forward: tuple[float, float, float]
    per_pass: float
    backprop: float
    full_passes: int
    estimate_to_backprop: float
    measured_to_backprop: float | None


def block_timers(j: common.Job) -> dict[str, Callable[[], object]]:
    indices = choose_indices(j.net.parameter_count, SAMPLE, seed=0)
    chunks = itertools.cycle([indices[i : i + CHUNK] for i in range(0, SAMPLE, CHUNK)])

    def forwards() -> None:
        for _ in range(2 * CHUNK):
            j.net.cost(j.x, j.y)

    return {
        "naive": lambda: nudge(j.net, j.x, j.y, next(chunks), EPSILON, "central"),
        "forward": forwards,
        "backprop": lambda: backprop(j.net, j.x, j.y, input_wishes=False),
    }


def measure(j: common.Job, budget: float, full_limit: float) -> Naive:
    times = common.interleaved(block_timers(j), budget)
    per_pass = common.median(times["naive"]) / (2 * CHUNK)
    back = common.median(times["backprop"])
    full_passes = passes_needed(j.net.parameter_count, "central")
    measured = None
    if per_pass * full_passes < full_limit:
        every = range(j.net.parameter_count)
        began = time.perf_counter()
        nudge(j.net, j.x, j.y, every, EPSILON, "central")
        measured = (time.perf_counter() - began) / back
    return Naive(
        common.ratio(times["naive"], times["forward"]),
        per_pass,
        back,
        full_passes,
        per_pass * full_passes / back,
        measured,
    )


def verdict(r: float) -> str:
    return "ok" if r <= TARGET else "MISSED"


def main() -> None:
    args = common.arguments(__doc__.splitlines()[0], full_limit=True)
    rows = []
    for layers, batch in common.CASES:
        n = measure(common.job(layers, batch, args.dtype), args.budget, args.full_limit)
        rows.append(
            [
                common.name(layers),
                batch,
                common.seconds(n.per_pass),
                common.spread(n.pass_to_forward),
                verdict(n.pass_to_forward[0]),
                n.full_passes,
                f"{n.estimate_to_backprop:,.0f}",
                "-" if n.measured_to_backprop is None else f"{n.measured_to_backprop:,.0f}",
            ]
        )
    common.print_table(
        [
            "network",
            "batch",
            "naive pass",
            f"pass/forward (<= {TARGET})",
            "",
            "passes (all)",
            "naive/backprop (est.)",
            "(measured)",
        ],
        rows,
    )


if __name__ == "__main__":
    main()
