"""Fields that conflict are refused alike, and a nudge too small for its dtype is refused up
front, naming the field and the limit (tests/api/test_documents.py holds the document to the
rules it can say)."""

from __future__ import annotations

import sys

import numpy as np
import pytest

from model import SpecError, parse_spec

INLINE = {"inputs": [[0.0, 1.0]], "labels": [1]}
WEIGHTS = {"weights": [[[1.0, 2.0], [3.0, 4.0]]], "biases": [[0.0, 0.0]]}


def errors(spec: dict) -> list[dict]:
    with pytest.raises(SpecError) as refused:
        parse_spec(spec)
    return refused.value.errors


@pytest.mark.parametrize(
    "network, field",
    [
        ({"preset": "lesson-untrained", "init": {"seed": 1}}, "network.init"),
        ({"preset": "lesson-untrained", **WEIGHTS}, "network.weights"),
        ({"layers": [2, 2], "init": {"seed": 1}, **WEIGHTS}, "network.init"),
    ],
    ids=["preset+init", "preset+weights", "weights+init"],
)
def test_two_sources_of_parameters_are_refused_alike(network, field):
    batch = {"dataset": "mnist", "size": 1} if "preset" in network else INLINE
    [error] = errors({"network": network, "batch": batch})
    assert error["field"] == field
    assert "leave" in error["message"] and f"'{field.split('.')[1]}'" in error["message"]


@pytest.mark.parametrize(
    "epsilon, dtype, limit",
    [
        (1e-320, "float64", sys.float_info.min),
        (5e-324, "float64", sys.float_info.min),
        (1e-39, "float32", float(np.finfo(np.float32).tiny)),
    ],
)
def test_a_subnormal_nudge_is_refused_with_its_limit(epsilon, dtype, limit):
    spec = {"network": {"layers": [2, 2], "dtype": dtype}, "batch": INLINE}
    [error] = errors(spec | {"naive": {"epsilon": epsilon}})
    assert error == {
        "field": "naive.epsilon",
        "message": f"a {dtype} nudge must be a normal {dtype} number, at least {limit!r}; "
        f"got {epsilon!r}",
        "limit": limit,
    }
    parse_spec(spec | {"naive": {"epsilon": limit}})  # the smallest normal is taken


def test_a_zero_nudge_is_refused():
    [error] = errors({"network": {"layers": [2, 2]}, "batch": INLINE, "naive": {"epsilon": 0.0}})
    assert error["field"] == "naive.epsilon" and error["limit"] == 0
