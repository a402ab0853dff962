"""model.run: JSON in, JSON's shape out with NumPy arrays, with the names docs/contract.md
fixes; model.jsonable makes it plain JSON."""

import json

import numpy as np
import pytest

import model
from model.backprop import backprop
from model.naive import nudge

LESSON = {
    "network": {
        "layers": [784, 16, 16, 10],
        "activation": "sigmoid",
        "cost": "squared_error",
        "init": {"seed": 7},
    },
    "batch": {"dataset": "digits", "resolution": 28, "size": 20, "seed": 0},
    "methods": ["backprop", "naive"],
    "naive": {"difference": "central", "sample": 50},
}


@pytest.fixture(scope="module")
def lesson():
    return model.run(LESSON)


def test_the_result_keeps_arrays_and_jsonable_makes_it_plain_json(lesson):
    assert all(type(w) is np.ndarray and w.dtype == np.float64 for w in lesson["wishes"])
    assert type(lesson["layers"][0]["three_ways"]["previous"]) is np.ndarray
    plain = model.jsonable(lesson)
    text = json.dumps(plain, allow_nan=False)
    assert json.loads(text) == plain
    assert plain["wishes"][0] == lesson["wishes"][0].tolist()
    assert plain["naive"]["values"] == lesson["naive"]["values"].tolist()
    for key in ("cost", "gradients", "wishes", "naive", "timing"):
        assert key in lesson
    assert [np.shape(w) for w in lesson["gradients"]["weights"]] == [(16, 784), (16, 16), (10, 16)]
    assert [np.shape(b) for b in lesson["gradients"]["biases"]] == [(16,), (16,), (10,)]
    assert [len(w) for w in lesson["wishes"]] == [784, 16, 16, 10]
    assert lesson["network"]["parameters"] == 13002
    naive = lesson["naive"]
    assert naive["relative_error"] < 1e-7 and naive["max_abs_diff"] < 1e-8


def test_output_wishes_are_minus_twice_the_error(lesson):
    job = model.prepare(LESSON)
    a = job.net.feedforward(job.x)[0][-1]
    np.testing.assert_allclose(lesson["wishes"][-1], (-2 * (a - job.y)).mean(axis=0), rtol=1e-12)


def test_timing_counts_passes(lesson):
    timing = lesson["timing"]
    assert timing["forward"]["passes"] == 1
    assert timing["backprop"]["passes"] == {"forward": 1, "backward": 1}
    assert timing["naive"]["passes"] == 100 and timing["naive"]["full_passes"] == 26004
    assert timing["naive"]["basis"] == "sample"
    for seconds in (
        timing["forward"]["seconds"],
        timing["backprop"]["seconds"],
        timing["naive"]["cpu_seconds"],
    ):
        assert seconds > 0
    np.testing.assert_allclose(
        timing["speedup"], timing["naive"]["full_seconds"] / timing["backprop"]["seconds"]
    )


def test_without_naive_the_speedup_is_estimated_from_the_forward_pass():
    out = model.run({**LESSON, "methods": ["backprop"]})
    assert "naive" not in out
    naive = out["timing"]["naive"]
    assert naive["basis"] == "forward_pass" and naive["passes"] == 0
    np.testing.assert_allclose(naive["full_seconds"], out["timing"]["forward"]["seconds"] * 26004)


def test_a_client_can_ask_for_only_wishes():
    out = model.run(
        {**LESSON, "methods": ["backprop"], "include": {"gradients": False, "layers": False}}
    )
    assert "wishes" in out and "gradients" not in out and "layers" not in out


def test_per_example_detail_on_request():
    out = model.run(
        {
            "network": {"layers": [3, 4, 2]},
            "batch": {"dataset": "random", "size": 5},
            "include": {"per_example": True},
        }
    )
    examples = out["examples"]
    assert [np.shape(w) for w in examples["wishes"]] == [(5, 3), (5, 4), (5, 2)]
    assert [np.shape(a) for a in examples["activations"]] == [(5, 3), (5, 4), (5, 2)]
    assert np.shape(examples["gradients"]["weights"][0]) == (5, 4, 3)
    np.testing.assert_allclose(np.mean(examples["costs"]), out["cost"], rtol=1e-12)
    np.testing.assert_allclose(np.mean(examples["wishes"][1], axis=0), out["wishes"][1])
    assert "examples" not in model.run(
        {"network": {"layers": [3, 2]}, "batch": {"dataset": "random", "size": 2}}
    )


def test_cross_entropy_output_wish_pulls_toward_the_label():
    out = model.run(
        {
            "network": {"layers": [64, 10], "cost": "cross_entropy", "activation": "softmax"},
            "batch": {"dataset": "digits", "indices": [0]},
            "include": {"per_example": True},
        }
    )
    label = out["batch"]["labels"][0]
    a = np.array(out["examples"]["activations"][-1][0])
    np.testing.assert_allclose(out["cost"], -np.log(a[label]), rtol=1e-12)
    # a softmax output's wish is taken at z: y - a, the label's neuron wants up, every other
    # wants down; it is the bias way too
    np.testing.assert_allclose(out["wishes"][-1], np.eye(10)[label] - a, atol=1e-15)
    bias_way = np.array(out["layers"][0]["three_ways"]["bias"])
    np.testing.assert_allclose(bias_way, np.eye(10)[label] - a, atol=1e-15)


def test_the_library_and_the_examples_run():
    from pathlib import Path

    for path in sorted(Path(__file__).parents[2].joinpath("examples").glob("*.json")):
        spec = json.loads(path.read_text())
        if "naive" in spec.get("methods", []) and spec["network"]["layers"][0] > 100:
            spec["naive"] = {**spec["naive"], "sample": 20}  # keep the test quick
        out = model.run(spec)
        if "naive" in out:
            assert out["naive"]["relative_error"] < 1e-6, path.name


def test_reprs_are_one_short_line():
    job = model.prepare(
        {"network": {"layers": [3, 4, 2]}, "batch": {"dataset": "random", "size": 5}}
    )
    result = backprop(job.net, job.x, job.y)
    nudged = nudge(job.net, job.x, job.y, job.naive_indices[:3], job.epsilon)
    assert repr(job).startswith("Job(Network([3, 4, 2]") and "B=5" in repr(job)
    assert repr(result) == f"Backprop([3, 4, 2], B=5, cost={result.cost:.6g})"
    assert repr(nudged).startswith("Nudged(3 parameters, passes=6, ")
    assert all("\n" not in r and len(r) < 200 for r in map(repr, (job, result, nudged)))
