"""A job's class, decided at submit from its cost estimate: `interactive` or `batch`.

Each class is a Celery queue of the same name (worker/queues.py), so a class of students
clicking "Run backprop" never waits behind a researcher's naive job. A job is interactive when
its estimated work is at most INTERACTIVE_SECONDS of one core, and batch otherwise; a naive
job big enough to be split into parts (NAIVE_SPLIT_PASSES) is always batch, as are its parts.

The estimate is linear in the counts that `model.estimate_cost` knows before anything runs,
with coefficients measured on one laptop core (NumPy, one BLAS thread):

    seconds = passes x 25 us                      (a naive pass's fixed cost)
            + naive multiply-adds / 1e10          (its arithmetic)
            + 3 x multiply-adds per pass / 1e9    (backprop: one forward, one backward pass)
            + per-example numbers / 6e6           (only with include.per_example)

Within a factor of about 1.5 of the measured time from 2 ms to 6 s (tests/api/test_classes.py
lists the cases). The page's job (the lesson's net on one digit, 200 sampled parameters) is
about 0.02 s, the lesson's full naive job on 100 digits about 100 s.
"""

from __future__ import annotations

import model
from worker.queues import BATCH, INTERACTIVE

PASS_SECONDS = 25e-6
NAIVE_RATE, BACKPROP_RATE, PER_EXAMPLE_RATE = 1e10, 1e9, 6e6


def estimated_seconds(spec: model.JobSpec) -> float:
    """Seconds of one core that `spec` is expected to take."""
    cost = model.estimate_cost(spec)
    seconds = (
        cost["naive_passes"] * PASS_SECONDS
        + cost["naive_multiply_adds"] / NAIVE_RATE
        + 3 * cost["multiply_adds_per_pass"] / BACKPROP_RATE
    )
    if spec.include.per_example:
        seconds += cost["per_example_numbers"] / PER_EXAMPLE_RATE
    return seconds


def job_class(spec: model.JobSpec, interactive_seconds: float, split_passes: int) -> str:
    """`interactive` for a job of at most `interactive_seconds` that is not split, else `batch`.
    Training (`train`) and the averaging block (`include.averaging`) make a job batch: the
    estimate does not model them yet, and they take seconds (the shipped examples: 4-6 s)."""
    if spec.train is not None or getattr(spec.include, "averaging", False):
        return BATCH
    if model.estimate_cost(spec)["naive_passes"] >= split_passes:
        return BATCH
    return INTERACTIVE if estimated_seconds(spec) <= interactive_seconds else BATCH
