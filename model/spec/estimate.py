"""What a job will cost, known from its spec before anything runs (for limits and progress)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .job import JobSpec


def estimate_cost(spec: JobSpec) -> dict[str, int]:
    """Pass counts and multiply-adds, known before anything runs (for limits and progress)."""
    layers, batch = spec.network.layers, spec.batch.batch_size
    parameters = spec.network.parameter_count
    per_pass = batch * sum(m * n for m, n in zip(layers[:-1], layers[1:]))
    nudged = spec.naive.sample or parameters
    passes = 0
    if "naive" in spec.methods:
        passes = 2 * nudged if spec.naive.difference == "central" else nudged + 1
    out = {
        "parameters": parameters,
        "multiply_adds_per_pass": per_pass,
        "naive_passes": passes,
        "naive_multiply_adds": passes * per_pass,
        "per_example_numbers": batch * (parameters + sum(layers)),
    }
    if spec.train is not None:
        out.update(_training(spec, per_pass // batch, parameters))
    return out


def _training(spec: JobSpec, per_example: int, parameters: int) -> dict[str, int]:
    """A backprop step costs about 3 passes' multiply-adds over its mini-batch (the forward
    pass, then dC/dW and the previous layer's wish in the backward sweep); a naive step, its
    passes (one for the cost, then 2P central or P forward). Every evaluation is one forward
    pass over the evaluation set."""
    train = spec.train
    if train.method == "backprop":
        step_passes, step_cost = 2, 3
    else:
        step_passes = (2 * parameters if spec.naive.difference == "central" else parameters) + 1
        step_cost = step_passes
    evaluations = -(-train.steps // train.every) + 1
    return {
        "training_passes": train.steps * step_passes,
        "training_multiply_adds": (
            train.steps * train.batch_size * step_cost + evaluations * spec.evaluation_size
        )
        * per_example,
    }
