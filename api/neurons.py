"""One neuron's part of a stored result: its wish and the three ways it grants it, for a page
that shows one neuron at a time and need not fetch every neuron's.

For neuron j of layer l (0 = input .. L = output), from the result's `wishes` and `layers`:

    wish       wishes[l][j]
    three_ways layers[l-1].three_ways: bias[j], weights[j] (n_{l-1}), previous[j] (n_{l-1}):
               what the neuron asks of its bias, its incoming weights and the previous layer
               (null for the input layer, which has no weights)
    received   layers[l].three_ways.previous[:, j] (n_{l+1}): the shares the next layer's
               neurons send back, whose sum is this neuron's wish (null for the output layer)
"""

from __future__ import annotations

from typing import Any

import numpy as np
import orjson
from flask import Response

from worker import result_codec

from .errors import Problem, invalid

READS = ["network", "wishes", "layers"]  # the result keys a neuron is read from


def response(stored: dict[str, bytes], layer: int, neuron: int) -> Response:
    body = orjson.dumps(of(stored, layer, neuron), option=orjson.OPT_SERIALIZE_NUMPY)
    return Response(body, mimetype="application/json")


def of(stored: dict[str, bytes], l: int, j: int) -> dict[str, Any]:
    reader = result_codec.Reader(stored)
    sizes = reader.skeleton["network"]["layers"]
    top = len(sizes) - 1
    if not 0 <= l <= top:
        raise invalid([{"field": "layer", "message": f"layers are 0..{top}", "limit": top}])
    if not 0 <= j < sizes[l]:
        raise invalid(
            [
                {
                    "field": "neuron",
                    "message": f"layer {l} has neurons 0..{sizes[l] - 1}",
                    "limit": sizes[l] - 1,
                }
            ]
        )
    if "layers" not in reader.skeleton:
        raise Problem(
            409, "Conflict", "the result holds no three ways: include.layers was off", "no-result"
        )
    wishes = reader.arrays("wishes") if "wishes" in reader.skeleton else {}
    layers = reader.arrays("layers")

    def way(k: int, name: str) -> np.ndarray:  # weighted layer k+1's three ways
        return layers[f"layers/{k}/three_ways/{name}"]

    wish = wishes.get(f"wishes/{l}")
    return {
        "layer": l,
        "neuron": j,
        "wish": None if wish is None else float(wish[j]),
        "three_ways": None
        if l == 0
        else {
            "bias": float(way(l - 1, "bias")[j]),
            "weights": _float64(way(l - 1, "weights")[j]),
            "previous": _float64(way(l - 1, "previous")[j]),
        },
        "received": None if l == top else _float64(way(l, "previous")[:, j]),
    }


def _float64(a: np.ndarray) -> np.ndarray:
    """As the job's JSON writes it: float32 as the float64 values it holds, contiguous."""
    return np.ascontiguousarray(a, dtype=np.float64)
