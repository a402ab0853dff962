"""Faults, really done: a worker killed mid-job, Redis stopped under the API and restarted.

Each test starts the processes it harms (its own workers, its own redis-server), so the
session's shared Redis, worker and API stay healthy. The tests that take `broker` run once per
broker: Redis, and RabbitMQ (this run's vhost) for the queues with Redis for the records.
"""

from __future__ import annotations

import os
import signal
import time

import numpy as np
import redis
import requests

import model
from tests.support.parts import ends, in_mid_part
from tests.support.processes import (
    api_server,
    free_port,
    sender_app,
    start_redis,
    stop,
    worker_process,
)
from tests.support.specs import example
from tests.support.waiting import poll, wait_until

LESSON = example("lesson-784-16-16-10")
TINY = example("tiny-2-3-2")


def test_a_worker_killed_mid_job_loses_nothing_and_duplicates_nothing(
    broker, broker_url, redis_url, queue_prefix, tmp_path
):
    """Workers A and B share a split job; A is SIGKILLed with its pool in the middle of a part.
    The part comes back to B: on RabbitMQ at once (A's connection dropped), on Redis after the
    visibility timeout (10 s here, longer than a part, else every part would run again and
    again; on RabbitMQ it is left at its default of minutes, far past PATIENCE, to show that
    nothing waits for it). The result is complete (every gradient) and the passes are counted
    exactly once."""
    prefix = f"{queue_prefix}kill-"
    # 3 parts of about a second each, so that A can be caught in the first half of one
    settings = {"NAIVE_PARTS": "3"} | ({"VISIBILITY_TIMEOUT": "10"} if broker == "redis" else {})
    with (
        api_server(redis_url, prefix, broker_url) as url,
        worker_process(redis_url, prefix, tmp_path, "-a", broker_url=broker_url, **settings) as a,
        worker_process(redis_url, prefix, tmp_path, "-b", broker_url=broker_url, **settings),
    ):
        job_id = requests.post(f"{url}/v1/jobs", json=LESSON, timeout=10).json()["id"]
        control = sender_app(redis_url, prefix, broker_url).control
        wait_until(lambda: in_mid_part(redis_url, control, a.name), "A in the middle of a part")
        os.killpg(a.pid, signal.SIGKILL)
        a.wait()
        killed_at = time.monotonic()
        job = poll(url, job_id, lambda j: j["status"] not in ("queued", "running"))
    print(f"{broker}: the job ended {time.monotonic() - killed_at:.1f} s after the kill")
    assert job["status"] == "succeeded", job["error"]
    naive = job["result"]["naive"]
    assert naive["passes"] == 2 * 13_002 and job["progress"] == {"done": 26_004, "total": 26_004}
    assert ends(redis_url, job_id) == [b"succeeded"]  # recorded once
    expected = model.run(LESSON | {"methods": ["backprop"]})["gradients"]
    for kind in ("weights", "biases"):
        for got, exp in zip(naive["gradients"][kind], expected[kind]):
            np.testing.assert_allclose(got, exp, rtol=1e-5, atol=1e-8)


def test_a_lone_worker_killed_mid_job_is_replaced_and_the_job_resumes_at_once(
    queue_prefix, tmp_path
):
    """The only worker is SIGKILLed with its pool; a new one finds no other worker alive, so it
    hands out the orphaned messages before it starts, without waiting for the visibility
    timeout (left at its default of 2 x the hard limit + 60 s, far past PATIENCE)."""
    port, prefix = free_port(), f"{queue_prefix}lone-"
    url = f"redis://127.0.0.1:{port}/0"
    server = start_redis(port, tmp_path)
    try:
        with api_server(url, prefix) as base:
            with worker_process(url, prefix, tmp_path, "-a", NAIVE_PARTS="2") as a:
                job_id = requests.post(f"{base}/v1/jobs", json=LESSON, timeout=10).json()["id"]
                poll(base, job_id, lambda j: (j["progress"] or {}).get("done", 0) > 0)
                os.killpg(a.pid, signal.SIGKILL)
                a.wait()
            assert redis.Redis.from_url(url).hlen("unacked") >= 1
            with worker_process(url, prefix, tmp_path, "-b", NAIVE_PARTS="2"):
                job = poll(base, job_id, lambda j: j["status"] not in ("queued", "running"))
        assert job["status"] == "succeeded", job["error"]
        assert job["result"]["naive"]["passes"] == 2 * 13_002
        assert job["result"]["naive"]["relative_error"] < 1e-7
    finally:
        stop(server)


def test_redis_stopped_gives_503s_and_the_service_recovers_with_queued_jobs_kept(
    broker_url, queue_prefix, tmp_path
):
    """With an append-only Redis: a job queued while no worker runs survives a Redis restart;
    while Redis is down every answer is a 503 problem document, and when it returns on the same
    port the API and a worker carry on by themselves. (With RabbitMQ the queued message waits
    there, and its record in Redis.)"""
    port, prefix = free_port(), f"{queue_prefix}outage-"
    url = f"redis://127.0.0.1:{port}/0"
    server = start_redis(port, tmp_path, appendonly=True)
    try:
        with api_server(url, prefix, broker_url) as base:
            queued = requests.post(f"{base}/v1/jobs", json=TINY, timeout=10).json()["id"]
            stop(server)
            for method, path, body in [
                ("post", "/v1/jobs", TINY),
                ("get", f"/v1/jobs/{queued}", None),
                ("get", "/v1/ready", None),
            ]:
                # the client's timeout is the bound: the API answers, it does not hang
                reply = requests.request(method, base + path, json=body, timeout=15)
                assert reply.status_code == 503, (path, reply.text)
                assert reply.headers["Content-Type"] == "application/problem+json"
                assert reply.json()["status"] == 503 and "Redis" in reply.json()["detail"]
            server = start_redis(port, tmp_path, appendonly=True)
            assert requests.get(f"{base}/v1/jobs/{queued}", timeout=15).json()["status"] == "queued"
            with worker_process(url, prefix, tmp_path, broker_url=broker_url):
                assert poll(base, queued, lambda j: j["status"] == "succeeded")["result"]
                wait_until(lambda: requests.get(f"{base}/v1/ready", timeout=15).ok, "ready")
                # the worker carries on through an outage of its own
                stop(server)
                server = start_redis(port, tmp_path, appendonly=True)
                wait_until(lambda: requests.get(f"{base}/v1/ready", timeout=15).ok, "ready")
                after = requests.post(f"{base}/v1/jobs?wait=10", json=TINY, timeout=15)
                assert after.status_code == 200 and after.json()["status"] == "succeeded"
    finally:
        stop(server)
