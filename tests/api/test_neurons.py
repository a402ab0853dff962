"""One neuron's wish and three ways, read from a stored result: the rows and the column of the
whole result's three ways, and errors that name the layer or neuron out of range."""

from __future__ import annotations

import numpy as np
import pytest

import model
from api import neurons
from api.errors import Problem
from worker import result_codec

SPEC = {
    "network": {"layers": [5, 4, 3, 2], "init": {"seed": 1}},
    "batch": {"dataset": "random", "size": 3},
}


@pytest.fixture(scope="module")
def computed():
    result = model.run(SPEC)
    return result, result_codec.pack(result)


@pytest.mark.parametrize("l, j", [(0, 4), (1, 0), (2, 2), (3, 1)])
def test_a_neuron_is_its_rows_and_column_of_the_three_ways(computed, l, j):
    result, stored = computed
    got = neurons.of(stored, l, j)
    assert got["layer"] == l and got["neuron"] == j
    assert got["wish"] == result["wishes"][l][j]
    if l == 0:
        assert got["three_ways"] is None
    else:
        ways = result["layers"][l - 1]["three_ways"]
        assert got["three_ways"]["bias"] == ways["bias"][j]
        np.testing.assert_array_equal(got["three_ways"]["weights"], ways["weights"][j])
        np.testing.assert_array_equal(got["three_ways"]["previous"], ways["previous"][j])
    if l == 3:
        assert got["received"] is None
    else:
        received = result["layers"][l]["three_ways"]["previous"][:, j]
        np.testing.assert_array_equal(got["received"], received)
        # what is received sums to the neuron's wish: that sum is backpropagation
        np.testing.assert_allclose(got["received"].sum(), got["wish"], rtol=1e-12)


@pytest.mark.parametrize(
    "l, j, field, limit",
    [(4, 0, "layer", 3), (-1, 0, "layer", 3), (2, 2, None, None), (2, 3, "neuron", 2)],
)
def test_out_of_range_names_the_field_and_its_limit(computed, l, j, field, limit):
    if field is None:
        neurons.of(computed[1], l, j)
        return
    with pytest.raises(Problem) as caught:
        neurons.of(computed[1], l, j)
    error = caught.value.errors[0]
    assert caught.value.status == 422 and error["field"] == field
    assert error["limit"] == limit


def test_a_result_without_three_ways_has_none_to_give():
    stored = result_codec.pack(model.run(SPEC | {"include": {"layers": False}}))
    with pytest.raises(Problem) as caught:
        neurons.of(stored, 1, 0)
    assert caught.value.status == 409
