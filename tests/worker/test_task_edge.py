"""The task's edge, without Celery: how each ending of the work is recorded (run_work, then
record_end), and the probe the model reports to."""

from __future__ import annotations

import math

from celery import current_app
from celery.exceptions import SoftTimeLimitExceeded, TimeLimitExceeded

import model
from api.problems import TYPES
from worker.celery_config import sender
from worker.settings import Settings
from worker.tasks import JobProbe, record_end, run_job, run_work

SPEC = {"network": {"layers": [2, 3, 2]}, "batch": {"dataset": "random", "size": 4}}
LIMIT = 300.0  # the soft time limit a failure names


def started(store) -> str:
    job_id = store.create(SPEC)["id"]
    assert store.start(job_id)
    return job_id


def raises(exc):
    def work():
        raise exc

    return work


def run_and_record(store, job_id: str, work) -> str:
    return record_end(store, job_id, run_work(job_id, LIMIT, work))


def test_success_records_the_result(store):
    job_id = started(store)
    assert run_and_record(store, job_id, lambda: model.run(SPEC)) == "succeeded"
    assert store.get(job_id)["result"]["network"]["layers"] == [2, 3, 2]


def test_endings(store):
    cases = [
        (raises(model.Cancelled(4)), "cancelled", None),
        (
            raises(model.SpecError([{"field": "network", "message": "overflows"}])),
            "failed",
            "spec",
        ),
        (raises(KeyError("bug")), "failed", "internal"),
        (raises(SoftTimeLimitExceeded()), "failed", "time-limit"),
        (lambda: {"cost": math.inf}, "failed", "not-finite"),
    ]
    for work, status, slug in cases:
        job_id = started(store)
        assert run_and_record(store, job_id, work) == status
        job = store.get(job_id)
        assert job["status"] == status and job["result"] is None
        if slug is None:
            assert job["error"] is None
            continue
        # the recorded type has a page, and the title is that page's
        assert job["error"]["type"] == f"/problems/{slug}"
        assert job["error"]["title"] == TYPES[slug][0] and job["error"]["detail"]


def test_the_soft_time_limit_is_named_in_the_failure(store):
    job_id = started(store)
    run_and_record(store, job_id, raises(SoftTimeLimitExceeded()))
    assert store.get(job_id)["error"]["detail"] == "the job ran past 300 s"


def test_a_cancel_that_lands_after_the_work_still_cancels(store):
    job_id = started(store)

    def work():
        store.cancel(job_id)
        return {"cost": 1.0}

    assert run_and_record(store, job_id, work) == "cancelled"


def test_progress_is_throttled_but_the_last_report_is_written(store):
    job_id = started(store)
    probe = JobProbe(store, job_id, interval=60)
    probe.progress(1, 10)
    probe.progress(5, 10)
    assert store.get(job_id)["progress"] == {"done": 1, "total": 10}
    probe.progress(10, 10)
    assert store.get(job_id)["progress"] == {"done": 10, "total": 10}
    assert not probe.should_stop()
    store.cancel(job_id)
    assert probe.should_stop()


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
