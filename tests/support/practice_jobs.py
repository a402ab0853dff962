"""Finished jobs for the practice tests: records in the test Redis whose results `model.run`
computed in this process, as a worker would have stored them. The practice endpoints only read
a stored result, so no worker is needed here (tests/e2e/test_practice_http.py runs one)."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

import model
from tests.support.specs import example
from worker.records import JobStore

# every kind of exercise the service makes, written out so that a new kind is a change here
KINDS = ("output-wish", "output-wish-size", "trace-back", "three-ways", "naive-cost", "averaging")
TINY = example("tiny-2-3-2")
SPECS: dict[str, dict[str, Any]] = {
    # three inline examples with explicit weights, every detail: every kind
    "tiny": TINY | {"include": {"per_example": True}},
    # one real digit: slope and wish shown apart in a trace
    "digit": {
        "network": {"layers": [64, 12, 10], "init": {"seed": 3}},
        "batch": {"dataset": "digits", "indices": [11]},
        "include": {"per_example": True},
    },
    # a batch without per-example detail: batch-mean output wishes, averaging by layer
    "batch": {
        "network": {"layers": [64, 16, 10], "init": {"seed": 5}},
        "batch": {"dataset": "digits", "size": 12, "seed": 2},
    },
    # softmax with cross-entropy: the output wish is y - a (taken at the softmax's input)
    "softmax": {
        "network": {
            "layers": [4, 5, 3],
            "activation": "tanh",
            "cost": "cross_entropy",
            "init": {"seed": 9},
        },
        "batch": {"dataset": "random", "size": 4, "seed": 1},
        "include": {"per_example": True},
    },
    # only the cost, timing and network: no wishes, layers or examples
    "bare": {
        "network": {"layers": [3, 2], "init": {"seed": 1}},
        "batch": {"dataset": "random", "size": 3, "seed": 4},
        "include": {"gradients": False, "wishes": False, "layers": False},
    },
    # two identical output neurons with equal targets: a tie that either answer wins
    "twins": {
        "network": {
            "layers": [2, 2, 2],
            "weights": [[[0.5, -0.3], [0.2, 0.8]], [[0.7, -0.4], [0.7, -0.4]]],
            "biases": [[0.1, -0.1], [0.2, 0.2]],
        },
        "batch": {"inputs": [[0.3, 0.9]], "targets": [[0.5, 0.5]]},
        "include": {"per_example": True},
    },
}


@cache
def result(name: str) -> dict[str, Any]:
    return json.loads(json.dumps(model.jsonable(model.run(SPECS[name]))))  # as JSON gives it


def finished(store: JobStore, name: str, owner: str | None = None) -> str:
    record = store.create(SPECS[name], owner=owner)
    store.start(record["id"])
    store.finish(record["id"], "succeeded", result=result(name))
    return record["id"]
