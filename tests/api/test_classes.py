"""The job class from the spec alone (pure: no service): the report's work and the result's
size count, so a big network's backprop-only job is batch however few its passes."""

from __future__ import annotations

import pytest

import model
from api import classes
from worker.queues import BATCH, INTERACTIVE
from worker.settings import Settings

SETTINGS = Settings()


def class_of(spec: dict) -> str:
    return classes.job_class(
        model.parse_spec(spec),
        SETTINGS.interactive_seconds,
        SETTINGS.naive_split_passes,
        SETTINGS.interactive_result_bytes,
    )


def net(layers: list[int], size: int, **more) -> dict:
    return {
        "network": {"layers": layers, "init": {"seed": 0}},
        "batch": {"dataset": "random", "size": size, "seed": 0},
    } | more


BIG = net([999, 1000], 1)  # 1,000,000 parameters at batch 1, backprop only


def test_a_999_by_1000_network_at_batch_1_is_batch():
    spec = model.parse_spec(BIG)
    assert model.estimate_cost(spec)["naive_passes"] == 0
    size = model.estimate_result(spec)
    # gradients, the three ways (three arrays of the weights' shape) and the wishes: 3 million
    # numbers, about 65 MB of JSON; the old estimate (backprop's multiply-adds only) said 3 ms
    assert sum(size["floats"].values()) > 3_000_000
    assert size["json_bytes"] > 60_000_000
    assert classes.estimated_seconds(spec) > 0.4
    assert class_of(BIG) == BATCH


def test_without_its_big_blocks_the_same_network_is_interactive():
    small = BIG | {"include": {"gradients": False, "layers": False}}
    assert class_of(small) == INTERACTIVE


@pytest.mark.parametrize(
    ("spec", "job_class"),
    [
        (net([2, 3, 2], 1), INTERACTIVE),
        (net([784, 16, 16, 10], 100), INTERACTIVE),
        # a result's floats count: every example's detail of a wide net is batch
        (net([784, 64, 64, 10], 20, include={"per_example": True}), BATCH),
        # a pass of 238 million multiply-adds, repeated by the timing block up to 51 times
        (net([784, 300, 10], 1000), BATCH),
    ],
)
def test_the_class_counts_the_reports_work(spec, job_class):
    assert class_of(spec) == job_class


def test_the_timing_repeats_count_as_the_spec_asks():
    spec = model.parse_spec(net([784, 100, 10], 1000))
    fixed = model.parse_spec(net([784, 100, 10], 1000, timing={"repeats": 50}))
    # 51 forward passes and 51 backprops (3 passes each) against at most 12 of each
    per_pass = model.estimate_cost(spec)["multiply_adds_per_pass"] / classes.BACKPROP_RATE
    gained = classes.estimated_seconds(fixed) - classes.estimated_seconds(spec)
    assert gained >= (4 * 51 - 4 * 12) * per_pass * 0.999
