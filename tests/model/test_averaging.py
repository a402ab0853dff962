"""Averaging made visible on the presets: the cosine with the whole split's gradient, and
true labels against shuffled ones."""

import numpy as np
import pytest

from model import mnist, presets
from model.averaging import averaging, cosines
from model.batches import one_hot

POOL = (mnist.images("train"), one_hot(mnist.labels("train"), 10))


def _net(name):
    return presets.network(presets.PRESETS[name], *presets.parameters(name))


def _test_batch(size, seed=0):
    chosen = np.random.default_rng(seed).choice(1000, size=size, replace=False)
    return mnist.images("test")[chosen], one_hot(mnist.labels("test")[chosen], 10)


def test_cosines_by_hand():
    got = cosines([np.array([1.0, 0.0]), np.array([3.0])], [np.array([1.0, 1.0]), np.array([-2.0])])
    assert got["layers"] == [pytest.approx(1 / np.sqrt(2)), pytest.approx(-1.0)]
    assert got["overall"] == pytest.approx((1 - 6) / (np.sqrt(10) * np.sqrt(6)))
    assert cosines([np.zeros(2)], [np.ones(2)])["overall"] is None


@pytest.mark.parametrize("name", ["lesson-partly-trained", "lesson-trained"])
def test_the_cosine_rises_with_the_batch_size(name):
    block = averaging(_net(name), _test_batch(100), POOL, [1, 10, 100, 1000], draws=20, seed=0)
    one, ten, hundred, thousand = [s["overall"] for s in block["sizes"]]
    assert hundred < thousand and thousand > 0.7
    if name == "lesson-partly-trained":
        assert one + 0.2 < ten < hundred
    else:
        # trained, most single examples are already right and want little; the whole split's
        # gradient comes from the few hard ones, which a batch of 1 or 10 rarely holds: both
        # stay near 0.05, and averaging shows from 100 on
        assert max(one, ten) + 0.1 < hundred and hundred + 0.2 < thousand
    assert [s["batch_size"] for s in block["sizes"]] == [1, 10, 100, 1000]
    assert all(len(s["draws"]) == 20 and len(s["layers"]) == 3 for s in block["sizes"])
    assert block["reference"] == {"size": 4000}
    # the whole split against itself points exactly the same way
    whole = averaging(_net(name), POOL, POOL, [], draws=1, seed=0)["batch"]
    assert whole["overall"] == pytest.approx(1, abs=1e-12)


def test_untrained_every_example_wants_the_same_whatever_its_label():
    net = _net("lesson-untrained")
    x, y = _test_batch(1000)
    activations, _ = net.feedforward(x)
    # the outputs start high (0.6 on average), so each example's output wish -2(a - y) lowers
    # the nine other outputs far more than it raises its label: that shared "lower them all"
    # dominates every example's wants, so its label hardly matters
    wishes = -2 * (activations[-1] - y)
    at_label = (wishes * y).sum(axis=1)
    lowering = (wishes * (1 - y)).sum(axis=1)
    assert (at_label + lowering < 0).all()
    assert at_label.mean() < 0.1 * -lowering.mean()
    block = averaging(net, (x, y), POOL, [1000], draws=2, seed=0)
    true, shuffled = block["consistency"]["true"], block["consistency"]["shuffled"]
    np.testing.assert_allclose(true, shuffled, atol=0.01)
    assert block["sizes"][0]["overall"] > 0.99


@pytest.mark.parametrize("name", ["lesson-partly-trained", "lesson-trained"])
def test_true_labels_are_more_consistent_than_shuffled_ones_in_the_first_layer(name):
    net = _net(name)
    margins = []
    for seed in range(4):
        block = averaging(
            net, _test_batch(1000 if seed % 2 else 100, seed), POOL, [], draws=1, seed=seed
        )
        margins.append(np.subtract(block["consistency"]["true"], block["consistency"]["shuffled"]))
    margins = np.array(margins)
    assert (margins[:, 0] > 0.02).all(), margins


def test_a_cosine_stays_within_minus_one_and_one():
    # parallel vectors: the dot over the norms rounds a last bit past 1 for some of them and
    # below 1 for others, which ones depending on the BLAS kernel's order of summation; on
    # every kernel tried (SkylakeX, Haswell, Sandybridge, Nehalem, Prescott) 9 to 18 of these 40
    rng = np.random.default_rng(0)
    past = 0
    for _ in range(40):
        a = rng.random(3000)
        raw = np.dot(a, a * 13) / (np.linalg.norm(a) * np.linalg.norm(a * 13))
        past += raw > 1
        same, opposite = cosines([a], [a * 13]), cosines([a], [a * -13])
        assert same["overall"] == min(raw, 1.0) and opposite["layers"] == [max(-raw, -1.0)]
        assert 1 - same["overall"] < 1e-14
    assert past > 0, "no vector here puts the cosine past 1: the test shows nothing"
