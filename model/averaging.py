"""Averaging made visible: how well a mini-batch's averaged step points where the whole data
set's gradient points, and how that grows with the batch size.

For a batch S of the pool (the mnist train split, all the digits, or the spec's own batch) and
the gradient over the whole pool g_pool:

    cosine(S) = <g_S, g_pool> / (||g_S|| ||g_pool||)      g_S = mean_{i in S} g_i

per weighted layer (its weights and biases together) and overall (every parameter). A single
example's gradient is mostly its own quirks (cosine well below 1); averaging more examples
cancels the quirks and keeps what they share, so the cosine rises toward 1. Each size is drawn
`draws` times with the seed (without replacement within a draw) and the cosines are averaged.

The consistency of true labels against shuffled ones (the same images, the labels permuted
with the seed) tells whether the examples' wants come from what the images show: on a network
that has learned something, true labels agree more in the first layer. On the untrained
network they do not differ: nearly every output is too high for every example, so every
example wants every output lowered, whatever its label.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .backprop import backprop, consistency
from .network import Network

Array = np.ndarray


def _gradient(net: Network, x: Array, y: Array) -> list[Array]:
    """Per layer: the batch gradient of W(l) and b(l) as one flat vector."""
    result = backprop(net, x, y, input_wishes=False)
    return [
        np.concatenate([gw.ravel(), gb])
        for gw, gb in zip(result.weight_gradients, result.bias_gradients)
    ]


def _cosine(a: Array, b: Array) -> float | None:
    norms = float(np.linalg.norm(a) * np.linalg.norm(b))
    # rounding can put |cos| a last bit past 1 (e.g. a batch that is the whole pool)
    return None if norms == 0 else float(np.clip(np.dot(a, b) / norms, -1.0, 1.0))


def cosines(gradient: list[Array], reference: list[Array]) -> dict[str, Any]:
    """{"overall", "layers"}: the cosine of every parameter's gradient, and of each layer's."""
    return {
        "overall": _cosine(np.concatenate(gradient), np.concatenate(reference)),
        "layers": [_cosine(g, r) for g, r in zip(gradient, reference)],
    }


def _mean(values: list[float | None]) -> float | None:
    kept = [v for v in values if v is not None]
    return float(np.mean(kept)) if kept else None


def averaging(
    net: Network,
    batch: tuple[Array, Array],
    pool: tuple[Array, Array],
    sizes: list[int],
    draws: int,
    seed: int,
) -> dict[str, Any]:
    """The averaging block: the spec's batch and each size against the pool's gradient, and
    the batch's consistency with true and with shuffled labels."""
    reference = _gradient(net, *pool)
    rng = np.random.default_rng(seed)
    by_size = []
    for size in sizes:
        found = [
            cosines(_gradient(net, pool[0][chosen], pool[1][chosen]), reference)
            for chosen in (rng.choice(len(pool[0]), size=size, replace=False) for _ in range(draws))
        ]
        overall = [c["overall"] for c in found]
        by_size.append(
            {
                "batch_size": size,
                "overall": _mean(overall),
                "layers": [_mean([c["layers"][l] for c in found]) for l in range(len(reference))],
                "draws": [v for v in overall],
            }
        )
    x, y = batch
    shuffled = y[rng.permutation(len(y))]
    return {
        "reference": {"size": len(pool[0])},
        "batch": {"batch_size": len(x), **cosines(_gradient(net, x, y), reference)},
        "sizes": by_size,
        "consistency": {
            "true": consistency(backprop(net, x, y, input_wishes=False)),
            "shuffled": consistency(backprop(net, x, shuffled, input_wishes=False)),
        },
    }
