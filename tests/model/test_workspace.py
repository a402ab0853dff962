"""Reused arrays never carry one call's numbers into the next, nor into what a call returned,
nor from one thread into another.

A "fresh" computation runs in a new thread, whose reused arrays (model.workspace, per thread)
do not exist yet, so it cannot see anything an earlier call left behind.
"""

import threading

import numpy as np
import pytest

import model
from model.backprop import backprop
from model.naive import nudge
from tests.support.reference import cost as reference_cost
from tests.support.specs import seeded


def job(layers, seed, batch, dtype="float64", activation="sigmoid", cost="squared_error"):
    if cost == "cross_entropy":  # relu hidden layers, a softmax output
        activation = ["relu"] * (len(layers) - 2) + ["softmax"]
    return model.prepare(seeded(layers, activation, cost, batch, seed, seed + 100, dtype))


def in_new_thread(fn):
    out = []
    thread = threading.Thread(target=lambda: out.append(fn()))
    thread.start()
    thread.join()
    return out[0]


def arrays_of(result):
    """Every array a backprop result hands out, copied, in a fixed order."""
    parts = [
        result.example_costs,
        *result.activations,
        *result.z_gradients,
        *result.weight_gradients,
        *result.bias_gradients,
        *(w for w in result.example_wishes if w is not None),
    ]
    if result.input_wish is not None:
        parts.append(result.input_wish)
    return parts


def assert_same(got, want):
    assert len(got) == len(want)
    for g, w in zip(got, want):
        np.testing.assert_array_equal(g, w)


SEQUENCE = [  # (layers, seed, batch): two batches of one shape, then other networks and sizes
    ([6, 5, 4], 1, 7),
    ([6, 5, 4], 2, 7),
    ([6, 5, 4], 3, 1),
    ([6, 9, 4], 4, 7),
    ([3, 2], 5, 7),
    ([6, 5, 4], 6, 300),
    ([6, 5, 4], 1, 7),
]  # 300: the large-batch product


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize(
    "activation,cost",
    [("sigmoid", "squared_error"), ("tanh", "squared_error"), ("relu+softmax", "cross_entropy")],
)
def test_calls_in_a_row_equal_fresh_computations(dtype, activation, cost):
    jobs = [job(*case, dtype=dtype, activation=activation, cost=cost) for case in SEQUENCE]
    fresh = [
        in_new_thread(
            lambda j=j: (
                j.net.cost(j.x, j.y),
                [a.copy() for a in arrays_of(backprop(j.net, j.x, j.y))],
            )
        )
        for j in jobs
    ]
    for j, (want_cost, want_arrays) in zip(jobs, fresh):  # one thread, one after another
        assert j.net.cost(j.x, j.y) == want_cost
        assert_same(arrays_of(backprop(j.net, j.x, j.y)), want_arrays)
    # and the costs are the right numbers, not merely repeatable ones
    for j, (want_cost, _) in zip(jobs, fresh):
        names = [a.name for a in j.net.activations]
        expected = reference_cost(
            j.net.weights, j.net.biases, names, cost, j.x.astype(np.float64), j.y.astype(np.float64)
        )
        np.testing.assert_allclose(want_cost, expected, rtol=1e-12 if dtype == "float64" else 1e-5)


@pytest.mark.parametrize("input_wishes", [True, "mean", False])
def test_a_returned_array_never_changes_after_another_call(input_wishes):
    first, second = job([6, 5, 4], 1, 7), job([6, 5, 4], 2, 7)
    result = backprop(first.net, first.x, first.y, input_wishes=input_wishes)
    kept = [a.copy() for a in arrays_of(result)]
    other = backprop(second.net, second.x, second.y, input_wishes=input_wishes)
    second.net.cost(second.x, second.y)
    nudge(second.net, second.x, second.y, np.arange(10), 1e-6)
    assert_same(arrays_of(result), kept)
    for a in arrays_of(result)[1:]:  # [0] of activations is the caller's own x
        for b in arrays_of(other):
            assert not np.shares_memory(a, b)


def test_threads_each_get_their_own_arrays():
    """Four threads, each on its own batch of the same shape (so the same reused shapes),
    many calls at once: every answer is its own batch's. BLAS releases the GIL, so the calls
    overlap; shared arrays would mix the batches."""
    jobs = [job([30, 20, 10], seed, 50) for seed in range(4)]
    want = [(j.net.cost(j.x, j.y), backprop(j.net, j.x, j.y, input_wishes=False)) for j in jobs]
    wrong = []

    def work(j, cost, result):
        for _ in range(100):
            if j.net.cost(j.x, j.y) != cost:
                wrong.append("cost")
            again = backprop(j.net, j.x, j.y, input_wishes=False)
            if not all(
                np.array_equal(a, b)
                for a, b in zip(again.weight_gradients, result.weight_gradients)
            ):
                wrong.append("gradient")

    threads = [threading.Thread(target=work, args=(j, c, r)) for j, (c, r) in zip(jobs, want)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert wrong == []
