"""A big naive job runs as parts (a Celery chord) and joins into the single-process result.

The session worker splits at the default NAIVE_SPLIT_PASSES (10,000) into NAIVE_PARTS (4)
parts; the lesson's net (13,002 parameters) is over it, the tiny net far under it. The chord
runs on both brokers (`broker_api`); on RabbitMQ its parts' results still meet in Redis.
"""

from __future__ import annotations

import numpy as np
import pytest
import redis
import requests

import model
from tests.support.specs import example
from tests.support.waiting import ended
from worker.records import JobStore

LESSON = example("lesson-784-16-16-10")
FORWARD = LESSON | {"naive": {"difference": "forward"}}
TINY = example("tiny-2-3-2")


def finished(api: str, spec) -> dict:
    return ended(api, requests.post(f"{api}/v1/jobs", json=spec, timeout=10).json()["id"])


def relative_error(result: dict) -> float:
    """||g_naive - g_backprop|| / (||g_naive|| + ||g_backprop||) over every parameter."""
    naive, backprop = (
        np.concatenate([np.ravel(a) for kind in ("weights", "biases") for a in gradients[kind]])
        for gradients in (result["naive"]["gradients"], result["gradients"])
    )
    return float(
        np.linalg.norm(naive - backprop) / (np.linalg.norm(naive) + np.linalg.norm(backprop))
    )


def part_fields(redis_url: str, job_id: str) -> list[str]:
    raw = redis.Redis.from_url(redis_url, decode_responses=True).hkeys(JobStore.key(job_id))
    return sorted(k for k in raw if k.startswith("done:"))


def test_forward_parts_join_into_the_single_process_result_with_p_plus_1_passes(
    live_api, redis_url
):
    job = finished(live_api, FORWARD)
    assert job["status"] == "succeeded", job["error"]
    assert part_fields(redis_url, job["id"]) == [
        "done:0",
        "done:1",
        "done:2",
        "done:3",
        "done:base",
    ]
    expected = model.run(FORWARD)
    naive, want = job["result"]["naive"], expected["naive"]
    assert naive["passes"] == want["passes"] == 13_002 + 1
    assert job["progress"] == {"done": 13_003, "total": 13_003}
    # one BLAS thread in the worker, maybe more here: sums are reordered, and a forward
    # difference divides that rounding (~1e-16) by eps (1e-8)
    for kind in ("weights", "biases"):
        for got, exp in zip(naive["gradients"][kind], want["gradients"][kind]):
            np.testing.assert_allclose(got, exp, rtol=1e-6, atol=1e-6)
    # the relative error is rounding noise over eps here, so it is recomputed from the JSON
    # (the job's own two gradients), not compared with this process' run
    assert naive["relative_error"] == pytest.approx(relative_error(job["result"]), rel=1e-6)
    assert job["result"]["timing"]["naive"]["passes"] == 13_003


def test_central_parts_give_2p_passes_and_every_gradient(broker_api, redis_url):
    job = finished(broker_api, LESSON)
    assert job["status"] == "succeeded", job["error"]
    assert part_fields(redis_url, job["id"]) == ["done:0", "done:1", "done:2", "done:3"]
    naive = job["result"]["naive"]
    assert naive["passes"] == job["progress"]["done"] == 2 * 13_002
    assert naive["relative_error"] < 1e-6
    expected = model.run(LESSON | {"methods": ["backprop"]})
    for kind in ("weights", "biases"):
        for got, exp in zip(naive["gradients"][kind], expected["gradients"][kind]):
            np.testing.assert_allclose(got, exp, rtol=1e-5, atol=1e-8)


def test_a_small_job_stays_one_task(broker_api, redis_url):
    job = finished(broker_api, TINY)
    assert job["status"] == "succeeded" and part_fields(redis_url, job["id"]) == []
