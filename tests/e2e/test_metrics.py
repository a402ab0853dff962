"""GET /metrics over real HTTP, parsed with prometheus_client's own parser: the families are
there, the counters move when jobs run, queue depths count waiting messages, and access follows
the API key setting."""

from __future__ import annotations

import json
from pathlib import Path

import redis
import requests
from observe import PATIENCE, scrape, serve

from api import create_app
from worker.queues import names
from worker.settings import Settings

TINY = json.loads((Path(__file__).resolve().parents[2] / "examples" / "tiny-2-3-2.json")
                  .read_text())
FAMILIES = ("backprop_lab_jobs_submitted_total", "backprop_lab_jobs_finished_total",
            "backprop_lab_job_run_seconds_bucket", "backprop_lab_job_run_seconds_count",
            "backprop_lab_job_run_seconds_sum", "backprop_lab_naive_passes_total",
            "backprop_lab_held_requests", "backprop_lab_queue_depth")


def value(samples, name: str, **labels) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def test_the_counters_move_when_a_job_runs(live_api):
    before = scrape(live_api)
    assert {name for name, _ in before} >= set(FAMILIES)
    job = requests.post(f"{live_api}/v1/jobs?wait=5", json=TINY, timeout=PATIENCE).json()
    assert job["status"] == "succeeded" and job["class"] == "interactive"
    after = scrape(live_api)

    def rise(name: str, **labels) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert rise("backprop_lab_jobs_submitted_total", **{"class": "interactive"}) >= 1
    assert rise("backprop_lab_jobs_finished_total", status="succeeded",
                **{"class": "interactive"}) >= 1
    assert rise("backprop_lab_job_run_seconds_count", **{"class": "interactive"}) >= 1
    assert rise("backprop_lab_job_run_seconds_bucket", le="+Inf", **{"class": "interactive"}) \
        == rise("backprop_lab_job_run_seconds_count", **{"class": "interactive"})
    assert rise("backprop_lab_naive_passes_total") >= 34  # central differences, 17 parameters
    # the histogram's buckets are cumulative
    buckets = sorted((float(dict(labels)["le"]), v) for (name, labels), v in after.items()
                     if name == "backprop_lab_job_run_seconds_bucket"
                     and dict(labels)["class"] == "interactive")
    assert [v for _, v in buckets] == sorted(v for _, v in buckets)


def test_queue_depth_counts_the_waiting_messages(redis_url):
    prefix = "metrics-no-worker-"
    broker = redis.Redis.from_url(redis_url)
    broker.delete(*names(prefix).values())
    app = create_app(Settings(redis_url=redis_url, queue_prefix=prefix, job_ttl=120))
    with serve(app) as base:
        jobs = [requests.post(f"{base}/v1/jobs", json=TINY, timeout=10).json() for _ in range(3)]
        samples = scrape(base)
        assert value(samples, "backprop_lab_queue_depth", queue=f"{prefix}interactive") == 3
        assert value(samples, "backprop_lab_queue_depth", queue=f"{prefix}batch") == 0
        for job in jobs:
            requests.delete(f"{base}/v1/jobs/{job['id']}", timeout=10)


def test_metrics_need_a_key_when_keys_are_set(redis_url, queue_prefix):
    key = "metrics-key-0123456789"
    app = create_app(Settings(redis_url=redis_url, queue_prefix=queue_prefix, api_keys=(key,)))
    with serve(app) as base:
        refused = requests.get(f"{base}/metrics", timeout=10)
        assert refused.status_code == 401 and "WWW-Authenticate" in refused.headers
        assert requests.get(f"{base}/metrics", headers={"X-API-Key": "wrong"},
                            timeout=10).status_code == 401
        assert scrape(base, headers={"Authorization": f"Bearer {key}"})
