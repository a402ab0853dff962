"""What the service offers besides jobs: readiness, the built-in data sets, the example specs."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import model
from model.presets import PRESETS, describe
from model.spec import (
    DIGITS_CLASSES,
    DIGITS_COUNT,
    DIGITS_RESOLUTIONS,
    MNIST_CLASSES,
    MNIST_INPUTS,
    MNIST_SPLITS,
)

from .errors import Problem
from .jobs import services

# From a checkout (or an editable install) the specs sit at the repository's top level.
EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
PING_SECONDS = 1.0  # every worker that answers within it is counted, so ready takes that long
PRESET_WORDS = {
    "lesson-untrained": "The seeded start: its outputs start high, so every example mostly "
    "wants them lowered, whatever its label.",
    "lesson-partly-trained": "After one epoch (200 steps): the not-yet-good network the lesson "
    "reasons about.",
    "lesson-trained": "After 30 epochs (6,000 steps): as good as this net gets here.",
}


def readiness() -> dict[str, Any]:
    s = services()
    try:
        s.store.redis.ping()
    except Exception as exc:
        raise _not_ready(f"Redis does not answer: {type(exc).__name__}") from None
    if s.settings.broker != s.settings.redis_url:  # RabbitMQ: a check of its own
        try:
            with s.celery.connection_for_write(connect_timeout=PING_SECONDS) as connection:
                connection.ensure_connection(max_retries=0)  # one try, no sleep
        except Exception as exc:
            raise _not_ready(
                f"the broker ({s.settings.broker_name}) does not answer: {type(exc).__name__}"
            ) from None
    try:
        # every worker that answers in time: how many have joined, from every machine
        replies = s.celery.control.ping(timeout=PING_SECONDS)
    except Exception as exc:
        raise _not_ready(f"the worker ping failed: {type(exc).__name__}") from None
    if not replies:
        raise _not_ready(f"no worker answered a ping within {PING_SECONDS} s")
    return {"status": "ready", "redis": "ok", "broker": "ok", "workers": len(replies)}


def datasets() -> dict[str, Any]:
    return {
        "datasets": [
            {
                "name": "mnist",
                "description": "5,000 real MNIST digits (LeCun, Cortes, Burges), "
                "28x28 pixels in [0, 1], 500 per class, with a fixed split.",
                "count": 5000,
                "classes": MNIST_CLASSES,
                "resolutions": [{"resolution": 28, "inputs": MNIST_INPUTS}],
                "splits": [
                    {
                        "name": "train",
                        "count": MNIST_SPLITS["train"],
                        "description": "the first 400 images of each class; what `train` "
                        "draws from",
                    },
                    {
                        "name": "test",
                        "count": MNIST_SPLITS["test"],
                        "description": "the last 100 images of each class; held out",
                    },
                ],
            },
            {
                "name": "digits",
                "description": "The real handwritten digits scikit-learn ships "
                "(8x8 pixels in [0, 1]), also resampled to 28x28 for 784-input networks.",
                "count": DIGITS_COUNT,
                "classes": DIGITS_CLASSES,
                "resolutions": [
                    {"resolution": r, "inputs": n} for r, n in DIGITS_RESOLUTIONS.items()
                ],
            },
            {
                "name": "random",
                "description": "Seeded uniform inputs in [0, 1); targets uniform in "
                "[0, 1) for squared_error, one-hot for cross_entropy. Any shape.",
                "count": None,
                "classes": None,
                "resolutions": [],
            },
        ]
    }


@cache
def presets() -> dict[str, Any]:
    return {"presets": [{**describe(name), "description": PRESET_WORDS[name]} for name in PRESETS]}


@cache
def examples() -> dict[str, Any]:
    out = []
    for path in sorted(EXAMPLES.glob("*.json")):
        spec = json.loads(path.read_text())
        out.append(
            {
                "name": path.stem,
                "spec": spec,
                "estimate": model.estimate_cost(model.parse_spec(spec)),
            }
        )
    return {"examples": out}


def _not_ready(detail: str) -> Problem:
    return Problem(503, "Not Ready", detail, "not-ready", headers={"Retry-After": "5"})
