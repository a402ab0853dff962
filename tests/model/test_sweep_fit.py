"""The fit per method reads the right rows of a sweep's table: per example, naive only where it
ran, the lesson's network and a million parameters extrapolated, mixed hosts flagged."""

import math

import pytest

from model.sweep_fit import LESSON_PARAMETERS, fits
from model.sweep_table import COLUMNS, table


def rows(hosts=("h1",) * 8, basis=("measured",) * 8):
    """Exact power laws: backprop 2e-8 P per example, naive 3e-12 P^2 per example, batch 10."""
    out = []
    for i, p in enumerate([1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 64_000, 128_000]):
        row = dict.fromkeys(COLUMNS) | {"point": i, "parameters": p, "batch": 10}
        row |= {"backprop_seconds": 10 * 2e-8 * p, "naive_full_seconds": 10 * 3e-12 * p**2}
        row |= {"host": hosts[i], "kernel": "SkylakeX", "naive_basis": basis[i]}
        out.append(row)
    return table([], out)


def test_exact_laws_are_recovered_per_example():
    fit = fits(rows())
    assert fit["backprop"]["k"] == pytest.approx(1.0, abs=1e-9)
    assert fit["naive"]["k"] == pytest.approx(2.0, abs=1e-9)
    assert fit["backprop"]["c"] == pytest.approx(2e-8, rel=1e-6)
    lesson = fit["naive"]["seconds_per_example_at"]["lesson"]
    assert lesson["parameters"] == LESSON_PARAMETERS == 13_002
    assert lesson["estimate"] == pytest.approx(3e-12 * 13_002**2, rel=1e-6)
    assert fit["backprop"]["used"] == list(range(8)) and not fit["backprop"]["mixed"]


def test_naive_only_where_it_ran_and_mixed_hosts_flagged():
    basis = ("measured", "sample", "forward_pass", "forward_pass") + ("sample",) * 4
    fit = fits(rows(hosts=("h1",) * 4 + ("h2",) * 4, basis=basis))
    assert fit["naive"]["used"] == [0, 1, 4, 5, 6, 7]
    assert fit["naive"]["mixed"] and fit["naive"]["hosts"] == ["h1", "h2"]
    assert any("different hosts" in n for n in fit["naive"]["notes"])


def test_too_few_points_give_no_fit_and_the_reason():
    tab = rows()
    tab["rows"] = tab["rows"][:2]
    fit = fits(tab)
    assert fit["backprop"]["fit"] is None and "three timings" in fit["backprop"]["reason"]
    assert math.isfinite(fit["naive"]["points"])
