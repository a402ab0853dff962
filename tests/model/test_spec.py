"""Bad specs are refused with one exception type that names the field and what was wrong."""

import json

import pytest

import model
from model import Limits, SpecError, parse_spec

GOOD = {"network": {"layers": [2, 3, 2]}, "batch": {"dataset": "random", "size": 4}}
W = [[[0.1, 0.2]] * 3, [[0.1, 0.2, 0.3]] * 2]
B = [[0.0] * 3, [0.0] * 2]


def spec(network=None, batch=None, **rest):
    return {
        "network": {**GOOD["network"], **(network or {})},
        "batch": batch or GOOD["batch"],
        **rest,
    }


BAD = [
    (spec({"layers": [2]}), "network.layers", "at least 2"),
    (spec({"layers": [2, 0, 2]}), "network.layers.1", "greater than or equal to 1"),
    (spec({"layers": [2, "three", 2]}), "network.layers.1", "integer"),
    (spec({"activation": "swish"}), "network.activation", "sigmoid"),
    (spec({"activation": ["relu"]}), "network.activation", "needs 2 names"),
    (
        spec({"activation": ["softmax", "sigmoid"]}),
        "network.activation",
        "only allowed on the output",
    ),
    (spec({"activation": ["relu", "softmax"]}), "network.activation", "needs cost 'cross_entropy'"),
    (
        spec({"activation": ["relu", "relu"], "cost": "cross_entropy"}),
        "network.activation",
        "needs a softmax output",
    ),
    (spec({"cost": "hinge"}), "network.cost", "squared_error"),
    (spec({"weights": W}), "network.biases", "together"),
    (spec({"weights": W[:1], "biases": B}), "network.weights", "needs 2 matrices"),
    (spec({"weights": [W[0][:2], W[1]], "biases": B}), "network.weights.0", "needs 3 rows"),
    (
        spec({"weights": [W[0], [[0.1, 0.2]] * 2], "biases": B}),
        "network.weights.1.0",
        "need 3 numbers",
    ),
    (spec({"weights": W, "biases": [B[0], [0.0]]}), "network.biases.1", "needs 2 numbers"),
    (
        spec({"weights": [W[0], [[0.1, 0.2, float("nan")]] * 2], "biases": B}),
        "network.weights.1.0.2",
        "finite",
    ),
    (spec({"weights": W, "biases": [B[0], [float("inf"), 0.0]]}), "network.biases.1.0", "finite"),
    (spec({"depth": 3}), "network.depth", "not a known field"),
    (spec(batch={"inputs": [], "targets": []}), "batch.inputs", "empty"),
    (spec(batch={"inputs": [[1, 2, 3]], "targets": [[1, 0]]}), "batch.inputs.0", "needs 2"),
    (spec(batch={"inputs": [[1, 2]], "targets": [[1, 0, 0]]}), "batch.targets.0", "needs 2"),
    (spec(batch={"inputs": [[1, 2]], "labels": [2]}), "batch.labels.0", "n_L is 2"),
    (spec(batch={"inputs": [[1, 2]], "labels": [0, 1]}), "batch.labels", "one row per input"),
    (spec(batch={"inputs": [[1, 2]]}), "batch.targets", "either 'targets' or 'labels'"),
    (
        spec(batch={"inputs": [[1, float("nan")]], "targets": [[1, 0]]}),
        "batch.inputs.0.1",
        "finite",
    ),
    (spec(batch={"dataset": "imagenet", "size": 3}), "batch.dataset", "'mnist', 'digits'"),
    (spec(batch={"dataset": "mnist", "size": 3}), "network.layers", "n_0 = 784"),
    (
        spec({"layers": [784, 10]}, batch={"dataset": "mnist", "size": 4001}),
        "batch.size",
        "the mnist train split has 4000 examples",
    ),
    (
        spec(
            {"layers": [784, 10]},
            batch={"dataset": "mnist", "split": "test", "indices": [999, 1000]},
        ),
        "batch.indices.1",
        "the mnist test split has 1000 examples (0..999), got 1000",
    ),
    (
        spec({"layers": [784, 10]}, batch={"dataset": "mnist", "split": "dev", "size": 2}),
        "batch.split",
        "'train' or 'test'",
    ),
    (
        spec({"layers": [64, 10]}, batch={"dataset": "digits", "split": "test", "size": 2}),
        "batch.split",
        "only applies to the mnist dataset",
    ),
    (
        spec({"preset": "lesson-trained", "layers": [2, 2]}),
        "network.layers",
        "the preset 'lesson-trained' is the [784, 16, 16, 10] network",
    ),
    (
        spec({"preset": "lesson-trained", "weights": W, "biases": B}),
        "network.weights",
        "brings its own parameters",
    ),
    (
        {"network": {"preset": "lesson-big"}, "batch": {"dataset": "random", "size": 2}},
        "network.preset",
        "'lesson-untrained'",
    ),
    (
        {"network": {}, "batch": {"dataset": "random", "size": 2}},
        "network.layers",
        "or give a preset",
    ),
    (spec(train={"steps": 0}), "train.steps", "greater than or equal to 1"),
    (
        spec(train={"steps": 3, "batch_size": 2, "learning_rate": -1}),
        "train.learning_rate",
        "greater than 0",
    ),
    (
        spec(batch={"inputs": [[1, 2]], "labels": [0]}, train={"steps": 3, "batch_size": 2}),
        "train.batch_size",
        "a mini-batch of 2 from a training pool of 1",
    ),
    (
        spec(
            {"layers": [784, 10]},
            batch={"dataset": "mnist", "size": 2},
            include={"averaging": True},
            averaging={"sizes": [1, 5000]},
        ),
        "averaging.sizes.1",
        "a mini-batch of 5000 from a training pool of 4000",
    ),
    (spec(train={"steps": 2, "method": "guess"}), "train.method", "'backprop' or 'naive'"),
    (spec(include={"parameters": True}), "include.parameters", "need 'train'"),
    (spec(batch={"dataset": "digits", "size": 3}), "network.layers", "n_0 = 64 or 784"),
    (
        spec({"layers": [64, 10]}, batch={"dataset": "digits", "size": 0}),
        "batch.size",
        "greater than or equal to 1",
    ),
    (
        spec({"layers": [64, 10]}, batch={"dataset": "digits", "size": 5000}),
        "batch.size",
        "1797 examples",
    ),
    (
        spec({"layers": [64, 3]}, batch={"dataset": "digits", "size": 5}),
        "network.layers",
        "n_L = 10",
    ),
    (
        spec({"layers": [64, 10]}, batch={"dataset": "digits", "indices": [1, 1797]}),
        "batch.indices.1",
        "digits has 1797 examples (0..1796), got 1797",
    ),
    (spec(batch={"dataset": "random"}), "batch.size", "needs 'size'"),
    (spec(batch={"dataset": "random", "size": 2, "inputs": [[1, 2]]}), "batch.inputs", "not both"),
    (spec(methods=[]), "methods", "at least 1"),
    (spec(methods=["guess"]), "methods.0", "backprop"),
    (spec(naive={"difference": "backward"}), "naive.difference", "central"),
    (spec(naive={"epsilon": 0}), "naive.epsilon", "greater than 0"),
    (spec(naive={"sample": 1000}, methods=["naive"]), "naive.sample", "has 17 parameters"),
    (spec(include={"everything": True}), "include.everything", "not a known field"),
    ([1, 2], "(body)", "valid dictionary"),
    ({"network": {"layers": [2, 2]}}, "batch", "Field required"),
]


