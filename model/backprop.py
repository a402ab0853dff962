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

from dataclasses import dataclass

import numpy as np

from . import costs
from .network import Network

Array = np.ndarray


@dataclass
class Backprop:
    """Everything one forward pass and one backward sweep know, per example and averaged.

    For sizes [2, 3, 1] and B examples: activations a(0..L) are (B,2), (B,3), (B,1);
    example_wishes -dC_i/da(0..L) have the same shapes; z_gradients dC_i/dz(1..L) are (B,3),
    (B,1); weight_gradients (3,2), (1,3) and bias_gradients (3,), (1,) are batch means.
    """

    example_costs: Array  # C_i, (B,); their mean is the batch cost C
    activations: list[Array]
    z_gradients: list[Array]
    example_wishes: list[Array | None]  # [0] is None when backprop(input_wishes=False)
    weight_gradients: list[Array]
    bias_gradients: list[Array]

    def __repr__(self) -> str:
        sizes = [a.shape[1] for a in self.activations]
        return f"Backprop({sizes}, B={len(self.example_costs)}, cost={self.cost:.6g})"

    @property
    def cost(self) -> float:
        """The batch cost C, the mean of the per-example costs."""
        return float(self.example_costs.mean())

    @property
    def wishes(self) -> list[Array | None]:
        """The batch mean of -dC/da(l) for l = 0..L."""
        return [None if w is None else w.mean(axis=0) for w in self.example_wishes]


def backprop(net: Network, x: Array, y: Array, input_wishes: bool = True) -> Backprop:
    """One forward pass and one backward sweep over the batch x (B, n_0), targets y (B, n_L).

    input_wishes=False skips the input layer's wishes -dC/da(0): a (B, n_0) product that no
    gradient needs (for 784 inputs, the largest step of the sweep), so timing can leave it out.
    example_wishes[0] is then None; everything else is the same.
    """
    batch = len(x)
    # forward pass
    zs, activations = net.feedforward(x)
    example_costs = costs.per_example(net.cost_name, zs[-1], activations[-1], y)
    # backward pass: grad_a is dC_i/da(l); the wish is its negative
    grad_a = costs.output_gradient(net.cost_name, zs[-1], activations[-1], y)
    grad_z = costs.output_z_gradient(net.cost_name, zs[-1], activations[-1], y)
    grads_a, grads_z = [grad_a], []
    weight_gradients, bias_gradients = [], []
    # l is a 0-based list index, from the last weighted layer down: net.weights[l] is W(l+1),
    # zs[l] is z(l+1), activations[l] is a(l) (activations[0] is the input). So at l the
    # sweep turns layer l+1's dC/dz into W(l+1)'s gradient and into layer l's dC/da.
    for l in range(len(net.weights) - 1, -1, -1):
        if grad_z is None:
            grad_z = net.activations[l].backward(zs[l], activations[l + 1], grad_a)
        grad_w = grad_z.T @ activations[l]
        grad_w /= batch  # in place: no second copy shaped like W(l)
        weight_gradients.append(grad_w)
        bias_gradients.append(grad_z.mean(axis=0))
        grad_a = grad_z @ net.weights[l] if l > 0 or input_wishes else None
        grads_a.append(grad_a)
        grads_z.append(grad_z)
        grad_z = None
    return Backprop(
        example_costs=example_costs,
        activations=activations,
        z_gradients=grads_z[::-1],
        example_wishes=[None if g is None else -g for g in grads_a[::-1]],
        weight_gradients=weight_gradients[::-1],
        bias_gradients=bias_gradients[::-1],
    )


def example_gradients(result: Backprop) -> tuple[list[Array], list[Array]]:
    """Each example's own gradient: dC_i/dW(l) (B, n_l, n_{l-1}) and dC_i/db(l) (B, n_l).

    Their mean over the batch is the batch gradient. Only built on request: B times the size
    of the parameters.
    """
    weights = [np.einsum("bj,bk->bjk", gz, a)
               for gz, a in zip(result.z_gradients, result.activations[:-1])]
    return weights, [gz.copy() for gz in result.z_gradients]


def consistency(result: Backprop) -> list[float | None]:
    """Per weighted layer: ||mean_i g_i|| / mean_i ||g_i|| over the per-example gradients g_i of
    that layer's weights and biases together. 1 when every example wants the same; about
    1/sqrt(B) when they want unrelated things; None when every g_i is zero.

    g_i of a layer is the rank-one dC_i/dz outer a(l-1) plus dC_i/dz for the bias, so
    ||g_i||^2 = ||dC_i/dz||^2 (||a_i(l-1)||^2 + 1): no (B, n_l, n_{l-1}) array is needed.
    """
    out: list[float | None] = []
    for gz, a, gw, gb in zip(result.z_gradients, result.activations[:-1],
                             result.weight_gradients, result.bias_gradients):
        norms = np.sqrt((gz * gz).sum(axis=1) * ((a * a).sum(axis=1) + 1))
        mean_norm = float(norms.mean())
        mean_gradient = float(np.sqrt((gw * gw).sum() + (gb * gb).sum()))
        out.append(min(mean_gradient / mean_norm, 1.0) if mean_norm > 0 else None)
    return out
