"""The task's edge, without Celery: how each ending of the work is recorded."""

from __future__ import annotations

import math

from celery import current_app
from celery.exceptions import SoftTimeLimitExceeded, TimeLimitExceeded

import model
from worker.celery_config import sender
from worker.settings import Settings
from worker.tasks import Edge, execute, run_job

SPEC = {"network": {"layers": [2, 3, 2]}, "batch": {"dataset": "random", "size": 4}}


def started(store) -> str:
    job_id = store.create(SPEC)["id"]
    assert store.start(job_id)
    return job_id


def raises(exc):
    def work(edge):
        raise exc

    return work


def test_success_records_the_result(store):
    job_id = started(store)
    assert execute(store, job_id, lambda edge: model.run(SPEC)) == "succeeded"
    assert store.get(job_id)["result"]["network"]["layers"] == [2, 3, 2]


def test_endings(store, app):
    cases = [
        (raises(model.Cancelled(4)), "cancelled", None),
        (
            raises(model.SpecError([{"field": "network", "message": "overflows"}])),
            "failed",
            "/problems/spec",
        ),
        (raises(KeyError("bug")), "failed", "/problems/internal"),
        (raises(SoftTimeLimitExceeded()), "failed", "/problems/time-limit"),
        (lambda edge: {"cost": math.inf}, "failed", "/problems/not-finite"),
    ]
    for work, status, error in cases:
        job_id = started(store)
        assert execute(store, job_id, work) == status
        job = store.get(job_id)
        assert job["status"] == status and job["result"] is None
        assert (job["error"] or {}).get("type") == error
        assert error is None or job["error"]["detail"]


def test_a_cancel_that_lands_after_the_work_still_cancels(store):
    job_id = started(store)

    def work(edge):
        store.cancel(job_id)
        return {"cost": 1.0}

    assert execute(store, job_id, work) == "cancelled"


def test_progress_is_throttled_but_the_last_report_is_written(store):
    job_id = started(store)
    edge = Edge(store, job_id, interval=60)
    edge.progress(1, 10)
    edge.progress(5, 10)
    assert store.get(job_id)["progress"] == {"done": 1, "total": 10}
    edge.progress(10, 10)
    assert store.get(job_id)["progress"] == {"done": 10, "total": 10}
    assert not edge.should_stop()
    store.cancel(job_id)
    assert edge.should_stop()


def test_the_hard_time_limit_marks_a_running_job_failed_once(store, redis_url):
    job_id = started(store)
    previous = current_app._get_current_object()
    sender(Settings(redis_url=redis_url)).set_current()  # the task finds its store through its app
    try:
        run_job.on_failure(TimeLimitExceeded(3), job_id, (job_id,), {}, None)
    finally:
        previous.set_current()
    job = store.get(job_id)
    assert job["status"] == "failed" and job["error"]["type"] == "/problems/time-limit"
    assert not store.finish(job_id, "succeeded", result={})
    assert store.get(job_id)["status"] == "failed"
