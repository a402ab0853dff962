"""The activations' in-place forms against scipy's and the book's formulas."""

import warnings

import numpy as np
import pytest
from scipy.special import expit

from model.activations import ACTIVATIONS, SMALL

ULPS = {"float64": 4 * np.finfo(np.float64).eps, "float32": 4 * np.finfo(np.float32).eps}


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("size", [SMALL - 1, SMALL, 40 * SMALL])
def test_the_sigmoid_in_place_is_expit_to_a_few_ulps_and_overflows_quietly(dtype, size):
    """Both sides of SMALL (expit below, exp and a division above), with z far past where
    exp(-z) overflows (-709 in float64, -88 in float32): a is 0 there, with no warning, even
    where the caller has asked NumPy to raise on every floating-point error."""
    rng = np.random.default_rng(0)
    z = (rng.standard_normal(size) * 30).astype(dtype)
    z[:4] = [-1000, 1000, -100, 100]
    want = expit(z.astype(np.float64))
    with warnings.catch_warnings(), np.errstate(all="raise"):
        warnings.simplefilter("error")
        got = ACTIVATIONS["sigmoid"].apply(z)
    assert got is z and got.dtype == np.dtype(dtype)
    np.testing.assert_allclose(got, want, rtol=ULPS[dtype], atol=np.finfo(dtype).tiny)
    assert got[0] == 0 and got[1] == 1


@pytest.mark.parametrize("name", ["sigmoid", "tanh", "relu", "identity", "softmax"])
def test_grad_is_the_chain_rule_step_written_in_terms_of_a(name):
    rng = np.random.default_rng(1)
    z, g = rng.standard_normal((40, 30)), rng.standard_normal((40, 30))
    f = ACTIVATIONS[name]
    a = f.f(z)
    eps = 1e-6  # central differences of f, one entry of z at a time (every row at once)
    slope = np.empty_like(z)
    for k in range(z.shape[1]):
        up, down = z.copy(), z.copy()
        up[:, k] += eps
        down[:, k] -= eps
        # d(g . f(z))/dz_k for each row: the k-th entry of J^T g
        slope[:, k] = ((f.f(up) - f.f(down)) * g).sum(axis=1) / (2 * eps)
    if name == "relu":  # f'(0) is taken as 0; no entry of z is that close to 0 here
        assert np.abs(z).min() > eps
    np.testing.assert_allclose(f.grad(a, g), slope, rtol=1e-6, atol=1e-8)
    out = np.empty_like(z)
    assert f.grad(a, g, out) is out