@pytest.mark.parametrize("data,field,words", BAD)
def test_bad_specs_name_the_field(data, field, words):
    with pytest.raises(SpecError) as refused:
        model.run(data)
    fields = [e["field"] for e in refused.value.errors]
    assert field in fields, refused.value.errors
    message = next(e["message"] for e in refused.value.errors if e["field"] == field)
    assert words in message
    assert isinstance(refused.value, ValueError)
    json.dumps(refused.value.errors, allow_nan=False)  # the API sends it as it is


LIMITS = Limits(
    max_layers=3,
    max_width=100,
    max_batch=50,
    max_parameters=5000,
    max_naive_multiply_adds=10**6,
    max_per_example_numbers=10**4,
)


@pytest.mark.parametrize(
    "data,field,limit",
    [
        (spec({"layers": [2, 3, 3, 3, 2]}), "network.layers", 3),
        (spec({"layers": [2, 300, 2]}), "network.layers", 100),
        (spec({"layers": [2, 90, 60, 2]}), "network.layers", 5000),
        (spec(batch={"dataset": "random", "size": 51}), "batch.size", 50),
        (
            spec(
                {"layers": [64, 60, 10]}, batch={"dataset": "digits", "size": 50}, methods=["naive"]
            ),
            "naive",
            10**6,
        ),
        (
            spec(
                {"layers": [64, 60, 10]},
                batch={"dataset": "digits", "size": 50},
                include={"per_example": True},
            ),
            "include.per_example",
            10**4,
        ),
    ],
)
def test_limits_are_refused_with_the_limit(data, field, limit):
    with pytest.raises(SpecError) as refused:
        parse_spec(data, LIMITS)
    error = next(e for e in refused.value.errors if e["field"] == field)
    assert error["limit"] == limit
    assert str(limit) in error["message"] or f"{limit:.3g}" in error["message"]
    parse_spec(data)  # without limits the library runs it


