"""No number of a result is NaN or infinite: the overflows a spec can reach, and the check."""

import math

import numpy as np
import pytest

import model
from model.finite import first_not_finite
from model.run import check_finite


def test_softmax_cross_entropy_output_wish_is_finite_where_the_gradient_is():
    # the reproducer: z = [400, -400] for the label 1, so a_2 = e^-800 underflows to 0 and
    # -dC/da_2 = y_2 / a_2 would be infinite; the cost is 800 and every gradient is finite
    out = model.run(
        {
            "network": {
                "layers": [2, 2],
                "activation": ["softmax"],
                "cost": "cross_entropy",
                "weights": [[[400, 0], [-400, 0]]],
                "biases": [[0, 0]],
            },
            "batch": {"inputs": [[1, 0], [1, 0]], "labels": [1, 1]},
            "include": {"per_example": True},
        }
    )
    np.testing.assert_allclose(out["cost"], 800, rtol=1e-15)
    # the wish at the softmax's input: y - a = [0 - 1, 1 - 0]
    np.testing.assert_allclose(out["wishes"][1], [-1, 1], atol=1e-300)
    np.testing.assert_allclose(out["examples"]["wishes"][1], [[-1, 1]] * 2, atol=1e-300)
    # dC/dW = (a - y) outer x, the input's wish W^T (y - a) = [-800, 0]
    np.testing.assert_allclose(out["gradients"]["weights"][0], [[1, 0], [-1, 0]], atol=1e-300)
    np.testing.assert_allclose(out["wishes"][0], [-800, 0], atol=1e-300)
    assert first_not_finite(out) is None


@pytest.mark.parametrize(
    "network,where",
    [
        # relu passes any size on: 1e200 squared overflows float64 in the cost
        (
            {
                "layers": [2, 2],
                "activation": "relu",
                "weights": [[[1e200, 0], [0, 1]]],
                "biases": [[0, 0]],
            },
            "cost",
        ),
        # float32 overflows at 3.4e38: weights of 1e20 on an identity output square to 1e40
        (
            {
                "layers": [2, 1],
                "activation": "identity",
                "dtype": "float32",
                "weights": [[[1e20, 1e20]]],
                "biases": [[0]],
            },
            "cost",
        ),
        # large weights through tanh stay finite, but a float32 sum of squares overflows
        (
            {
                "layers": [2, 3, 2],
                "activation": ["tanh", "identity"],
                "dtype": "float32",
                "weights": [[[1, 1], [1, 1], [1, 1]], [[1e19, 1e19, 1e19], [0, 0, 0]]],
                "biases": [[0, 0, 0], [0, 0]],
            },
            "cost",
        ),
    ],
)
def test_overflows_are_refused_with_the_reason(network, where):
    with pytest.raises(model.SpecError) as caught:
        model.run(
            {
                "network": network,
                "batch": {"inputs": [[1, 1]], "targets": [[0] * network["layers"][-1]]},
            }
        )
    assert caught.value.errors[0]["field"] == "network"
    assert "not finite" in caught.value.errors[0]["message"]
    assert where in caught.value.errors[0]["message"]


def test_large_sigmoid_weights_saturate_and_stay_finite():
    # sigmoid and softmax are computed stably: z = +-1e300 saturates instead of overflowing
    for activation, cost in (("sigmoid", "squared_error"), ("softmax", "cross_entropy")):
        out = model.run(
            {
                "network": {
                    "layers": [1, 2],
                    "activation": activation,
                    "cost": cost,
                    "weights": [[[1e300], [-1e300]]],
                    "biases": [[0, 0]],
                },
                "batch": {"inputs": [[1.0]], "labels": [1]},
                "methods": ["backprop"],
            }
        )
        assert first_not_finite(out) is None


def test_the_check_names_the_first_number_that_is_not_finite():
    result = {
        "cost": 1.0,
        "training": {"cost": [3.0, 2.0, math.inf], "accuracy": [{"step": 0, "value": 0.1}]},
        "wishes": [None, [0.5, math.nan]],
    }
    assert first_not_finite(result) == ("training.cost.2", math.inf)
    with pytest.raises(model.SpecError, match=r"training\.cost\.2 is inf .*or float64"):
        check_finite(result, "float32")
    result["training"]["cost"][2] = 1.0
    found = first_not_finite(result)
    assert found[0] == "wishes.1.1" and math.isnan(found[1])
    result["wishes"][1][1] = 0.0
    check_finite(result, "float64")
    # a ragged or mixed list is walked item by item
    assert first_not_finite([[1.0], [1.0, 2.0, -math.inf]]) == ("1.2", -math.inf)
