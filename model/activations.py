"""Activations f_l and their backward step from the wish on a(l) to the wish on z(l).

Each activation maps z (B, n) to a (B, n). `backward(z, a, grad_a)` turns dC/da into dC/dz:
f'(z) * grad_a for the elementwise ones; for softmax, whose Jacobian is not diagonal,
J^T grad_a = a * (grad_a - sum_m a_m grad_a_m) per example.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

Array = np.ndarray


@dataclass(frozen=True)
class Activation:
    name: str
    f: Callable[[Array], Array]
    backward: Callable[[Array, Array, Array], Array]  # (z, a, dC/da) -> dC/dz

    def __repr__(self) -> str:
        return f"Activation({self.name!r})"


def _sigmoid(z: Array) -> Array:
    # exp of a non-positive number never overflows: split by sign
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1, e) / (1 + e)


def _softmax(z: Array) -> Array:
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


ACTIVATIONS = {
    "sigmoid": Activation("sigmoid", _sigmoid, lambda z, a, g: g * a * (1 - a)),
    "tanh": Activation("tanh", np.tanh, lambda z, a, g: g * (1 - a * a)),
    # f'(0) is taken as 0, as every major library does
    "relu": Activation("relu", lambda z: np.maximum(z, 0), lambda z, a, g: g * (z > 0)),
    "identity": Activation("identity", lambda z: z, lambda z, a, g: g),
    "softmax": Activation(
        "softmax", _softmax, lambda z, a, g: a * (g - (a * g).sum(axis=-1, keepdims=True))
    ),
}
