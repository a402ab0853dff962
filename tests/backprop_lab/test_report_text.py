"""The terminal tables, from model.run's results (no service)."""

from __future__ import annotations

import pytest

import model
from backprop_lab import report
from tests.support.specs import example


def job(spec: dict) -> dict:
    return {
        "id": "abc",
        "status": "succeeded",
        "spec": spec,
        "result": model.jsonable(model.run(spec)),  # as the client reads it
        "error": None,
        "progress": None,
        "created_at": "2024-01-01T00:00:00Z",
    }


def test_tiny_summary_has_timing_naive_check_and_one_row_per_layer():
    spec = example("tiny-2-3-2")
    text = report.summary(job(spec))
    assert text.startswith("abc  succeeded  2-3-2  backprop+naive")
    assert "naive central, all parameters (measured)" in text
    assert "nudged all 17 of 17 parameters" in text
    rows = text.split("consistency\n")[-1].splitlines()[1:]
    assert [r.split()[:3] for r in rows] == [["1", "3", "sigmoid"], ["2", "2", "sigmoid"]]


def test_sampled_naive_shows_the_run_and_the_estimate():
    spec = {
        "network": {"layers": [4, 5, 3]},
        "batch": {"dataset": "random", "size": 4, "seed": 0},
        "methods": ["backprop", "naive"],
        "naive": {"sample": 6, "seed": 1},
        "include": {"layers": False},
    }
    text = report.summary(job(spec))
    assert "naive central, as run" in text
    assert "all parameters (estimated from the sample)" in text
    assert "nudged a sample of 6 of 43 parameters" in text and "|bias way|" not in text


def test_a_training_job_shows_its_curves_ends_and_the_averaging():
    spec = {
        "network": {"layers": [4, 3, 2], "init": {"seed": 1}},
        "batch": {"dataset": "random", "size": 8, "seed": 2},
        "train": {"steps": 12, "batch_size": 4, "learning_rate": 0.5, "eval_every": 6},
        "include": {"averaging": True},
        "averaging": {"sizes": [1, 8], "draws": 2},
    }
    done = job(spec)
    text = report.summary(done)
    training = done["result"]["training"]
    assert "training 12 steps (backprop, mini-batch 4, learning rate 0.5)" in text
    assert (
        f"mini-batch cost {report.number(training['cost'][0])} -> "
        f"{report.number(training['cost'][-1])}; accuracy (the batch)"
    ) in text
    assert "(estimated, 47 passes)" in text  # 2 x 23 parameters + the cost's pass
    sizes = done["result"]["averaging"]["sizes"]
    assert (
        f"by batch size  1: {report.number(sizes[0]['overall'], 2)}  8: "
        f"{report.number(sizes[1]['overall'], 2)}"
    ) in text


def test_failed_job_shows_its_error():
    failed = {
        "id": "x",
        "status": "failed",
        "spec": {},
        "result": None,
        "error": {"type": "about:blank", "title": "Job failed", "detail": "boom"},
    }
    assert report.summary(failed).splitlines()[1] == "error: Job failed: boom"


@pytest.mark.parametrize(
    "x, text",
    [
        (None, "-"),
        (0.0, "0"),
        (0.5, "0.5"),
        (12345.6, "12,346"),
        (1e-7, "1.00e-07"),
        (3e8, "3.00e+08"),
    ],
)
def test_number(x, text):
    assert report.number(x) == text


@pytest.mark.parametrize(
    "x, text",
    [
        (7200, "2 h"),
        (1070, "17.8 min"),
        (99, "99 s"),
        (2.5, "2.5 s"),
        (0.0123, "12.3 ms"),
        (4e-6, "4 us"),
        (5e-8, "50 ns"),
    ],
)
def test_seconds(x, text):
    assert report.seconds(x) == text


def test_table_aligns_columns():
    lines = report.table(["a", "bb"], [["xyz", "1"], ["q", "12345"]]).splitlines()
    assert lines == ["a       bb", "---  -----", "xyz      1", "q    12345"]
