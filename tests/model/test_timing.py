"""The timing medians' confidence intervals: order statistics with their exact coverage."""

import numpy as np
import pytest
from scipy import stats

import model
from model.timing import median_interval


@pytest.mark.parametrize("n", [6, 7, 9, 11, 25])
def test_the_interval_is_scipys_distribution_free_one(n):
    times = np.random.default_rng(n).exponential(size=n).tolist()
    ours = median_interval(times)
    theirs = stats.quantile_test(np.array(times), q=0.5).confidence_interval(0.95)
    assert (ours["low"], ours["high"]) == (theirs.low, theirs.high)
    assert ours["level"] >= 0.95


def test_few_repeats_give_min_and_max_with_their_coverage():
    # three times: the median lies between min and max unless all three fall on one side,
    # which happens with probability 2 / 2^3
    assert median_interval([0.3, 0.1, 0.2]) == {"low": 0.1, "high": 0.3, "level": 0.75}
    # eleven: [x_(2), x_(10)] covers 1 - 2 (1 + 11) / 2^11
    got = median_interval(list(range(11)))
    assert (got["low"], got["high"]) == (1, 9)
    assert got["level"] == pytest.approx(1 - 2 * 12 / 2**11, rel=1e-12)


def test_the_result_carries_an_interval_around_each_median():
    timing = model.run(
        {
            "network": {"layers": [3, 4, 2]},
            "batch": {"dataset": "random", "size": 5},
            "timing": {"repeats": 9},
        }
    )["timing"]
    for part in ("forward", "backprop"):
        ci = timing[part]["ci"]
        assert ci["low"] <= timing[part]["seconds"] <= ci["high"]
        # nine: [x_(2), x_(8)] covers 1 - 2 (1 + 9) / 2^9 = 0.961
        assert ci["level"] == pytest.approx(1 - 2 * (1 + 9) / 2**9, rel=1e-12)