def test_the_naive_limit_answers_with_the_estimate():
    data = spec(
        {"layers": [64, 60, 10]}, batch={"dataset": "digits", "size": 50}, methods=["naive"]
    )
    with pytest.raises(SpecError) as refused:
        parse_spec(data, LIMITS)
    estimate = refused.value.errors[0]["estimate"]
    assert estimate["parameters"] == 60 * 65 + 10 * 61
    assert estimate["naive_passes"] == 2 * estimate["parameters"]
    assert estimate["naive_multiply_adds"] == estimate["naive_passes"] * 50 * (64 * 60 + 60 * 10)
    small = {**data, "naive": {"sample": 2}}
    assert parse_spec(small, LIMITS).naive.sample == 2


@pytest.mark.parametrize(
    "extra, field",
    [
        ({"train": {"steps": 2, "batch_size": 10**400}}, "train.batch_size"),
        ({"include": {"averaging": True}, "averaging": {"sizes": [10**400]}}, "averaging.sizes.0"),
    ],
)
def test_a_mini_batch_larger_than_the_pool_is_refused_before_any_estimate(extra, field):
    """JSON integers have no bound: a mini-batch of 10**400 would make the training estimate
    an integer that the limit's message cannot format as a float (OverflowError, a 500)."""
    data = spec(**extra)
    limits = Limits(max_training_multiply_adds=10**9, max_naive_multiply_adds=10**9)
    with pytest.raises(SpecError) as refused:
        parse_spec(data, limits)
    assert [e["field"] for e in refused.value.errors] == [field]
    assert "from a training pool of 4 examples" in refused.value.errors[0]["message"]


def test_one_activation_name_with_cross_entropy_puts_softmax_on_the_output():
    parsed = parse_spec(spec({"activation": "tanh", "cost": "cross_entropy"}))
    assert parsed.network.activations == ["tanh", "softmax"]


def test_overflowing_networks_are_refused_at_run_time():
    huge = [[[1e300, 1e300]] * 3, [[1e300] * 3] * 2]
    with pytest.raises(SpecError, match="not finite"):
        model.run(spec({"activation": "identity", "weights": huge, "biases": B}))
