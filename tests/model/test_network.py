"""The network's two forward passes: `feedforward` (plain, every z kept) and `forward` (what
backprop runs, in place) give one pass in one order, activations first."""

from __future__ import annotations

import numpy as np
import pytest

from model import products
from model.network import Network, initial_parameters


# the three ranges of `affine`: a @ W^T always, then each orientation range chosen apart
@pytest.mark.parametrize("batch", [3, products.MID_BATCH, products.BIG_BATCH])
@pytest.mark.parametrize(
    ("activations", "cost"),
    [(["sigmoid", "tanh"], "squared_error"), (["relu", "softmax"], "cross_entropy")],
)
def test_forward_is_feedforwards_pass_with_only_the_last_z(batch, activations, cost):
    net = Network.from_arrays(*initial_parameters([5, 4, 3], 1, "scaled"), activations, cost)
    x = np.random.default_rng(2).random((batch, 5))
    plain, zs = net.feedforward(x)
    fast, z_out = net.forward(x)
    assert [a.shape for a in plain] == [a.shape for a in fast] == [(batch, n) for n in net.sizes]
    assert [z.shape for z in zs] == [(batch, 4), (batch, 3)]
    # z(1) by hand; the rest follow from it through the activations
    np.testing.assert_allclose(zs[0], x @ net.weights[0].T + net.biases[0], rtol=1e-13)
    assert plain[0] is x and fast[0] is x
    for a, b in zip(plain[1:], fast[1:]):
        # one product, maybe summed in another order: a few roundings of O(1) numbers
        np.testing.assert_allclose(a, b, rtol=1e-13, atol=1e-15)
    if cost == "cross_entropy":
        np.testing.assert_allclose(z_out, zs[-1], rtol=1e-13, atol=1e-15)
    else:
        assert z_out is None
