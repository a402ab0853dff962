"""Backpropagation over a whole batch at once: one forward pass, one backward sweep.

The wish of a neuron is -dC/da: which way, and how strongly, its activation should move to lower
the cost. The output layer's wishes come from the cost (-2(a - y) per example for squared
error). Each layer grants its wishes three ways (bias, weights, previous layer, see
`three_ways`), and the third way, summed over the layer's neurons, is the previous layer's wish:

    dC_i/dz(l)   = f_l'(z(l)) * dC_i/da(l)         (B, n_l)   the book's delta(l)
    dC_i/da(l-1) = dC_i/dz(l) @ W(l)               (B, n_{l-1})

The batch gradient averages over examples, so consistent patterns add up and quirks cancel:

    dC/dW(l) = mean_i dC_i/dz(l) outer a(l-1)       (n_l, n_{l-1})   shaped like W(l)
    dC/db(l) = mean_i dC_i/dz(l)                    (n_l,)
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np

from . import costs, products, workspace
from .network import Network

Array = np.ndarray


@dataclass
class Backprop:
    """Everything one forward pass and one backward sweep know, per example and averaged.

    For sizes [2, 3, 1] and B examples: activations a(0..L) are (B,2), (B,3), (B,1);
    example_wishes -dC_i/da(0..L) have the same shapes; z_gradients dC_i/dz(1..L) are (B,3),
    (B,1); weight_gradients (3,2), (1,3) and bias_gradients (3,), (1,) are batch means.
    Every array is the result's own: no later call writes into it.
    """

    example_costs: Array  # C_i, (B,); their mean is the batch cost C
    activations: list[Array]
    z_gradients: list[Array]
    a_gradients: list[Array | None]  # dC_i/da(0..L); [0] only with input_wishes=True
    weight_gradients: list[Array]
    bias_gradients: list[Array]
    input_wish: Array | None = None  # the batch mean of -dC_i/da(0), (n_0,), unless False

    def __repr__(self) -> str:
        sizes = [a.shape[1] for a in self.activations]
        return f"Backprop({sizes}, B={len(self.example_costs)}, cost={self.cost:.6g})"

    @property
    def cost(self) -> float:
        """The batch cost C, the mean of the per-example costs."""
        return float(self.example_costs.mean())

    @property
    def example_wishes(self) -> list[Array | None]:
        """-dC_i/da(l) for l = 0..L, new arrays at each access; [0] is None unless
        backprop(input_wishes=True)."""
        return [None if g is None else -g for g in self.a_gradients]

    @property
    def wishes(self) -> list[Array | None]:
        """The batch mean of -dC/da(l) for l = 0..L; [0] is None with input_wishes=False."""
        minus_means = np.full(
            len(self.example_costs), -1 / len(self.example_costs), self.example_costs.dtype
        )
        return [self.input_wish, *(minus_means @ g for g in self.a_gradients[1:])]


def backprop(
    net: Network, x: Array, y: Array, input_wishes: bool | Literal["mean"] = True
) -> Backprop:
    """One forward pass and one backward sweep over the batch x (B, n_0), targets y (B, n_L).

    The input layer's wishes -dC/da(0) are a (B, n_0) product that no gradient needs (for 784
    inputs, the largest step of the sweep). input_wishes=True computes them per example;
    "mean" only their batch mean, which is linear in the sweep, so it is (the mean z-gradient
    of layer 1) @ W(1), an (n_1,) @ (n_1, n_0) product; False neither (timing leaves them out,
    and the naive method never computes them either). Everything else is the same.
    """
    batch = len(x)
    layers = len(net.weights)
    activations, z_out = net.forward(x)
    example_costs, grad_a, grad_z = costs.output(net.cost_name, z_out, activations[-1], y)
    a_gradients: list[Array | None] = [None] * layers + [grad_a]
    z_gradients: list = [None] * layers
    weight_gradients: list = [None] * layers
    bias_gradients: list = [None] * layers
    # the products in the forms measured fastest on this BLAS kernel
    forms = products.chosen(net.dtype)
    means = None
    if batch > 1:  # a row of 1/B: the mean over the batch as one matrix-vector product
        means = workspace.rows(1, (batch,), net.dtype)[0][0]
        means.fill(1 / batch)
    # l is a 0-based list index, from the last weighted layer down: net.weights[l] is W(l+1),
    # activations[l] is a(l) (activations[0] is the input). So at l the sweep turns layer
    # l+1's dC/dz into W(l+1)'s gradient and into layer l's dC/da.
    for l in range(layers - 1, -1, -1):
        if grad_z is None:
            grad_z = net.activations[l].grad(activations[l + 1], grad_a)
        weight_gradients[l] = forms.weight_gradient(grad_z, activations[l])
        bias_gradients[l] = _batch_mean(means, grad_z)
        if l > 0:
            grad_a = a_gradients[l] = np.dot(grad_z, net.weights[l])
        z_gradients[l] = grad_z
        grad_z = None
    input_wish = None
    if input_wishes is True:
        a_gradients[0] = np.dot(z_gradients[0], net.weights[0])
        input_wish = -_batch_mean(means, a_gradients[0])
    elif input_wishes == "mean":
        input_wish = np.dot(bias_gradients[0], net.weights[0])
        np.negative(input_wish, out=input_wish)
    return Backprop(
        example_costs,
        activations,
        z_gradients,
        a_gradients,
        weight_gradients,
        bias_gradients,
        input_wish,
    )


def _batch_mean(means: Array | None, g: Array) -> Array:
    """The mean over the batch (rows) of g, a new array: a matrix-vector product with the row
    of 1/B (numpy's mean is several times slower); for one example, a copy of the row."""
    return g[0].copy() if means is None else np.dot(means, g)


def example_gradients(result: Backprop) -> tuple[list[Array], list[Array]]:
    """Each example's own gradient: dC_i/dW(l) (B, n_l, n_{l-1}) and dC_i/db(l) (B, n_l).

    Their mean over the batch is the batch gradient. Only built on request: B times the size
    of the parameters.
    """
    weights = [
        np.einsum("bj,bk->bjk", gz, a) for gz, a in zip(result.z_gradients, result.activations[:-1])
    ]
    return weights, [gz.copy() for gz in result.z_gradients]


def consistency(result: Backprop) -> list[float | None]:
    """Per weighted layer: ||mean_i g_i|| / mean_i ||g_i|| over the per-example gradients g_i of
    that layer's weights and biases together. 1 when every example wants the same; about
    1/sqrt(B) when they want unrelated things; None when every g_i is zero.

    g_i of a layer is the rank-one dC_i/dz outer a(l-1) plus dC_i/dz for the bias, so
    ||g_i||^2 = ||dC_i/dz||^2 (||a_i(l-1)||^2 + 1): no (B, n_l, n_{l-1}) array is needed.
    """
    out: list[float | None] = []
    for gz, a, gw, gb in zip(
        result.z_gradients, result.activations[:-1], result.weight_gradients, result.bias_gradients
    ):
        with np.errstate(over="ignore", invalid="ignore"):  # an overflow is redone scaled
            # row-wise squared norms: a dot product per row, no (B, n) temporaries
            norms = np.vecdot(gz, gz)
            norms *= np.vecdot(a, a) + 1
            mean_norm = float(np.sqrt(norms).mean())
            # row by row: one BLAS dot over the whole matrix would be threaded past 10,000
            # numbers, which costs more than it saves at these sizes
            mean_gradient = math.sqrt(float(np.vecdot(gw, gw).sum()) + float(np.vecdot(gb, gb)))
        if not (math.isfinite(mean_norm) and math.isfinite(mean_gradient)):
            mean_norm, mean_gradient = _scaled_norms(gz, a, gw, gb)
        out.append(min(mean_gradient / mean_norm, 1.0) if mean_norm > 0 else None)
    return out


def _scaled_norms(gz: Array, a: Array, gw: Array, gb: Array) -> tuple[float, float]:
    """mean_i ||g_i|| and ||mean_i g_i||, both divided by s = max |dC_i/dz|, in float64.

    The squares overflow long before the gradients do (a float32 gradient of 1e20 squared is
    past float32's range), and the ratio does not change when both norms are divided by s.
    ||a_i|| is scaled by its own largest entry, and sqrt(||a_i||^2 + 1) = hypot(||a_i||, 1).
    """
    s = float(np.abs(gz).max())
    if s == 0 or not math.isfinite(s):
        return 0.0, 0.0
    z = gz.astype(np.float64) / s
    per_example = np.sqrt(np.vecdot(z, z)) * np.hypot(_row_norms(a.astype(np.float64)), 1)
    g = np.concatenate([gw.ravel(), gb]).astype(np.float64) / s
    return float(per_example.mean()), float(_row_norms(g[None, :])[0])


def _row_norms(m: Array) -> Array:
    """The Euclidean norm of each row of m, without squaring a number past float64's range."""
    top = float(np.abs(m).max()) if m.size else 0.0
    if top == 0:
        return np.zeros(len(m))
    scaled = m / top
    return top * np.sqrt(np.vecdot(scaled, scaled))
