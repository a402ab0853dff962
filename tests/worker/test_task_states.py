"""Monitoring tells the truth: a job task's Celery state is the job's end, in the result store
and in the worker's events (what Flower reads): succeeded -> SUCCESS, failed -> FAILURE with
the reason, cancelled -> REVOKED; the job record is still written once."""

from __future__ import annotations

import threading

import pytest
import requests
from celery.events.state import State

from tests.support.specs import OVERFLOW, example
from tests.support.waiting import PATIENCE, wait_until
from worker.celery_config import sender
from worker.records import JobStore
from worker.settings import Settings

TINY = example("tiny-2-3-2")
LESSON = example("lesson-784-16-16-10")
# 9,000 passes on 1000 digits, seconds of work in one task (under NAIVE_SPLIT_PASSES; a split
# job's end is its join task's state: tests/worker/test_split_parts.py)
LONG = LESSON | {"batch": {"dataset": "digits", "size": 1000, "seed": 0}, "naive": {"sample": 4500}}


@pytest.fixture
def events(redis_url, queue_prefix, worker):
    """The worker's task events, as Flower sees them: events switched on the way Flower does
    (a broadcast), folded into celery.events.state.State by a receiver thread."""
    app = sender(Settings(redis_url=redis_url, queue_prefix=queue_prefix))
    state, ready = State(), threading.Event()
    with app.connection_for_read() as connection:
        receiver = app.events.Receiver(connection, handlers={"*": state.event})
        receiver.on_consume_ready = lambda *args, **kwargs: ready.set()  # its queue is bound
        thread = threading.Thread(
            target=lambda: receiver.capture(limit=None, timeout=None, wakeup=False), daemon=True
        )
        thread.start()
        assert ready.wait(PATIENCE), "the event receiver did not start"
        assert app.control.enable_events(destination=[worker], reply=True, timeout=5)
        try:
            yield app, state
        finally:
            app.control.disable_events(destination=[worker])
            receiver.should_stop = True
            thread.join(5)


def test_a_jobs_task_state_is_its_end(live_api, events, redis_url):
    app, state = events
    post = lambda spec, **params: requests.post(  # noqa: E731
        f"{live_api}/v1/jobs", json=spec, params=params, timeout=PATIENCE
    ).json()
    failed = post(OVERFLOW, wait=5)
    succeeded = post(TINY, wait=5)
    long = post(LONG)
    wait_until(
        lambda: (
            requests.get(f"{live_api}/v1/jobs/{long['id']}", timeout=10).json()["status"]
            == "running"
        ),
        "the long job starts",
    )
    requests.post(f"{live_api}/v1/jobs/{long['id']}/cancel", timeout=10)
    cancelled = wait_until(
        lambda: (
            (j := requests.get(f"{live_api}/v1/jobs/{long['id']}", timeout=10).json())["status"]
            == "cancelled"
            and j
        ),
        "the long job ends cancelled",
    )
    assert (failed["status"], succeeded["status"]) == ("failed", "succeeded")

    # the result store (what AsyncResult and Flower's task page read)
    stored = {job["id"]: app.AsyncResult(job["id"]) for job in (failed, succeeded, cancelled)}
    assert stored[succeeded["id"]].state == "SUCCESS"
    assert stored[failed["id"]].state == "FAILURE"
    assert failed["error"]["detail"] in str(stored[failed["id"]].result)
    assert stored[cancelled["id"]].state == "REVOKED"

    # the events (what Flower's counts and lists read)
    for job, expected in ((succeeded, "SUCCESS"), (failed, "FAILURE"), (cancelled, "REVOKED")):
        wait_until(
            lambda job=job, expected=expected: (
                job["id"] in state.tasks and state.tasks[job["id"]].state == expected
            ),
            f"{job['id']} {expected} event",
        )
    assert "/problems/spec" in state.tasks[failed["id"]].exception

    # and the record was written once: the failure's reason is the job's own, unchanged
    record = JobStore.from_settings(Settings(redis_url=redis_url)).get(failed["id"])
    assert record["error"] == failed["error"] and record["status"] == "failed"
