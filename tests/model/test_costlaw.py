"""The cost law's fit (model/costlaw.py) on synthetic timings whose law is known."""

from __future__ import annotations

import json

import numpy as np
import pytest

from model.costlaw import CostLaw, fit_cost_law

SIZES = np.geomspace(1e3, 1e6, 12)


def test_exact_power_laws_are_recovered_exactly():
    for k, c in ((1.0, 3e-9), (2.0, 5e-12), (1.5, 1e-7)):
        law = fit_cost_law(SIZES, c * SIZES**k)
        assert law.k == pytest.approx(k, abs=1e-12)
        assert law.c == pytest.approx(c, rel=1e-9)
        assert law.r2 == pytest.approx(1.0)
        assert law.used == tuple(range(12)) and law.left_out == ()
        assert law.notes == ()
        estimate, low, high = law.seconds_at(1e7)
        assert estimate == pytest.approx(c * 1e7**k, rel=1e-9)
        assert low == pytest.approx(estimate) and high == pytest.approx(estimate)


@pytest.mark.parametrize("k", [1.0, 2.0])
def test_the_interval_covers_the_true_exponent_in_about_95_percent_of_noisy_trials(k):
    """Multiplicative noise (10 % log-normal): over 400 seeded trials the 95 % interval holds
    the true k in 90-99 % of them (binomial sd at 95 %: 1.1 %), and the prediction interval
    at a million parameters holds a fresh timing there about as often."""
    rng = np.random.default_rng(21 + int(k))
    covered = predicted = 0
    for _ in range(400):
        noisy = 2e-9 * SIZES**k * np.exp(rng.normal(0, 0.1, SIZES.size))
        law = fit_cost_law(SIZES, noisy)
        low, high = law.k_interval
        covered += low <= k <= high
        fresh = 2e-9 * 3e6**k * np.exp(rng.normal(0, 0.1))
        _, lo, hi = law.seconds_at(3e6)
        predicted += lo <= fresh <= hi
    assert 360 <= covered <= 396, covered
    assert 360 <= predicted <= 396, predicted


def test_repeated_timings_at_each_size_are_all_used():
    rng = np.random.default_rng(5)
    sizes = np.repeat(SIZES, 3)
    law = fit_cost_law(sizes, 1e-9 * sizes**2 * np.exp(rng.normal(0, 0.05, sizes.size)))
    assert law.used == tuple(range(36))
    assert law.k_interval[0] <= 2 <= law.k_interval[1]


def test_a_fixed_overhead_floor_is_left_out_by_the_stated_rule():
    """t = a + c P: the sizes whose time is below twice the smallest size's are the ones where
    the overhead is more than the work, and exactly they are left out."""
    overhead, c = 2e-4, 1e-9
    times = overhead + c * SIZES
    law = fit_cost_law(SIZES, times)
    expected_out = tuple(int(i) for i in np.flatnonzero(times < 2 * times[0]))
    assert expected_out == tuple(range(9))  # up to 151,991 parameters; work = a at 200,000
    assert law.left_out == expected_out
    assert law.used == (9, 10, 11)
    assert any("fixed overhead dominates" in note for note in law.notes)
    everything = np.polyfit(np.log(SIZES), np.log(times), 1)[0]
    assert everything < 0.3 < 0.7 < law.k < 1.0  # nearer the true 1 than the whole range's fit


def test_no_floor_no_leaving_out_with_noise():
    rng = np.random.default_rng(7)
    for _ in range(50):
        law = fit_cost_law(SIZES, 1e-9 * SIZES * np.exp(rng.normal(0, 0.05, SIZES.size)))
        assert law.left_out == ()


def test_unloggable_points_are_left_out_and_said():
    times = list(1e-9 * SIZES)
    times[4] = 0.0  # a timer's zero
    law = fit_cost_law(SIZES, times)
    assert law.left_out == (4,) and 4 not in law.used
    assert law.k == pytest.approx(1.0)
    assert any("non-positive" in note for note in law.notes)


def test_points_from_different_hosts_or_kernels_are_flagged():
    hosts = ["a"] * 6 + ["b"] * 6
    kernels = ["SkylakeX"] * 11 + ["Haswell"]
    law = fit_cost_law(SIZES, 1e-9 * SIZES, hosts=hosts, kernels=kernels)
    assert sum("different hosts (a, b)" in note for note in law.notes) == 1
    assert sum("different BLAS kernels (Haswell, SkylakeX)" in note for note in law.notes) == 1
    alike = fit_cost_law(SIZES, 1e-9 * SIZES, hosts=["a"] * 12, kernels=["SkylakeX"] * 12)
    assert alike.notes == ()


def test_an_exponent_that_changes_across_the_range_bends_the_residuals_and_is_said():
    """ln t quadratic in ln P: falling (k from 1.6 to 0.9, a faster kernel for big products)
    and rising (from 1 to 1.7, the working set leaving a cache); the notes say which."""
    x = np.log(SIZES)
    for bend, word in ((-0.05, "falls"), (0.05, "rises")):
        law = fit_cost_law(SIZES, np.exp(-20 + (1.0 - bend * 2 * x[0]) * x + bend * x**2))
        bends = [note for note in law.notes if "residuals bend" in note]
        assert len(bends) == 1 and f"exponent {word} with the size" in bends[0], law.notes


def test_as_json_is_plain_json_and_says_the_fit():
    law = fit_cost_law(SIZES, 1e-9 * SIZES**2 * np.exp(np.linspace(-0.1, 0.1, 12)))
    data = json.loads(json.dumps(law.as_json(), allow_nan=False))
    assert data["k"] == law.k and data["k_interval"] == list(law.k_interval)
    assert data["used"] == list(range(12)) and data["level"] == 0.95
    assert isinstance(law, CostLaw)


@pytest.mark.parametrize(
    "sizes,times",
    [([1e3, 1e3, 1e3], [1, 2, 3]), ([1e3, 2e3], [1, 2]), ([1e3, 2e3, 3e3], [1, 2])],
)
def test_too_few_points_are_refused(sizes, times):
    with pytest.raises(ValueError):
        fit_cost_law(sizes, times)
