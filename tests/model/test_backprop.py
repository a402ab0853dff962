"""Backprop against an independent central-difference reference, and by hand."""

import numpy as np
import pytest

import model
from model.backprop import backprop, consistency, example_gradients
from model.network import Network
from model.spec import parse_spec
from model.three_ways import three_ways
from tests.support.reference import central_gradient, relative_error
from tests.support.specs import seeded

PAIRS = [
    ("sigmoid", "squared_error"),
    ("tanh", "squared_error"),
    ("relu", "squared_error"),
    ("identity", "squared_error"),
    ("sigmoid", "cross_entropy"),
    ("tanh", "cross_entropy"),
    ("relu", "cross_entropy"),
    ("identity", "cross_entropy"),
]
SHAPES = [[3, 2], [4, 5, 3], [6, 4, 4, 2], [2, 7, 1, 3]]


def build(layers, activation, cost, batch=5, seed=0, dtype="float64"):
    spec = parse_spec(seeded(layers, activation, cost, batch, seed, seed + 1, dtype))
    job = model.prepare(spec)
    return job.net, job.x, job.y


@pytest.mark.parametrize("activation,cost", PAIRS)
@pytest.mark.parametrize("layers", SHAPES)
def test_backprop_matches_central_differences(layers, activation, cost):
    if cost == "cross_entropy" and layers[-1] < 2:
        layers = [*layers[:-1], 2]
    net, x, y = build(layers, activation, cost, seed=len(layers))
    result = backprop(net, x, y)
    names = [a.name for a in net.activations]
    ref_w, ref_b = central_gradient(net.weights, net.biases, names, cost, x, y)
    ours = np.concatenate([g.ravel() for g in result.weight_gradients + result.bias_gradients])
    ref = np.concatenate([g.ravel() for g in ref_w + ref_b])
    assert relative_error(ours, ref) < 1e-7
    for ours_w, w in zip(result.weight_gradients, net.weights):
        assert ours_w.shape == w.shape


def test_input_wishes_match_central_differences():
    """The layer-0 wish is -dC/dx, checked by nudging the inputs themselves."""
    net, x, y = build([4, 3, 2], "tanh", "squared_error", batch=3)
    wishes = backprop(net, x, y).example_wishes[0]
    eps, numeric = 1e-6, np.zeros_like(x)
    for i in range(x.shape[0]):
        for k in range(x.shape[1]):
            up, down = x.copy(), x.copy()
            up[i, k] += eps
            down[i, k] -= eps
            # the batch cost is a mean, so one example's cost is B times its share
            numeric[i, k] = len(x) * (net.cost(up, y) - net.cost(down, y)) / (2 * eps)
    np.testing.assert_allclose(wishes, -numeric, rtol=1e-6, atol=1e-9)


def hand_network():
    """2-2-1, relu hidden layer, identity output, squared error; worked out in the docstring
    of test_two_two_one_by_hand."""
    return parse_spec(
        {
            "network": {
                "layers": [2, 2, 1],
                "activation": ["relu", "identity"],
                "weights": [[[1, -1], [0.5, 2]], [[2, -3]]],
                "biases": [[0, -1], [0.5]],
            },
            "batch": {"inputs": [[1, 2], [0, 0]], "targets": [[1], [0]]},
        }
    )


