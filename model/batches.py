"""Batch sources: inline inputs, the digits data set, or seeded random numbers.

A batch is (x, y, info): x (B, n_0) inputs, y (B, n_L) targets, and a JSON-ready description
(for digits: the chosen indices and their labels, so a client can show the images).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import digits
from .spec import DIGITS_COUNT, DIGITS_RESOLUTIONS, JobSpec

Array = np.ndarray


def one_hot(labels: Array, width: int) -> Array:
    out = np.zeros((len(labels), width))
    out[np.arange(len(labels)), labels] = 1.0
    return out


def make_batch(spec: JobSpec) -> tuple[Array, Array, dict[str, Any]]:
    """Inputs and targets in the network's dtype, and what the batch is."""
    batch, layers = spec.batch, spec.network.layers
    dtype = np.dtype(spec.network.dtype)
    if batch.inputs is not None:
        x = np.array(batch.inputs, dtype=np.float64)
        if batch.labels is not None:
            y = one_hot(np.array(batch.labels), layers[-1])
        else:
            y = np.array(batch.targets, dtype=np.float64)
        info: dict[str, Any] = {"source": "inline", "size": len(x)}
    elif batch.dataset == "digits":
        resolution = batch.resolution or next(
            r for r, n in DIGITS_RESOLUTIONS.items() if n == layers[0])
        if batch.indices is not None:
            chosen = np.array(batch.indices)
        else:
            chosen = np.random.default_rng(batch.seed).choice(
                DIGITS_COUNT, size=batch.size, replace=False)
        x = digits.images(resolution)[chosen].reshape(len(chosen), -1)
        labels = digits.labels()[chosen]
        y = one_hot(labels, layers[-1])
        info = {"source": "digits", "size": len(x), "resolution": resolution,
                "indices": chosen.tolist(), "labels": labels.tolist()}
    else:
        rng = np.random.default_rng(batch.seed)
        x = rng.random((batch.size, layers[0]))
        if spec.network.cost == "cross_entropy":
            y = one_hot(rng.integers(0, layers[-1], size=batch.size), layers[-1])
        else:
            y = rng.random((batch.size, layers[-1]))
        info = {"source": "random", "size": batch.size, "seed": batch.seed}
    return x.astype(dtype), y.astype(dtype), info
