"""GET /metrics over real HTTP, parsed with prometheus_client's own parser. A Redis of its own
(the counts are the whole service's, so no other test's job may move them), a real worker and
the API: the counters move by exactly the jobs that ran, queue depth counts the messages no
worker has taken (and is absent, with the reason, when the broker cannot be asked), the
held-waits gauge rises during a ?wait and falls after, and access follows API_KEYS."""

from __future__ import annotations

import secrets
import threading
import time
from collections import Counter
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
import redis
import requests

from api.metrics import REASONS
from tests.support import rabbitmq
from tests.support.observe import scrape
from tests.support.processes import (
    api_server,
    celery_worker,
    free_port,
    redis_server,
    start_redis,
    stop,
)
from tests.support.specs import OVERFLOW, example
from tests.support.waiting import PATIENCE, poll, wait_until
from worker import keyspace
from worker.queues import CLASSES
from worker.records import TERMINAL

TINY = example("tiny-2-3-2")
LESSON = example("lesson-784-16-16-10")
LONG = LESSON | {"batch": {"dataset": "digits", "resolution": 28, "size": 1000, "seed": 0}}
PREFIX, IDLE = "metrics-", "metrics-no-worker-"  # queue prefixes: the idle ones have no worker
WAITS = ("backprop_lab_held_requests", (("kind", "wait"),))
DEPTH, UP = "backprop_lab_queue_depth", "backprop_lab_queue_depth_up"


@pytest.fixture(scope="module")
def own_redis(tmp_path_factory) -> Iterator[str]:
    with redis_server(tmp_path_factory.mktemp("metrics-redis")) as url:
        yield url


@pytest.fixture(scope="module")
def service(own_redis: str, tmp_path_factory) -> Iterator[str]:
    """The API and a worker (both queues) on the module's own Redis; yields the API's URL."""
    with celery_worker(own_redis, PREFIX, tmp_path_factory.mktemp("metrics-worker")):
        with api_server(own_redis, PREFIX, max_wait=5.0) as url:
            yield url


@pytest.fixture(scope="module")
def idle(own_redis: str) -> Iterator[str]:
    """An API on the same Redis whose queues no worker takes from: its jobs stay queued."""
    with api_server(own_redis, IDLE, max_wait=3.0) as url:
        yield url


def rises(before: dict, after: dict) -> dict[tuple[str, tuple], float]:
    return {
        key: after[key] - before.get(key, 0.0)
        for key in after
        if after[key] != before.get(key, 0.0)
    }


def submitted(job_class: str) -> tuple[str, tuple]:
    return "backprop_lab_jobs_submitted_total", (("class", job_class),)


def finished(job_class: str, status: str) -> tuple[str, tuple]:
    return "backprop_lab_jobs_finished_total", (("class", job_class), ("status", status))


def test_counters_move_by_exactly_the_jobs_that_ran(service):
    before = scrape(service)
    succeeded = requests.post(f"{service}/v1/jobs?wait=5", json=TINY, timeout=PATIENCE).json()
    failed = requests.post(f"{service}/v1/jobs?wait=5", json=OVERFLOW, timeout=PATIENCE).json()
    long = requests.post(f"{service}/v1/jobs", json=LONG, timeout=PATIENCE).json()
    poll(service, long["id"], lambda j: j["status"] == "running" and j["progress"]["done"] > 0)
    requests.post(f"{service}/v1/jobs/{long['id']}/cancel", timeout=10)
    cancelled = poll(service, long["id"], lambda j: j["status"] in TERMINAL)
    jobs = (succeeded, failed, cancelled)
    assert [j["status"] for j in jobs] == ["succeeded", "failed", "cancelled"], jobs
    after = scrape(service)
    rise = rises(before, after)
    passes = sum(j["progress"]["done"] for j in jobs if j["progress"])
    assert passes > succeeded["progress"]["total"] > 0  # the cancelled job's passes count too
    expected = Counter({("backprop_lab_naive_passes_total", ()): passes})
    for job in jobs:
        expected[submitted(job["class"])] += 1
        expected[finished(job["class"], job["status"])] += 1
        source = "cache" if job["cache"] == "hit" else "computed"  # the result cache's count
        expected[("backprop_lab_results_total", (("source", source),))] += 1
    # the counters (not the histogram, below, nor queue depth: the cancelled job's parts may
    # still wait in the batch queue until the worker drops them)
    counters = {k: v for k, v in rise.items() if k[0].endswith("_total")}
    assert counters == expected, (rise, jobs)
    # all three started, so all three are in their class's run time histogram
    for job_class, count in Counter(j["class"] for j in jobs).items():
        labels = (("class", job_class),)
        assert rise[("backprop_lab_job_run_seconds_count", labels)] == count
        assert rise[("backprop_lab_job_run_seconds_bucket", labels + (("le", "+Inf"),))] == count
        assert rise[("backprop_lab_job_run_seconds_sum", labels)] > 0
        buckets = sorted(
            (float(dict(labels)["le"]), value)
            for (name, labels), value in after.items()
            if name == "backprop_lab_job_run_seconds_bucket" and dict(labels)["class"] == job_class
        )
        assert [value for _, value in buckets] == sorted(value for _, value in buckets)


def test_queue_depth_counts_the_jobs_no_worker_has_taken(idle):
    depth = ("backprop_lab_queue_depth", (("queue", f"{IDLE}interactive"),))
    before = scrape(idle)
    jobs = [
        requests.post(f"{idle}/v1/jobs?cache=false", json=TINY, timeout=10).json() for _ in range(3)
    ]
    assert {job["class"] for job in jobs} == {"interactive"}
    assert scrape(idle)[depth] == before[depth] + 3
    for job in jobs:
        assert (
            requests.post(f"{idle}/v1/jobs/{job['id']}/cancel", timeout=10).json()["status"]
            == "cancelled"
        )
    # a cancelled job's message stays in the queue until a worker takes and drops it
    assert rises(before, scrape(idle)) == {
        submitted("interactive"): 3,
        finished("interactive", "cancelled"): 3,
        depth: 3,
    }


