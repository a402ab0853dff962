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
    return {
        "parameters": parameters,
        "multiply_adds_per_pass": per_pass,
        "naive_passes": passes,
        "naive_multiply_adds": passes * per_pass,
        "per_example_numbers": batch * (parameters + sum(layers)),
    }