def test_two_two_one_by_hand():
    """Example 1, x = (1, 2), y = 1: z1 = (-1, 3.5), a1 = (0, 3.5), z2 = a2 = -10, C1 = 121;
    dC1/da2 = -22, so its wish is 22; dC1/dW2 = -22 a1 = (0, -77), dC1/db2 = -22;
    dC1/da1 = -22 W2 = (-44, 66); relu'(z1) = (0, 1) so dC1/dz1 = (0, 66);
    dC1/dW1 = (0, 66) outer (1, 2) = [[0, 0], [66, 132]]; dC1/da0 = 66 (0.5, 2) = (33, 132).
    Example 2, x = (0, 0), y = 0: z1 = (0, -1), a1 = (0, 0), a2 = 0.5, C2 = 0.25;
    dC2/da2 = 1, dC2/db2 = 1, dC2/dW2 = (0, 0), dC2/da1 = (2, -3), dC2/dz1 = (0, 0).
    The batch: means of the two."""
    job = model.prepare(hand_network())
    result = backprop(job.net, job.x, job.y)
    np.testing.assert_allclose(result.cost, (121 + 0.25) / 2)
    np.testing.assert_allclose(result.weight_gradients[1], [[0, -38.5]])
    np.testing.assert_allclose(result.bias_gradients[1], [-10.5])
    np.testing.assert_allclose(result.weight_gradients[0], [[0, 0], [33, 66]])
    np.testing.assert_allclose(result.bias_gradients[0], [0, 33])
    np.testing.assert_allclose(result.example_wishes[2], [[22], [-1]])
    np.testing.assert_allclose(result.example_wishes[1], [[44, -66], [-2, 3]])
    np.testing.assert_allclose(result.example_wishes[0], [[-33, -132], [0, 0]])
    np.testing.assert_allclose(result.wishes[2], [10.5])
    np.testing.assert_allclose(result.wishes[1], [21, -31.5])
    np.testing.assert_allclose(result.wishes[0], [-16.5, -66])
    # output layer: g1 = (0, -77 | -22), g2 = (0, 0 | 1), mean = (0, -38.5 | -10.5)
    expected = np.sqrt(38.5**2 + 10.5**2) / ((np.sqrt(77**2 + 22**2) + 1) / 2)
    np.testing.assert_allclose(consistency(result)[1], expected, rtol=1e-12)


def test_two_two_one_through_run():
    out = model.run(hand_network().model_dump(exclude_unset=True))
    np.testing.assert_allclose(out["gradients"]["weights"][0], [[0, 0], [33, 66]])
    np.testing.assert_allclose(out["wishes"][0], [-16.5, -66])
    np.testing.assert_allclose(out["layers"][0]["three_ways"]["bias"], [0, -33])
    np.testing.assert_allclose(out["layers"][0]["three_ways"]["previous"], [[0, 0], [-16.5, -66]])


@pytest.mark.parametrize("activation,cost", PAIRS)
def test_previous_wish_is_the_sum_of_the_shares(activation, cost):
    net, x, y = build([5, 4, 3, 3], activation, cost, batch=6)
    result = backprop(net, x, y)
    for l, way in enumerate(three_ways(result, net.weights), start=1):
        np.testing.assert_allclose(
            way["previous"].sum(axis=0), result.wishes[l - 1], rtol=1e-12, atol=1e-15
        )
        np.testing.assert_allclose(way["bias"], -result.bias_gradients[l - 1])
        np.testing.assert_allclose(way["weights"], -result.weight_gradients[l - 1])


def test_batch_gradient_is_the_mean_of_the_example_gradients():
    net, x, y = build([4, 6, 3], "sigmoid", "squared_error", batch=7)
    result = backprop(net, x, y)
    weights, biases = example_gradients(result)
    for ours, each in zip(result.weight_gradients + result.bias_gradients, weights + biases):
        np.testing.assert_allclose(each.mean(axis=0), ours, rtol=1e-12, atol=1e-15)
    # and each example's gradient is backprop on that example alone
    for i in range(len(x)):
        alone = backprop(net, x[i : i + 1], y[i : i + 1])
        np.testing.assert_allclose(weights[0][i], alone.weight_gradients[0], rtol=1e-12)


def test_consistency_is_one_for_identical_examples():
    net, x, y = build([4, 6, 3], "tanh", "squared_error", batch=1)
    same = backprop(net, np.repeat(x, 9, axis=0), np.repeat(y, 9, axis=0))
    np.testing.assert_allclose(consistency(same), [1.0, 1.0], rtol=1e-12)


