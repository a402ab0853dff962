"""A job's class, decided at submit from its cost estimate: `interactive` or `batch`.

Each class is a Celery queue of the same name (worker/queues.py), so a class of students
clicking "Run backprop" never waits behind a researcher's naive job. A job is interactive when
its estimated work is at most INTERACTIVE_SECONDS of one core, and batch otherwise; a naive
job big enough to be split into parts (NAIVE_SPLIT_PASSES) is always batch, as are its parts.

The estimate is linear in the counts that `model.estimate_cost` and `model.estimate_result`
know before anything runs, with coefficients measured as a worker's CPU seconds on one core
(NumPy, one BLAS thread, the worker's pool process from the task's start to the result stored):

    seconds = passes x 25 us                      (a naive pass's fixed cost)
            + naive multiply-adds / 1e10          (its arithmetic)
            + multiply-adds per pass x R / 2e10   (the report's backprop and the timing's
                                                   repeats: R = 3 + 4 + 12 = 19 to 51)
            + result floats x 0.15 us             (made, checked, packed and stored: the
                                                   gradients, wishes, three ways, examples,
                                                   the naive values and their labels)
            + per-example numbers / 6e6           (only with include.per_example)

The timing block repeats a forward pass and a backprop (3 passes' multiply-adds) after one
warm-up each, at least 3 and up to 11 times within 0.2 s each, so R counts 4 forward passes
and 4 backprops when a pass is slow, up to 12 of each when it is fast (`timing.repeats` says
how many). A job whose result's JSON is estimated above INTERACTIVE_RESULT_BYTES is batch
whatever its seconds: tens of megabytes are a researcher's download, and storing and sending
them holds a worker and the store for seconds on a loaded machine. The page's job (the
lesson's net on one digit, 200 sampled parameters) is about 0.02 s; a [999, 1000] network at
batch 1 (3 million result floats, 65 MB of JSON) is batch.
"""

from __future__ import annotations

import math
from typing import Any

import model
from worker.queues import BATCH, INTERACTIVE

PASS_SECONDS = 25e-6
NAIVE_RATE, BACKPROP_RATE, PER_EXAMPLE_RATE = 1e10, 2e10, 6e6
FLOAT_SECONDS = 0.15e-6  # one result number: made, checked for NaN, packed, stored
REPORT_PASSES = 3  # the report's backprop: one forward pass, one backward sweep (2 passes)
TIMING_BUDGET, TIMING_LEAST, TIMING_MOST = 0.2, 3, 11  # model/timing.py's repeat_seconds


def _timing_passes(spec: model.JobSpec, pass_seconds: float) -> float:
    """Passes the timing block runs: forward and backprop (3 passes), each a warm-up and
    then `timing.repeats` calls, or as many as fit TIMING_BUDGET (TIMING_LEAST to MOST)."""
    total = 0.0
    for passes in (1, 3):
        seconds = passes * pass_seconds
        repeats = spec.timing.repeats or min(
            TIMING_MOST, max(TIMING_LEAST, math.ceil(TIMING_BUDGET / max(seconds, 1e-9)))
        )
        total += passes * (1 + repeats)
    return total


def estimated_seconds(spec: model.JobSpec, size: dict[str, Any] | None = None) -> float:
    """Seconds of one core that `spec` is expected to take; `size` is its
    `model.estimate_result` when the caller has it."""
    cost = model.estimate_cost(spec)
    size = size or model.estimate_result(spec)
    per_pass = cost["multiply_adds_per_pass"] / BACKPROP_RATE
    seconds = (
        cost["naive_passes"] * PASS_SECONDS
        + cost["naive_multiply_adds"] / NAIVE_RATE
        + (REPORT_PASSES + _timing_passes(spec, per_pass)) * per_pass
        + sum(size["floats"].values()) * FLOAT_SECONDS
    )
    if spec.include.per_example:
        seconds += cost["per_example_numbers"] / PER_EXAMPLE_RATE
    return seconds


def job_class(
    spec: model.JobSpec,
    interactive_seconds: float,
    split_passes: int,
    result_bytes: int,
    size: dict[str, Any] | None = None,
) -> str:
    """`interactive` for a job of at most `interactive_seconds` whose result's JSON is at most
    `result_bytes` and that is not split, else `batch`. Training (`train`) and the averaging
    block (`include.averaging`) make a job batch: the estimate does not model them yet, and
    they take seconds (the shipped examples: 4-6 s). `size` is the spec's
    `model.estimate_result`, when the caller has it."""
    if spec.train is not None or getattr(spec.include, "averaging", False):
        return BATCH
    if model.estimate_cost(spec)["naive_passes"] >= split_passes:
        return BATCH
    size = size or model.estimate_result(spec)
    if size["json_bytes"] > result_bytes:
        return BATCH
    return INTERACTIVE if estimated_seconds(spec, size) <= interactive_seconds else BATCH
