"""backprop(input_wishes=False) skips only the input layer's wishes: everything else is equal."""

import numpy as np
import pytest

import model
from model.backprop import backprop
from tests.support.specs import seeded


@pytest.mark.parametrize(
    "activation,cost",
    [
        ("sigmoid", "squared_error"),
        ("identity", "squared_error"),
        (["relu", "softmax"], "cross_entropy"),
    ],
)
def test_skipping_input_wishes_changes_nothing_else(activation, cost):
    job = model.prepare(seeded([6, 5, 4], activation, cost, size=7, seed=2, batch_seed=3))
    full = backprop(job.net, job.x, job.y)
    lean = backprop(job.net, job.x, job.y, input_wishes=False)
    assert lean.example_wishes[0] is None and lean.wishes[0] is None
    assert lean.cost == full.cost
    pairs = [
        (lean.weight_gradients, full.weight_gradients),
        (lean.bias_gradients, full.bias_gradients),
        (lean.z_gradients, full.z_gradients),
        (lean.example_wishes[1:], full.example_wishes[1:]),
    ]
    for got, want in pairs:
        for g, w in zip(got, want, strict=True):
            np.testing.assert_allclose(g, w, rtol=0, atol=0)  # the same operations, so equal
