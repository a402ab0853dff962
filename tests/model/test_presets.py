"""The presets: shipped parameters that the recipe reproduces, and what they are good for."""

import numpy as np
import pytest

from model import mnist, presets
from model.training import accuracy
from tests.support.blas import SAME_AS_PRESETS, assert_like_the_preset


def _equal(net, name):
    weights, biases = presets.parameters(name)
    return [
        np.array_equal(got, want) for got, want in zip(net.weights + net.biases, weights + biases)
    ]


def test_the_untrained_preset_is_the_seeded_start():
    from model.network import initial_parameters

    weights, biases = presets.parameters("lesson-untrained")
    want_w, want_b = initial_parameters([784, 16, 16, 10], 0, "scaled")
    # bit for bit on every kernel: drawing and scaling the seeded start are elementwise (NumPy's
    # generator and a multiply), no matrix product, so no BLAS kernel touches these numbers
    for got, want in zip(weights + biases, want_w + want_b):
        np.testing.assert_array_equal(got, want)


def test_the_partly_trained_preset_reproduces_from_its_recipe():
    net = presets.reproduce("lesson-partly-trained")
    assert_like_the_preset(net.weights, net.biases, "lesson-partly-trained")


@pytest.mark.skipif(
    not SAME_AS_PRESETS,
    reason="this BLAS rounds matrix products differently from "
    "the one that wrote presets.npz; 6,000 steps amplify the last bits",
)
def test_the_trained_preset_reproduces_bit_for_bit():
    assert all(_equal(presets.reproduce("lesson-trained"), "lesson-trained"))


def test_held_out_accuracy_rises_with_training():
    described = {name: presets.describe(name) for name in presets.PRESETS}
    accuracies = [described[name]["test_accuracy"] for name in presets.PRESETS]
    assert accuracies[0] == pytest.approx(0.1, abs=0.05)  # chance
    assert 0.4 < accuracies[1] < 0.8  # not yet good
    assert accuracies[2] >= 0.9  # the lesson's aim; 0.921 measured
    # recomputed from the parameters, independently of describe()
    net = presets.network(presets.PRESETS["lesson-trained"], *presets.parameters("lesson-trained"))
    activations, _ = net.feedforward(mnist.images("test"))
    assert (activations[-1].argmax(axis=1) == mnist.labels("test")).mean() == accuracies[2]
    assert described["lesson-trained"]["recipe"] == {
        "steps": 6000,
        "init_seed": 0,
        "init_scheme": "scaled",
        "dataset": "mnist",
        "split": "train",
        "batch_size": 20,
        "learning_rate": 3.0,
        "seed": 0,
        "method": "backprop",
    }
    assert accuracy(net, mnist.images("train"), mnist.labels("train")) > accuracies[2]


def test_the_command_checks_the_file_and_names_an_unknown_preset(capsys):
    from model import reproduce

    if SAME_AS_PRESETS:
        assert reproduce.main(["lesson-untrained", "lesson-partly-trained"]) == 0
        said = capsys.readouterr().out
        assert "lesson-partly-trained: equal bit for bit; test accuracy 0.599" in said
    with pytest.raises(SystemExit):
        reproduce.main(["lesson-big"])
    assert "no preset named lesson-big" in capsys.readouterr().err
