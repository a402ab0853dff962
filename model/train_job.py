"""A job's `train` and `averaging` blocks: gradient descent on the job's network before the
report, and how well averaged steps point where the whole training pool's gradient points.

`training` in the result: the mini-batch `cost` before each step, the `accuracy` every
`eval_every` steps ({"step", "value"}, on the mnist test split or on the batch), the steps'
`seconds`, their `passes`, and `step_timing`: one backprop step against one naive step on a
mini-batch of the same size, side by side (the naive step measured when it trained, else
estimated as its passes times a measured forward pass).
"""

from __future__ import annotations

import statistics
from typing import Any

import numpy as np

from .averaging import averaging
from .backprop import backprop
from .job import Job, evaluation_set, training_pool
from .naive import Progress, ShouldStop
from .timing import repeat_seconds
from .training import step_passes, train


def training_block(
    job: Job,
    progress: Progress | None = None,
    should_stop: ShouldStop | None = None,
    pass_total: int | None = None,
) -> dict[str, Any]:
    """Train job.net in place as the spec's `train` says; the result's `training` block.
    progress(done, total) counts passes (a step's passes at a time) out of `pass_total`."""
    spec, net = job.spec, job.net
    options = spec.train
    pool = training_pool(job)
    x_eval, labels, evaluated_on = evaluation_set(job)
    per_step = step_passes(options.method, net.parameter_count, spec.naive.difference)
    step_cost = per_step["forward"] + per_step["backward"]
    total = pass_total or options.steps * step_cost
    done = train(
        net,
        pool,
        options.steps,
        options.batch_size,
        options.learning_rate,
        options.seed,
        options.method,
        (x_eval, labels),
        options.every,
        job.epsilon,
        spec.naive.difference,
        progress=None
        if progress is None
        else (lambda steps, _: progress(steps * step_cost, total)),
        should_stop=should_stop,
    )
    out: dict[str, Any] = {
        "method": options.method,
        "steps": options.steps,
        "batch_size": options.batch_size,
        "learning_rate": options.learning_rate,
        "seed": options.seed,
        "evaluated_on": evaluated_on,
        "cost": np.array(done.cost, dtype=np.float64),
        "accuracy": done.accuracy,
        "seconds": done.seconds,
        "passes": done.passes,
        "step_timing": _step_timing(job, pool, done.seconds / options.steps),
    }
    if spec.include.parameters:
        out["parameters"] = {"weights": list(net.weights), "biases": list(net.biases)}
    return out


def _step_timing(job: Job, pool: tuple[np.ndarray, np.ndarray], trained: float) -> dict[str, Any]:
    spec, net = job.spec, job.net
    size = spec.train.batch_size
    x, y = pool[0][:size], pool[1][:size]
    back = statistics.median(
        repeat_seconds(lambda: backprop(net, x, y, input_wishes=False), budget=0.1)
    )
    naive_passes = sum(step_passes("naive", net.parameter_count, spec.naive.difference).values())
    if spec.train.method == "naive":
        naive, basis = trained, "measured"
    else:
        naive = naive_passes * statistics.median(repeat_seconds(lambda: net.cost(x, y), budget=0.1))
        basis = "estimated"
    return {
        "backprop": {"seconds": back, "passes": {"forward": 1, "backward": 1}},
        "naive": {"seconds": naive, "passes": naive_passes, "basis": basis},
        "naive_to_backprop": naive / back,
    }


def averaging_block(job: Job) -> dict[str, Any]:
    """The result's `averaging` block for the job's (possibly trained) network and batch."""
    options = job.spec.averaging
    block = averaging(
        job.net, (job.x, job.y), training_pool(job), options.sizes, options.draws, options.seed
    )
    block["reference"]["source"] = (
        "mnist train split"
        if job.spec.batch.dataset == "mnist"
        else "digits"
        if job.spec.batch.dataset == "digits"
        else "the batch"
    )
    return block
