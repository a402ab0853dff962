"""The JSON the API writes from stored arrays (orjson) holds, number for number and bit for bit,
what the standard library's `json.dumps` wrote from the same result as lists (the API's
writer before): every result shape, float32, -0.0; a real worker, real Redis, real HTTP."""

from __future__ import annotations

import json
from decimal import Decimal

import numpy as np
import pytest
import redis
import requests

from worker import result_codec
from worker.results import ResultStore

PATIENCE = 120  # seconds: a timeout, not a speed claim
SHAPES = {
    # the blank border of the 8x8 digits: dC/dW(1) is 0.0 there, the three ways' -dC/dW -0.0
    "negative-zero": {
        "network": {"layers": [64, 12, 10]},
        "batch": {"dataset": "digits", "size": 6},
    },
    "per-example": {
        "network": {"layers": [64, 8, 10], "activation": "tanh"},
        "batch": {"dataset": "digits", "size": 5},
        "include": {"per_example": True},
    },
    "one-example": {
        "network": {"preset": "lesson-trained"},
        "batch": {"dataset": "mnist", "split": "test", "indices": [7]},
        "methods": ["backprop", "naive"],
        "naive": {"sample": 30},
        "include": {"per_example": True},
    },
    "float32": {
        "network": {"layers": [64, 10, 10], "dtype": "float32"},
        "batch": {"dataset": "digits", "size": 4},
        "methods": ["backprop", "naive"],
        "include": {"per_example": True},
    },
    "training-averaging": {
        "network": {"layers": [64, 10, 10]},
        "batch": {"dataset": "digits", "size": 8},
        "train": {"steps": 20, "batch_size": 5},
        "include": {"averaging": True, "parameters": True},
        "averaging": {"sizes": [1, 4], "draws": 2},
    },
    "softmax-naive": {
        "network": {"layers": [6, 5, 3], "cost": "cross_entropy"},
        "batch": {"dataset": "random", "size": 3},
        "methods": ["backprop", "naive"],
        "naive": {"difference": "forward"},
    },
}


def finished(api: str, spec: dict) -> dict:
    reply = requests.post(f"{api}/v1/jobs", json=spec, params={"wait": 5}, timeout=PATIENCE)
    job = reply.json()
    while job["status"] not in ("succeeded", "failed", "cancelled"):
        job = requests.get(f"{api}/v1/jobs/{job['id']}", timeout=PATIENCE).json()
    assert job["status"] == "succeeded", job["error"]
    return job


def tokens(text: bytes) -> dict:
    """The JSON with every float kept as the text it was written as."""
    return json.loads(text, parse_float=str)


def pairs(new, old, path="result"):
    """(path, new token, old number) for every float of two parsed results of one shape."""
    if isinstance(old, dict):
        assert new.keys() == old.keys(), path
        for k in old:
            yield from pairs(new[k], old[k], f"{path}.{k}")
    elif isinstance(old, list):
        assert isinstance(new, list) and len(new) == len(old), path
        for i, (n, o) in enumerate(zip(new, old)):
            yield from pairs(n, o, f"{path}.{i}")
    elif isinstance(old, float):
        assert isinstance(new, str), (path, new)  # a float token
        yield path, new, old
    else:
        assert new == old, path


def bits(x: float) -> int:
    return int(np.float64(x).view(np.uint64))


@pytest.fixture(scope="module")
def served(live_api: str, redis_url: str) -> dict[str, tuple[bytes, dict]]:
    """name -> (the job's JSON as served, its stored result's fields)."""
    store = ResultStore(redis.Redis.from_url(redis_url))
    out = {}
    for name, spec in SHAPES.items():
        job = finished(live_api, spec)
        body = requests.get(f"{live_api}/v1/jobs/{job['id']}", timeout=PATIENCE).content
        out[name] = (body, store.fields(job["id"]))
    return out


@pytest.mark.parametrize("name", SHAPES)
def test_every_number_is_the_old_jsons_bit_for_bit(served, name):
    body, fields = served[name]
    # the API's writer before: json.dumps of the stored arrays made lists
    old_text = json.dumps(result_codec.unpack(fields), separators=(",", ":"), allow_nan=False)
    new = tokens(body)["result"]
    found = list(pairs(new, json.loads(old_text)))
    assert len(found) > 20
    old_tokens = dict((p, t) for p, t, _ in pairs(tokens(old_text.encode()), json.loads(old_text)))
    for path, token, number in found:
        assert bits(float(token)) == bits(number), (path, token, number)
        # the same decimal number: only the notation of an exponent may differ (1e-7, 1e-07)
        assert Decimal(token) == Decimal(old_tokens[path]), (path, token, old_tokens[path])


def test_negative_zero_is_written_as_negative_zero(served):
    body, _ = served["negative-zero"]
    ways = tokens(body)["result"]["layers"][0]["three_ways"]["weights"]
    flat = [t for row in ways for t in row]
    assert "-0.0" in flat and "0.0" not in flat  # -dC/dW(1) is -0.0 at every blank pixel
    gradients = tokens(body)["result"]["gradients"]["weights"][0]
    assert "0.0" in [t for row in gradients for t in row]


def test_float32_is_stored_as_float32_and_written_as_the_float64_it_is(served):
    body, fields = served["float32"]
    assert "arrays:gradients:float32" in fields and "arrays:gradients" not in fields
    stored = result_codec.unpack(fields, arrays=True)["gradients"]["weights"][0]
    assert stored.dtype == np.float32
    written = np.array(json.loads(body)["result"]["gradients"]["weights"][0])
    assert written.dtype == np.float64
    np.testing.assert_array_equal(
        written.view(np.uint64), stored.astype(np.float64).view(np.uint64)
    )
    # the float64 values of float32 numbers: not float32's own shortest decimals
    assert np.array_equal(written.astype(np.float32).astype(np.float64), written)


def test_one_example_leaves_out_the_wishes_and_gradients_that_are_the_batchs(served):
    body, _ = served["one-example"]
    result = json.loads(body)["result"]
    assert set(result["examples"]) == {"activations", "targets", "costs"}
    assert len(result["examples"]["activations"][-1][0]) == 10 and len(result["wishes"]) == 4