def test_the_held_waits_gauge_rises_during_a_wait_and_falls_after(idle, own_redis):
    assert scrape(idle)[WAITS] == 0
    answers = []
    holder = threading.Thread(
        target=lambda: answers.append(
            requests.post(f"{idle}/v1/jobs?wait=3&cache=false", json=TINY, timeout=PATIENCE).json()
        )
    )
    holder.start()
    wait_until(lambda: scrape(idle)[WAITS] == 1 or not holder.is_alive(), "the held wait")
    assert holder.is_alive(), "the ?wait answered before the gauge counted it"
    holder.join()
    assert answers[0]["status"] == "queued" and scrape(idle)[WAITS] == 0
    requests.delete(f"{idle}/v1/jobs/{answers[0]['id']}", timeout=10)
    # a process that died holding a wait: its entry's horizon has passed, so it is not counted
    redis.Redis.from_url(own_redis).zadd(keyspace.held("wait"), {"dead-process": time.time() - 1})
    assert scrape(idle)[WAITS] == 0


def test_metrics_need_a_key_when_keys_are_set(own_redis):
    key = "metrics-key-0123456789"
    with api_server(own_redis, IDLE, api_keys=(key,)) as base:
        refused = requests.get(f"{base}/metrics", timeout=10)
        assert refused.status_code == 401 and refused.headers["WWW-Authenticate"].startswith(
            "Bearer"
        )
        assert refused.headers["Content-Type"] == "application/problem+json"
        wrong = requests.get(f"{base}/metrics", headers={"X-API-Key": "wrong"}, timeout=10)
        assert wrong.status_code == 401
        for given in ({"Authorization": f"Bearer {key}"}, {"X-API-Key": key}):
            assert WAITS in scrape(base, given)
        document = requests.get(f"{base}/openapi.json", timeout=10).json()["paths"]["/metrics"]
        assert "401" in document["get"]["responses"] and document["get"]["security"]
    with api_server(own_redis, IDLE) as base:  # keys off: open, like the jobs
        reply = requests.get(f"{base}/metrics", timeout=10)
        assert reply.headers["Content-Type"] == "text/plain; version=0.0.4; charset=utf-8"
        assert WAITS in scrape(base)


def test_queue_depth_on_rabbitmq_counts_the_waiting_messages(own_redis, rabbitmq_url):
    """The broker is asked at scrape time: on RabbitMQ, a passive declare's message_count."""
    prefix = "metrics-rabbitmq-no-worker-"
    depth = ("backprop_lab_queue_depth", (("queue", f"{prefix}interactive"),))
    with api_server(own_redis, prefix, rabbitmq_url) as base:
        before = scrape(base)[depth]
        jobs = [
            requests.post(f"{base}/v1/jobs?cache=false", json=TINY, timeout=10).json()
            for _ in range(2)
        ]
        assert scrape(base)[depth] == before + 2
        for job in jobs:
            requests.delete(f"{base}/v1/jobs/{job['id']}", timeout=10)


def depths(samples: dict) -> dict[str, float]:
    return {dict(labels)["queue"]: v for (name, labels), v in samples.items() if name == DEPTH}


def up(samples: dict) -> dict[str, float]:
    """reason -> value of the depth's up gauge (reason "" while the broker answers)."""
    return {dict(labels)["reason"]: v for (name, labels), v in samples.items() if name == UP}


def test_a_redis_broker_that_is_stopped_gives_no_depth_and_says_why(own_redis, tmp_path):
    """The records' Redis answers; the broker, a Redis of its own, is asked, then stopped."""
    prefix, port = "metrics-stopped-broker-", free_port()
    broker = start_redis(port, tmp_path)
    try:
        with api_server(own_redis, prefix, f"redis://127.0.0.1:{port}/0") as base:
            asked = scrape(base)
            assert up(asked) == {"": 1} and depths(asked) == {prefix + c: 0 for c in CLASSES}
            stop(broker)
            outage = scrape(base)
            assert depths(outage) == {}  # not a zero: absent
            assert up(outage) == {"unreachable": 0}
            assert WAITS in outage  # the rest of the scrape stands: its Redis answers
    finally:
        stop(broker)


def test_a_rabbitmq_vhost_that_is_deleted_gives_no_depth_and_says_why(own_redis, rabbitmq_url):
    """A vhost of the test's own on the machine's RabbitMQ (rabbitmq_url: RabbitMQ and
    rabbitmqctl are there), asked, then deleted under the API."""
    prefix, name = "metrics-deleted-vhost-", f"backprop-lab-test-{secrets.token_hex(4)}"
    rabbitmq.rabbitmqctl("add_vhost", name)
    deleted = False
    try:
        user = urlsplit(rabbitmq.SERVER).username or "guest"
        rabbitmq.rabbitmqctl("set_permissions", "-p", name, user, ".*", ".*", ".*")
        with api_server(own_redis, prefix, f"{rabbitmq.SERVER}/{name}") as base:
            asked = scrape(base)  # no queue is declared yet: each has no message waiting
            assert up(asked) == {"": 1} and depths(asked) == {prefix + c: 0 for c in CLASSES}
            rabbitmq.rabbitmqctl("delete_vhost", name)
            deleted = True
            outage = scrape(base)
            assert depths(outage) == {} and up(outage) == {"refused": 0}
            assert set(up(outage)) <= set(REASONS)
    finally:
        if not deleted:
            rabbitmq.rabbitmqctl("delete_vhost", name)
