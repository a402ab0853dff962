"""scipy.optimize as one more independent reference: its finite differences of the batch cost
against backprop's gradient, for every activation and both costs."""

import numpy as np
import pytest
from scipy import optimize

import model
from model.backprop import backprop
from tests.support.specs import seeded


@pytest.mark.parametrize(
    "activation,cost",
    [
        ("sigmoid", "squared_error"),
        ("tanh", "squared_error"),
        ("relu", "squared_error"),
        ("identity", "squared_error"),
        (["tanh", "softmax"], "cross_entropy"),
    ],
)
def test_backprop_matches_scipys_finite_differences(activation, cost):
    job = model.prepare(seeded([5, 4, 3], activation, cost, size=6, seed=11, batch_seed=2))
    net = job.net
    sizes = [p.size for p in net.parameters()]

    def cost_at(theta):
        for p, part in zip(net.parameters(), np.split(theta, np.cumsum(sizes)[:-1])):
            p[...] = part.reshape(p.shape)
        return net.cost(job.x, job.y)

    def gradient_at(theta):
        cost_at(theta)
        result = backprop(net, job.x, job.y)
        return np.concatenate(
            [
                g.ravel()
                for pair in zip(result.weight_gradients, result.bias_gradients)
                for g in pair
            ]
        )

    theta = np.concatenate([p.ravel() for p in net.parameters()])
    # forward differences with step sqrt(machine epsilon): about 1e-8 off per entry
    expected = optimize.approx_fprime(theta, cost_at, 1.49e-8)
    np.testing.assert_allclose(gradient_at(theta), expected, rtol=0, atol=2e-6)
    assert optimize.check_grad(cost_at, gradient_at, theta) < 2e-6 * np.sqrt(theta.size)
