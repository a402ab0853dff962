"""Batch sources: inline inputs, the digits data set, or seeded random numbers.

A batch is (x, y, info): x (B, n_0) inputs, y (B, n_L) targets, and a JSON-ready description
(for digits: the chosen indices and their labels, so a client can show the images). Each
source takes plain values; `model.job` picks one from the spec.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import digits, mnist

Array = np.ndarray
Batch = tuple[Array, Array, dict[str, Any]]


def one_hot(labels: Array, width: int) -> Array:
    out = np.zeros((len(labels), width))
    out[np.arange(len(labels)), labels] = 1.0
    return out


def inline_batch(inputs: Any, width: int, targets: Any = None, labels: Any = None) -> Batch:
    """Given rows of inputs, with rows of targets or class labels (one-hot, `width` wide)."""
    x = np.asarray(inputs, dtype=np.float64)
    y = (
        one_hot(np.asarray(labels), width)
        if labels is not None
        else np.asarray(targets, dtype=np.float64)
    )
    return x, y, {"source": "inline", "size": len(x)}


def digits_batch(
    resolution: int,
    width: int,
    size: int | None = None,
    seed: int = 0,
    indices: list[int] | None = None,
) -> Batch:
    """The digits at `indices`, or `size` of them chosen without replacement with `seed`."""
    labels = digits.labels()
    if indices is not None:
        chosen = np.asarray(indices)
    else:
        chosen = np.random.default_rng(seed).choice(len(labels), size=size, replace=False)
    x = digits.images(resolution)[chosen].reshape(len(chosen), -1)
    y = one_hot(labels[chosen], width)
    return (
        x,
        y,
        {
            "source": "digits",
            "size": len(x),
            "resolution": resolution,
            "indices": chosen.tolist(),
            "labels": labels[chosen].tolist(),
        },
    )


def mnist_batch(
    split: str, size: int | None = None, seed: int = 0, indices: list[int] | None = None
) -> Batch:
    """Images of an mnist split at `indices` (of the split), or `size` of them chosen without
    replacement with `seed`."""
    labels = mnist.labels(split)
    if indices is not None:
        chosen = np.asarray(indices)
    else:
        chosen = np.random.default_rng(seed).choice(len(labels), size=size, replace=False)
    return (
        mnist.images(split)[chosen],
        one_hot(labels[chosen], mnist.CLASSES),
        {
            "source": "mnist",
            "split": split,
            "size": len(chosen),
            "indices": chosen.tolist(),
            "labels": labels[chosen].tolist(),
        },
    )


def random_batch(size: int, seed: int, inputs: int, outputs: int, classes: bool) -> Batch:
    """Inputs uniform in [0, 1); targets uniform in [0, 1), or one-hot classes."""
    rng = np.random.default_rng(seed)
    x = rng.random((size, inputs))
    if classes:
        y = one_hot(rng.integers(0, outputs, size=size), outputs)
    else:
        y = rng.random((size, outputs))
    return x, y, {"source": "random", "size": size, "seed": seed}
