"""The floor: backprop in plain vectorised NumPy, written the obvious way, that ours must beat.

One matmul per product, new arrays everywhere, no scratch reuse, no BLAS called directly, no
choice by shape or kernel: Nielsen's `backprop` over a batch of rows. Whatever `model.backprop`
does beyond this has to pay for itself at every size, on every kernel. Its gradient is checked
equal to ours before it is timed (`common.check_gradient`).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from bench import common

FUNCTIONS = {  # f(z), and f'(z) written in terms of a = f(z)
    "sigmoid": (lambda z: 1 / (1 + np.exp(-z)), lambda a: a * (1 - a)),
    "tanh": (np.tanh, lambda a: 1 - a**2),
    "relu": (lambda z: np.maximum(z, 0), lambda a: (a > 0).astype(a.dtype)),
}


def floor_gradient(j: common.Job) -> Callable[[], list]:
    """A function that returns [dW1, db1, dW2, ...] for the job's batch, the plain way."""
    fs = [FUNCTIONS[name] for name in common.twin_activations(j, "floor")]
    weights, biases, x, y = j.net.weights, j.net.biases, j.x, j.y

    def gradient() -> list:
        # forward pass
        activations = [x]
        for w, b, (f, _) in zip(weights, biases, fs):
            activations.append(f(activations[-1] @ w.T + b))
        # backward pass: delta is dC_i/dz(l), one row per example
        delta = 2 * (activations[-1] - y) * fs[-1][1](activations[-1])
        nabla = []
        for l in range(len(weights) - 1, -1, -1):
            nabla[:0] = [delta.T @ activations[l] / len(x), delta.mean(axis=0)]
            if l > 0:
                delta = (delta @ weights[l]) * fs[l - 1][1](activations[l])
        return nabla

    return gradient


def products_only(j: common.Job) -> Callable[[], list]:
    """The floor's matrix products alone, on arrays made beforehand, nothing else: the time
    no NumPy backprop that computes this gradient can go below (with input_wishes=False:
    z(l) for every layer, dC/dW(l) for every layer, dC/da(l) for the hidden layers)."""
    weights, batch = j.net.weights, len(j.x)
    activations = [j.x, *(np.full((batch, w.shape[0]), 0.5, j.net.dtype) for w in weights)]
    deltas = [np.full((batch, w.shape[0]), 0.1, j.net.dtype) for w in weights]

    def products() -> list:
        out = [activations[l] @ w.T for l, w in enumerate(weights)]
        out += [delta.T @ activations[l] for l, delta in enumerate(deltas)]
        return out + [deltas[l] @ weights[l] for l in range(1, len(weights))]

    return products
