"""The products' forms: each one, forced, gives the same gradients; the start-up choice is made
once per process, from the forms there are, and reported.

No test here looks at a time: which form is fastest depends on the machine, and any of them
must do. Tolerances: the outer product's forms agree exactly (each entry is one product, which
every form rounds once); the others sum products in different orders, so they agree to within
a few units in the last place of the largest entry: 1e-12 of it in float64, 1e-5 in float32.
"""

import itertools
import threading

import numpy as np
import pytest

import model
from model import products
from model.backprop import backprop
from tests.support.reference import F

RTOL = {"float64": 1e-12, "float32": 1e-5}
NETS = [  # (layers, activation, cost)
    ([30, 20, 10], "sigmoid", "squared_error"),
    ([12, 9, 3], "tanh", "squared_error"),
    ([12, 9, 4], ["relu", "softmax"], "cross_entropy"),
]
BATCHES = [1, 7, products.BIG_BATCH + 44]  # one example, a small batch, a large-batch product


def job(layers, activation, cost, batch, dtype):
    return model.prepare(
        {
            "network": {
                "layers": layers,
                "activation": activation,
                "cost": cost,
                "init": {"seed": 3},
                "dtype": dtype,
            },
            "batch": {"dataset": "random", "size": batch, "seed": 4},
        }
    )


def every_choice():
    """Every combination of forms, one per product."""
    names = list(products.FORMS)
    for combination in itertools.product(*(products.FORMS[n] for n in names)):
        yield dict(zip(names, combination))


def gradient_by_hand(j):
    """The batch-mean gradient in float64 from docs/words.md's formulas, written apart from
    model/ (plain matmuls): dC_i/dz(L) by the chain rule (softmax with cross-entropy: a - y)."""
    w64 = [w.astype(np.float64) for w in j.net.weights]
    b64 = [b.astype(np.float64) for b in j.net.biases]
    names = [a.name for a in j.net.activations]
    activations = [j.x.astype(np.float64)]
    for w, b, name in zip(w64, b64, names):
        activations.append(F[name](activations[-1] @ w.T + b))
    a, y = activations[-1], j.y.astype(np.float64)
    delta = a - y if j.net.cost_name == "cross_entropy" else 2 * (a - y) * _slope(names[-1], a)
    weights, biases = [], []
    for l in range(len(w64) - 1, -1, -1):
        weights.insert(0, delta.T @ activations[l] / len(y))
        biases.insert(0, delta.mean(axis=0))
        if l > 0:
            delta = (delta @ w64[l]) * _slope(names[l - 1], activations[l])
    return weights, biases


def _slope(name, a):
    return {"sigmoid": a * (1 - a), "tanh": 1 - a**2, "relu": (a > 0) * 1.0}[name]


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("batch", BATCHES)
@pytest.mark.parametrize("layers, activation, cost", NETS)
def test_every_form_forced_gives_the_same_gradient(layers, activation, cost, batch, dtype):
    j = job(layers, activation, cost, batch, dtype)
    want_w, want_b = gradient_by_hand(j)
    results = {}
    for choice in every_choice():
        with products.forced(**choice):
            assert products.chosen(j.net.dtype).names == choice
            results[tuple(choice.values())] = backprop(j.net, j.x, j.y, input_wishes="mean")
    first = next(iter(results.values()))
    for key, result in results.items():
        for got, want in zip(result.weight_gradients + result.bias_gradients, want_w + want_b):
            assert got.dtype == np.dtype(dtype), key
            scale = np.abs(want).max()
            np.testing.assert_allclose(got, want, rtol=0, atol=RTOL[dtype] * 10 * scale)
        for got, want in zip(result.weight_gradients, first.weight_gradients):
            if batch == 1:  # the forms of an outer product agree bit for bit
                np.testing.assert_array_equal(got, want)
            else:
                np.testing.assert_allclose(got, want, rtol=0, atol=RTOL[dtype] * np.abs(want).max())
        np.testing.assert_allclose(
            result.input_wish, first.input_wish, rtol=0, atol=RTOL[dtype] * 10
        )


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("form", list(products.FORMS["affine"]))
def test_every_layer_product_form_gives_the_same_cost(dtype, form):
    j = job([30, 20, 10], "sigmoid", "squared_error", products.BIG_BATCH + 44, dtype)
    names = [a.name for a in j.net.activations]
    a = j.x.astype(np.float64)
    for w, b, name in zip(j.net.weights, j.net.biases, names):
        a = F[name](a @ w.astype(np.float64).T + b)
    want = ((a - j.y) ** 2).sum(axis=1).mean()
    with products.forced(affine=form):
        np.testing.assert_allclose(j.net.cost(j.x, j.y), want, rtol=RTOL[dtype])
        activations, _ = j.net.forward(j.x)
        assert all(z.flags.c_contiguous for z in activations[1:])


def test_forms_are_written_out_and_restored():
    measured = products.chosen(np.dtype("float64"))
    with products.forced(outer="broadcast", affine="columns"):
        inside = products.chosen(np.dtype("float64"))
        assert inside.outer is products.FORMS["outer"]["broadcast"]
        assert inside.affine is products.FORMS["affine"]["columns"]
        assert inside.mean_outer is measured.mean_outer
        assert "outer broadcast (forced)" in products.describe(np.dtype("float64"))
    assert products.chosen(np.dtype("float64")) is measured
    with pytest.raises(ValueError, match="outer has no form 'nope'"):
        with products.forced(outer="nope"):
            pass


def test_the_start_up_choice_is_one_measured_form_per_product_and_is_reported():
    for dtype in (np.dtype("float64"), np.dtype("float32")):
        chosen = products.chosen(dtype)
        assert products.chosen(dtype) is chosen  # measured once, kept
        assert products.chosen(dtype.type) is chosen  # np.float64 as well as its dtype
        assert set(chosen.names) == set(products.FORMS)
        said = products.describe(dtype)
        assert said.startswith(f"{dtype}: ")
        for product, name in chosen.names.items():
            assert name in products.FORMS[product]
            assert getattr(chosen, product) is products.FORMS[product][name]
            assert f"{product} {name} [" in said
            times = chosen.seconds[product]
            assert set(times) == set(products.FORMS[product])  # every form was timed
            assert all(0 < t < 1 for t in times.values())
            for form in products.FORMS[product]:
                assert f"{form} {times[form] * 1e6:.3g} us" in said
            # the fastest form, unless the default is within TIE of it
            default = next(iter(products.FORMS[product]))
            fastest = min(times, key=times.get)
            assert name in {fastest, default}
            if name == default:
                assert times[default] * (1 - products.TIE) <= times[fastest]


def test_threads_that_start_at_once_share_one_choice():
    """The first use measures; threads arriving meanwhile wait for that one measurement."""
    dtype = np.dtype("float64")
    saved = products._measured.pop(dtype)
    products._chosen.pop(dtype, None)
    try:
        got, barrier = [], threading.Barrier(4)

        def first_use():
            barrier.wait()
            got.append(products.chosen(dtype))

        threads = [threading.Thread(target=first_use) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert len(got) == 4 and all(c is got[0] for c in got)
    finally:
        products._measured[dtype] = saved
        products._chosen.pop(dtype, None)
