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
# one example; a small batch; the layer product's two ranges of chosen orientation
BATCHES = [1, 7, products.MID_BATCH + 36, products.BIG_BATCH + 44]


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
            names = products.chosen(j.net.dtype).names
            assert names == {p: {"narrow": f, "wide": f} for p, f in choice.items()}
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
@pytest.mark.parametrize(
    "product, batch", [("affine", products.MID_BATCH), ("affine_big", products.BIG_BATCH)]
)
@pytest.mark.parametrize("form", list(products.FORMS["affine"]))
def test_every_layer_product_form_gives_the_same_cost(dtype, product, batch, form):
    j = job([30, 20, 10], "sigmoid", "squared_error", batch, dtype)
    names = [a.name for a in j.net.activations]
    a = j.x.astype(np.float64)
    for w, b, name in zip(j.net.weights, j.net.biases, names):
        a = F[name](a @ w.astype(np.float64).T + b)
    want = ((a - j.y) ** 2).sum(axis=1).mean()
    with products.forced(**{product: form}):
        assert set(products.chosen(j.net.dtype).names[product].values()) == {form}
        np.testing.assert_allclose(j.net.cost(j.x, j.y), want, rtol=RTOL[dtype])
        activations, _ = j.net.forward(j.x)
        assert all(z.flags.c_contiguous for z in activations[1:])


def test_forced_forms_are_used_and_the_measured_ones_return():
    measured = products.chosen(np.dtype("float64"))
    with products.forced(outer="broadcast", affine="columns"):
        inside = products.chosen(np.dtype("float64"))
        assert inside.names["outer"] == {"narrow": "broadcast", "wide": "broadcast"}
        assert inside.names["affine"] == {"narrow": "columns", "wide": "columns"}
        assert inside.names["mean_outer"] == measured.names["mean_outer"]
        said = products.describe(np.dtype("float64"))
        assert "outer: narrow broadcast (forced) (" in said
        assert "wide broadcast (forced) (" in said
    assert products.chosen(np.dtype("float64")) is measured
    with pytest.raises(ValueError, match="outer has no form 'nope'"):
        with products.forced(outer="nope"):
            pass


def test_each_width_class_gets_its_own_form():
    """The table holds one form per width class, and a product goes to its layer's class:
    a narrow layer (n_l below WIDE) to the narrow one, a wide layer to the wide one."""
    rng = np.random.default_rng(0)
    names = {p: {"narrow": next(iter(f)), "wide": list(f)[-1]} for p, f in products.FORMS.items()}
    chosen = products.Chosen(np.dtype("float64"), names)
    narrow, wide = products.WIDE - 1, products.WIDE
    for width in (narrow, wide):
        grad_z, a = rng.standard_normal((1, width)), rng.standard_normal((1, 30))
        np.testing.assert_array_equal(chosen.weight_gradient(grad_z, a), np.outer(grad_z, a))
        w, b = rng.standard_normal((width, 30)), rng.standard_normal(width)
        x = rng.standard_normal((products.MID_BATCH, 30))
        np.testing.assert_allclose(chosen.affine(x, w, b), x @ w.T + b, rtol=1e-13)
    forms = chosen._table["outer"]
    assert forms[0] is products.FORMS["outer"][names["outer"]["narrow"]]
    assert forms[1] is products.FORMS["outer"][names["outer"]["wide"]]
    assert forms[0] is not forms[1]


def test_the_start_up_choice_is_one_measured_form_per_product_and_is_reported():
    for dtype in (np.dtype("float64"), np.dtype("float32")):
        chosen = products.chosen(dtype)
        assert products.chosen(dtype) is chosen  # measured once, kept
        assert products.chosen(dtype.type) is chosen  # np.float64 as well as its dtype
        assert set(chosen.names) == set(products.FORMS)
        said = products.describe(dtype)
        assert said.startswith(f"{dtype}: ")
        for product, by in chosen.names.items():
            assert set(by) == set(products.SAMPLE_WIDTHS)
            for width_class, name in by.items():
                times = chosen.seconds[product][width_class]
                assert set(times) == set(products.FORMS[product])  # every form was timed
                assert all(0 < t < 1 for t in times.values())
                shown = ", ".join(f"{n} {t * 1e6:.3g}" for n, t in times.items())
                assert f"{width_class} {name} ({shown} us)" in said
                assert name == products.pick(times)


def test_the_pick_is_the_fastest_unless_the_default_is_within_the_tie():
    tie = products.TIE
    assert products.pick({"dot": 100.0, "gemm": 100 * (1 - tie) - 1}) == "gemm"
    assert products.pick({"dot": 100.0, "gemm": 100 * (1 - tie) + 1}) == "dot"
    assert products.pick({"dot": 90.0, "gemm": 95.0, "broadcast": 80.0}) == "broadcast"


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
