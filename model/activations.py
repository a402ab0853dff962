"""Activations f_l and their backward step from the wish on a(l) to the wish on z(l).

Each activation maps z (B, n) to a (B, n), in place: `apply(z)` writes a into z's own memory
and returns it, so a forward pass needs one array per layer, not two. `grad(a, grad_a, out)`
turns dC/da into dC/dz, written into `out`, from a alone (z is gone by then): f'(z) * grad_a
for the elementwise ones, with f' written in terms of a; for softmax, whose Jacobian is not
diagonal, J^T grad_a = a * (grad_a - sum_m a_m grad_a_m) per example.

`f(z)` and `backward(z, a, grad_a)` are the same two steps returning new arrays.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy.special import expit

Array = np.ndarray


@dataclass(frozen=True)
class Activation:
    name: str
    apply: Callable[[Array], Array]  # z -> a, written into z
    grad: Callable[..., Array]  # (a, dC/da, out=None) -> dC/dz, written into out if given

    def f(self, z: Array) -> Array:
        return self.apply(np.array(z))

    def backward(self, z: Array, a: Array, grad_a: Array) -> Array:
        return self.grad(a, grad_a)

    def __repr__(self) -> str:
        return f"Activation({self.name!r})"


# Float scalars (1.0, not 1): numpy converts an int scalar more slowly, which shows on one example.
def _sigmoid_grad(a: Array, g: Array, out: Array | None = None) -> Array:
    # sigmoid'(z) = a (1 - a)
    out = np.subtract(1.0, a, out=out)
    out *= a
    out *= g
    return out


def _tanh_grad(a: Array, g: Array, out: Array | None = None) -> Array:
    # tanh'(z) = 1 - a^2
    out = np.multiply(a, a, out=out)
    np.subtract(1.0, out, out=out)
    out *= g
    return out


def _relu_grad(a: Array, g: Array, out: Array | None = None) -> Array:
    # a > 0 exactly where z > 0; f'(0) is taken as 0, as every major library does
    return np.multiply(g, a > 0, out=out)


def _identity_grad(a: Array, g: Array, out: Array | None = None) -> Array:
    if out is None:
        return g.copy()
    np.copyto(out, g)
    return out


def _softmax(z: Array) -> Array:
    z -= z.max(axis=-1, keepdims=True)  # exp never overflows
    np.exp(z, out=z)
    z /= z.sum(axis=-1, keepdims=True)
    return z


def _softmax_grad(a: Array, g: Array, out: Array | None = None) -> Array:
    out = np.multiply(a, g, out=out)
    dot = out.sum(axis=-1, keepdims=True)
    np.subtract(g, dot, out=out)
    out *= a
    return out


SMALL = 512  # entries: below this, expit (one call, exp element by element)


def _sigmoid(z: Array) -> Array:
    """1 / (1 + exp(-z)), in place. expit is one call but evaluates exp element by element;
    NumPy's exp is vectorised (AVX-512 or AVX2), so on large arrays the four steps below take
    about a third of expit's time. Small arrays keep expit: its one call costs less there, and
    the presets' training (mini-batches of 20) keeps the arithmetic its shipped parameters were
    written with (model/presets.py reproduces them bit for bit).

    exp(-z) overflows to inf for z below -709 (float64) or -88 (float32), and 1 / (1 + inf)
    is 0, the sigmoid there to within 1e-308 (1e-38); exp(-z) underflows to 0 for large z,
    where a is 1. Both are expected, so neither is reported, even where the caller has NumPy
    raise on floating-point errors. (Clipping z first, as before, costs a pass: NumPy's
    maximum with a scalar is not vectorised, and np.reciprocal is slower than dividing 1.0.)
    """
    if z.size < SMALL:
        return expit(z, out=z)
    with np.errstate(over="ignore", under="ignore"):
        np.exp(np.negative(z, out=z), out=z)
        z += 1.0
        return np.divide(1.0, z, out=z)


ACTIVATIONS = {
    "sigmoid": Activation("sigmoid", _sigmoid, _sigmoid_grad),
    "tanh": Activation("tanh", lambda z: np.tanh(z, out=z), _tanh_grad),
    "relu": Activation("relu", lambda z: np.maximum(z, 0, out=z), _relu_grad),
    "identity": Activation("identity", lambda z: z, _identity_grad),
    "softmax": Activation("softmax", _softmax, _softmax_grad),
}
