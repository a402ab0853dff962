"""The ready job specs in examples/, read as the tests send them."""

from __future__ import annotations

import json
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def example(name: str) -> dict:
    """The spec in examples/<name>.json."""
    return json.loads((EXAMPLES / f"{name}.json").read_text())


def seeded(
    layers: list[int], activation, cost: str, size: int, seed: int, batch_seed: int, dtype="float64"
) -> dict:
    """A spec of a seeded network (init seed `seed`) on a random batch of `size` (its own seed)."""
    return {
        "network": {
            "layers": layers,
            "activation": activation,
            "cost": cost,
            "init": {"seed": seed},
            "dtype": dtype,
        },
        "batch": {"dataset": "random", "size": size, "seed": batch_seed},
    }


# a spec the model refuses while it runs: 1e200 squared overflows to infinity
OVERFLOW = {
    "network": {
        "layers": [1, 1],
        "activation": "identity",
        "weights": [[[1e200]]],
        "biases": [[0.0]],
    },
    "batch": {"inputs": [[1e200]], "targets": [[0.0]]},
}
