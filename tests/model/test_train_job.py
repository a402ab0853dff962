"""`train` and `averaging` in a spec: the blocks model.run adds, progress, cancel, limits."""

import numpy as np
import pytest

import model
from model import presets
from tests.support.blas import assert_like_the_preset, assert_same_argmax_on_the_test_split

LESSON = {
    "network": {"preset": "lesson-untrained"},
    "batch": {"dataset": "mnist", "split": "test", "size": 20, "seed": 1},
}


def test_training_from_the_untrained_preset_gives_the_partly_trained_one():
    # the preset's recipe, run as a job
    out = model.run(
        LESSON
        | {
            "train": {
                "steps": 200,
                "batch_size": 20,
                "learning_rate": 3.0,
                "seed": 0,
                "eval_every": 100,
            },
            "include": {"parameters": True},
        }
    )
    training = out["training"]
    trained = training["parameters"]
    # the file's parameters: bit for bit on the kernel that wrote it, else to rounding
    assert_like_the_preset(trained["weights"], trained["biases"], "lesson-partly-trained")
    assert [a["step"] for a in training["accuracy"]] == [0, 100, 200]
    # every test image's digit is the preset's (see the helper), so the accuracy is equal
    assert_same_argmax_on_the_test_split(
        trained["weights"], trained["biases"], "lesson-partly-trained"
    )
    assert (
        training["accuracy"][-1]["value"]
        == presets.describe("lesson-partly-trained")["test_accuracy"]
    )
    assert training["evaluated_on"] == "mnist test split"
    assert len(training["cost"]) == 200 and training["cost"][-1] < training["cost"][0] / 3
    assert training["passes"] == {"forward": 200, "backward": 200, "evaluation": 3}
    timing = training["step_timing"]
    assert timing["naive"]["passes"] == 2 * 13_002 + 1 and timing["naive"]["basis"] == "estimated"
    # the ratio of the two measured times, not a claim on either (speed claims are bench/'s)
    assert timing["naive_to_backprop"] == timing["naive"]["seconds"] / timing["backprop"]["seconds"]
    # the report is the trained network's: its cost on the batch, recomputed
    net = presets.network(
        presets.PRESETS["lesson-partly-trained"],
        [np.array(w) for w in trained["weights"]],
        [np.array(b) for b in trained["biases"]],
    )
    job = model.prepare(LESSON)
    assert out["cost"] == pytest.approx(net.cost(job.x, job.y), rel=1e-12)


def test_progress_counts_training_then_naive_passes_and_cancel_stops_a_step():
    spec = {
        "network": {"layers": [3, 2], "init": {"seed": 1}},
        "batch": {"dataset": "random", "size": 6, "seed": 2},
        "train": {"steps": 4, "batch_size": 3, "learning_rate": 0.5},
        "methods": ["backprop", "naive"],
    }
    seen = []
    out = model.run(spec, progress=lambda done, total: seen.append((done, total)))
    total = 4 * 2 + 2 * 8
    assert model.estimate_cost(model.parse_spec(spec))["training_passes"] == 8
    assert seen[:4] == [(2, total), (4, total), (6, total), (8, total)]
    assert seen[-1] == (total, total)
    assert out["naive"]["passes"] == 16
    with pytest.raises(model.Cancelled):
        model.run(spec, should_stop=lambda: True)


def test_naive_training_in_a_job_follows_backprop():
    spec = {
        "network": {"layers": [3, 4, 2], "init": {"seed": 4}},
        "batch": {"dataset": "random", "size": 8, "seed": 3},
        "train": {"steps": 10, "batch_size": 4, "learning_rate": 1.0},
        "include": {"parameters": True},
    }
    back = model.run(spec)["training"]
    naive = model.run(spec | {"train": spec["train"] | {"method": "naive"}})["training"]
    np.testing.assert_allclose(naive["cost"], back["cost"], rtol=1e-9)
    for got, want in zip(naive["parameters"]["weights"], back["parameters"]["weights"]):
        np.testing.assert_allclose(got, want, rtol=0, atol=1e-8)
    assert naive["step_timing"]["naive"]["basis"] == "measured"
    assert naive["passes"]["forward"] == 10 * (2 * 26 + 1)
    assert naive["evaluated_on"] == "the batch"


def test_a_diverging_run_is_refused_naming_the_curve():
    spec = {
        "network": {"layers": [2, 2], "activation": "identity", "init": {"seed": 0}},
        "batch": {"dataset": "random", "size": 4, "seed": 0},
        "train": {"steps": 400, "batch_size": 4, "learning_rate": 900},
    }
    with pytest.raises(model.SpecError, match=r"training\.cost\.\d+ is (inf|nan)"):
        model.run(spec)


def test_the_training_limit_refuses_with_the_estimate():
    spec = LESSON | {"train": {"steps": 50, "batch_size": 20, "method": "naive"}}
    estimate = model.estimate_cost(model.parse_spec(spec))
    # 50 naive steps of 26,005 passes over 20 examples, and 26 evaluations (every 50 // 20 = 2
    # steps, and after the last) of the 1,000 test images, at 784*16 + 16*16 + 16*10
    # multiply-adds per example
    assert estimate["training_multiply_adds"] == (50 * 20 * 26_005 + 26 * 1000) * 12_960
    with pytest.raises(model.SpecError) as refused:
        model.parse_spec(spec, model.Limits(max_training_multiply_adds=10**11))
    error = refused.value.errors[0]
    assert error["field"] == "train" and error["limit"] == 10**11
    assert error["estimate"]["training_passes"] == 50 * 26_005


def test_averaging_is_opt_in_and_reports_every_size():
    assert "averaging" not in model.run(LESSON)
    out = model.run(
        {
            "network": {"preset": "lesson-trained"},
            "batch": {"dataset": "mnist", "split": "test", "size": 100},
            "include": {"averaging": True},
            "averaging": {"sizes": [1, 100, 1000], "draws": 3},
        }
    )
    block = out["averaging"]
    assert [s["batch_size"] for s in block["sizes"]] == [1, 100, 1000]
    assert block["reference"] == {"size": 4000, "source": "mnist train split"}
    assert block["sizes"][-1]["overall"] > block["sizes"][0]["overall"]
    assert len(block["consistency"]["true"]) == 3
    # the per-layer consistency in the report is the true labels'
    assert [layer["consistency"] for layer in out["layers"]] == pytest.approx(
        block["consistency"]["true"], rel=1e-12
    )