def test_consistency_matches_its_definition_and_falls_for_unrelated_examples():
    net, x, y = build([20, 30, 20], "tanh", "squared_error", batch=400, seed=3)
    result = backprop(net, x, y)
    weights, biases = example_gradients(result)
    for c, gw, gb in zip(consistency(result), weights, biases):
        g = np.concatenate([gw.reshape(len(x), -1), gb], axis=1)
        direct = np.linalg.norm(g.mean(axis=0)) / np.linalg.norm(g, axis=1).mean()
        np.testing.assert_allclose(c, direct, rtol=1e-10)


@pytest.mark.parametrize("dtype, scale", [("float32", 1e18), ("float64", 1e80)])
def test_consistency_survives_squares_past_the_dtypes_range(dtype, scale):
    """Gradients near scale**2 are finite, but their squares are not: the consistency must be
    the one a wider float gives for the same network (where nothing overflows), not NaN
    (which failed the whole job as an overflow)."""
    weights, biases = [np.array([[1.0, 2.0], [-0.5, 0.3]])], [np.array([0.0, 1.0])]
    x = np.array([[1.0, -1.0], [-3.0, 0.5], [2.0, 2.0]]) * scale
    y = np.array([[0.0, 1.0], [1.0, 0.0], [0.5, 0.5]])
    got = consistency(
        backprop(Network.from_arrays(weights, biases, ["identity"], "squared_error", dtype), x, y)
    )
    exact = consistency(
        backprop(
            Network.from_arrays(weights, biases, ["identity"], "squared_error", "longdouble"),
            x.astype(np.longdouble),
            y.astype(np.longdouble),
        )
    )
    assert 0.1 < exact[0] < 0.99
    np.testing.assert_allclose(got, exact, rtol=1e-5)


@pytest.mark.parametrize("batch", [100, 400])
def test_consistency_is_about_one_over_root_b_for_unrelated_examples(batch):
    """A zero linear layer with centred random inputs and targets: g_i = -2 y_i outer (x_i, 1)
    points in an unrelated direction for every example, so the mean shrinks like 1/sqrt(B)."""
    rng = np.random.default_rng(5)
    spec = {
        "network": {
            "layers": [30, 20],
            "activation": "identity",
            "weights": [np.zeros((20, 30)).tolist()],
            "biases": [[0.0] * 20],
        },
        "batch": {
            "inputs": rng.standard_normal((batch, 30)).tolist(),
            "targets": rng.standard_normal((batch, 20)).tolist(),
        },
    }
    c = model.run(spec)["layers"][0]["consistency"]
    assert 0.5 / np.sqrt(batch) < c < 2 / np.sqrt(batch)


def test_consistency_is_none_when_nobody_wishes():
    spec = hand_network().model_dump(exclude_unset=True)
    spec["batch"] = {"inputs": [[0, 0]], "targets": [[0.5]]}  # output is exactly right
    assert model.run(spec)["layers"][1]["consistency"] is None


def test_float32_agrees_with_float64():
    """float32 carries about 7 significant digits (eps 1.2e-7); through a few layers of
    accumulation over 784 inputs, 1e-4 relative leaves a wide margin yet catches any real bug."""
    base = {
        "network": {"layers": [784, 16, 16, 10], "init": {"seed": 7}},
        "batch": {"dataset": "digits", "size": 50},
        "include": {"layers": False},
    }
    f64 = model.run(base)
    f32 = model.run({**base, "network": {**base["network"], "dtype": "float32"}})
    assert f32["network"]["dtype"] == "float32"
    for a, b in zip(f32["gradients"]["weights"], f64["gradients"]["weights"]):
        assert relative_error(np.array(a), np.array(b)) < 1e-4
    np.testing.assert_allclose(f32["cost"], f64["cost"], rtol=1e-5)


def test_input_net_dtype_float32_keeps_float32_arrays():
    net, x, y = build([3, 4, 2], "sigmoid", "squared_error", dtype="float32")
    result = backprop(net, x, y)
    assert all(g.dtype == np.float32 for g in result.weight_gradients)
    assert Network.__name__ in repr(net) and "float32" in repr(net)
