"""Gradient descent: fresh mini-batches, the cost falls, accuracy rises, naive agrees."""

import numpy as np
import pytest

import model
from model import mnist, presets
from model.batches import one_hot
from model.training import minibatches, step_passes, train


def test_minibatches_cover_each_epoch_once_and_drop_the_remainder():
    rng = np.random.default_rng(4)
    batches = minibatches(10, 3, rng)
    epoch = [next(batches) for _ in range(3)]  # 3 batches of 3; the 10th example waits
    assert all(len(b) == 3 for b in epoch)
    assert len(set(np.concatenate(epoch).tolist())) == 9
    again = np.random.default_rng(4).permutation(10)
    # integer indices from the seeded generator: no arithmetic a BLAS kernel does, equal anywhere
    np.testing.assert_array_equal(np.concatenate(epoch), again[:9])
    assert len(set(np.concatenate([next(batches) for _ in range(3)]).tolist())) == 9


def _lesson(name="lesson-untrained"):
    return presets.network(presets.PRESETS[name], *presets.parameters(name))


@pytest.mark.parametrize("batch_size", [0, 11])
def test_minibatches_refuse_a_batch_no_epoch_can_hold(batch_size):
    # a library call that bypasses the spec's check must fail, not loop forever
    with pytest.raises(ValueError, match="1 to 10"):
        next(minibatches(10, batch_size, np.random.default_rng(0)))


def test_a_short_run_lowers_the_cost_and_raises_held_out_accuracy():
    net = _lesson()
    pool = (mnist.images("train"), one_hot(mnist.labels("train"), 10))
    done = train(
        net,
        pool,
        300,
        20,
        3.0,
        seed=1,
        evaluate=(mnist.images("test"), mnist.labels("test")),
        eval_every=100,
    )
    assert len(done.cost) == 300
    assert np.mean(done.cost[-20:]) < 0.6 * np.mean(done.cost[:20])
    assert [a["step"] for a in done.accuracy] == [0, 100, 200, 300]
    assert done.accuracy[0]["value"] == pytest.approx(0.1, abs=0.05)
    assert done.accuracy[-1]["value"] > 0.5
    assert done.passes == {"forward": 300, "backward": 300, "evaluation": 4}
    assert done.seconds > 0


def test_each_step_moves_against_the_batch_averaged_gradient():
    # recomputed by hand: one step from the seeded start on the first mini-batch
    net, start = _lesson(), _lesson()
    pool = (mnist.images("train"), one_hot(mnist.labels("train"), 10))
    done = train(net, pool, 1, 5, 0.5, seed=2)
    chosen = np.random.default_rng(2).permutation(4000)[:5]
    result = model.backprop.backprop(start, pool[0][chosen], pool[1][chosen])
    assert done.cost == [pytest.approx(result.cost, rel=1e-15)]
    for w, w0, gw in zip(net.weights, start.weights, result.weight_gradients):
        np.testing.assert_allclose(w, w0 - 0.5 * gw, rtol=0, atol=1e-15)


def test_naive_training_follows_the_backprop_trajectory():
    spec = {
        "network": {"layers": [4, 3, 2], "init": {"seed": 3}},
        "batch": {"dataset": "random", "size": 12, "seed": 5},
    }
    runs = {}
    for method in ("backprop", "naive"):
        job = model.prepare(spec)
        runs[method] = (
            train(job.net, (job.x, job.y), 25, 4, 2.0, seed=0, method=method, epsilon=1e-6),
            job.net,
        )
    (back, back_net), (naive, naive_net) = runs["backprop"], runs["naive"]
    # central differences with epsilon 1e-6 in float64: each gradient entry is off by about
    # 1e-16 / 1e-6 = 1e-10 (rounding) plus epsilon^2 (truncation); 25 steps at rate 2 keep
    # the parameters within 1e-8
    np.testing.assert_allclose(naive.cost, back.cost, rtol=1e-9)
    for got, want in zip(naive_net.weights + naive_net.biases, back_net.weights + back_net.biases):
        np.testing.assert_allclose(got, want, rtol=0, atol=1e-8)
    parameters = 4 * 3 + 3 + 3 * 2 + 2
    assert naive.passes == {"forward": 25 * (2 * parameters + 1), "backward": 0, "evaluation": 0}
    assert step_passes("naive", parameters, "forward") == {"forward": parameters + 1, "backward": 0}


def test_cancel_stops_between_steps():
    job = model.prepare({"network": {"layers": [4, 2]}, "batch": {"dataset": "random", "size": 8}})
    seen = []
    with pytest.raises(model.Cancelled) as stopped:
        train(
            job.net,
            (job.x, job.y),
            10,
            2,
            1.0,
            seed=0,
            progress=lambda done, total: seen.append((done, total)),
            should_stop=lambda: len(seen) >= 3,
        )
    assert seen == [(1, 10), (2, 10), (3, 10)] and stopped.value.passes == 3
