"""Property tests: any valid spec gives finite results that agree with central differences;
anything else is refused with a SpecError that names a field."""

import json

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import model
from model import SpecError
from tests.support.reference import central_gradient, relative_error

SMOOTH = ["sigmoid", "tanh", "identity"]
settings.register_profile(
    "model", max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile("model")


@st.composite
def valid_specs(draw):
    layers = draw(st.lists(st.integers(1, 6), min_size=2, max_size=4))
    cost = draw(st.sampled_from(["squared_error", "cross_entropy"]))
    if cost == "cross_entropy":
        layers[-1] = max(layers[-1], 2)
    hidden = draw(
        st.lists(
            st.sampled_from(SMOOTH + ["relu"]), min_size=len(layers) - 1, max_size=len(layers) - 1
        )
    )
    activation = hidden[:-1] + ["softmax"] if cost == "cross_entropy" else hidden
    network = {
        "layers": layers,
        "activation": activation,
        "cost": cost,
        "init": {
            "seed": draw(st.integers(0, 2**32)),
            "scheme": draw(st.sampled_from(["scaled", "normal"])),
        },
    }
    size = draw(st.integers(1, 6))
    if draw(st.booleans()):
        batch = {"dataset": "random", "size": size, "seed": draw(st.integers(0, 2**32))}
    else:
        numbers = st.floats(-3, 3, allow_nan=False)
        batch = {
            "inputs": draw(
                st.lists(
                    st.lists(numbers, min_size=layers[0], max_size=layers[0]),
                    min_size=size,
                    max_size=size,
                )
            )
        }
        if cost == "cross_entropy" or draw(st.booleans()):
            batch["labels"] = draw(
                st.lists(st.integers(0, layers[-1] - 1), min_size=size, max_size=size)
            )
        else:
            batch["targets"] = draw(
                st.lists(
                    st.lists(numbers, min_size=layers[-1], max_size=layers[-1]),
                    min_size=size,
                    max_size=size,
                )
            )
    return {
        "network": network,
        "batch": batch,
        "methods": ["backprop", "naive"],
        "include": {"per_example": True},
    }


@given(valid_specs())
def test_valid_specs_give_finite_results_that_agree_with_central_differences(spec):
    out = model.run(spec)
    json.dumps(model.jsonable(out), allow_nan=False)  # finite everywhere, or this raises
    job = model.prepare(spec)
    names = [a.name for a in job.net.activations]
    ref_w, ref_b = central_gradient(
        job.net.weights, job.net.biases, names, job.net.cost_name, job.x, job.y
    )
    ours = np.concatenate(
        [np.ravel(g) for g in out["gradients"]["weights"] + out["gradients"]["biases"]]
    )
    ref = np.concatenate([g.ravel() for g in ref_w + ref_b])
    _, zs = job.net.feedforward(job.x)
    near_a_kink = any(name == "relu" and (np.abs(z) < 1e-4).any() for name, z in zip(names, zs))
    if not near_a_kink:  # relu has no derivative at 0: differences straddling it disagree
        assert relative_error(ours, ref) < 1e-6 or np.abs(ours - ref).max() < 1e-8
        assert out["naive"]["relative_error"] < 1e-6 or out["naive"]["max_abs_diff"] < 1e-8


BREAKERS = [
    lambda s: s["network"].update(layers="wide"),
    lambda s: s["network"].update(layers=[s["network"]["layers"][0]]),
    lambda s: s["network"].update(activation="swish"),
    lambda s: s["network"].update(cost=None),
    lambda s: s["network"].update(extra=1),
    lambda s: s["network"].update(init={"seed": -1}),
    lambda s: s["batch"].update(size=0, dataset="random", inputs=None, targets=None, labels=None),
    lambda s: s["batch"].pop("inputs", None) or s["batch"].pop("dataset", None),
    lambda s: s.update(methods=["magic"]),
    lambda s: s.update(naive={"epsilon": -1}),
    lambda s: s.update(batch=[]),
    lambda s: s.pop("network"),
]


@given(valid_specs(), st.sampled_from(range(len(BREAKERS))))
def test_invalid_specs_are_refused_with_a_field_and_a_message(spec, breaker):
    BREAKERS[breaker](spec)
    try:
        model.run(spec)
    except SpecError as refused:
        assert refused.errors and all(e["field"] and e["message"] for e in refused.errors)
    else:
        raise AssertionError(f"accepted {spec}")


@given(valid_specs(), st.sampled_from([float("nan"), float("inf"), -float("inf")]))
def test_non_finite_numbers_anywhere_are_refused(spec, bad):
    if "inputs" in spec["batch"]:
        spec["batch"]["inputs"][0][0] = bad
        field = "batch.inputs.0.0"
    else:
        spec["naive"] = {"epsilon": bad}
        field = "naive.epsilon"
    try:
        model.run(spec)
    except SpecError as refused:
        assert field in [e["field"] for e in refused.errors]
    else:
        raise AssertionError("accepted a non-finite number")
