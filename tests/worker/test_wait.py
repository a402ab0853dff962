"""Waiting for a job's end: woken by the end itself (BLPOP), bounded by the wait."""

from __future__ import annotations

import threading
import time

SPEC = {"network": {"layers": [2, 3, 2]}, "batch": {"dataset": "random", "size": 4}}


def test_a_waiter_wakes_at_the_end_and_gives_up_at_its_bound(store):
    job_id = store.create(SPEC)["id"]
    assert store.wait(job_id, 0.05) == "queued"
    store.start(job_id)
    timer = threading.Timer(0.2, store.finish, (job_id, "succeeded"), {"result": {}})
    timer.start()
    began = time.monotonic()
    assert store.wait(job_id, 30) == "succeeded"
    assert time.monotonic() - began < 25  # woken, not timed out: a bound, not a speed claim
    assert store.wait(job_id, 30) == "succeeded"  # an ended job answers at once, again


def test_cancelling_a_queued_job_wakes_its_waiter(store):
    job_id = store.create(SPEC)["id"]
    threading.Timer(0.2, store.cancel, (job_id,)).start()
    assert store.wait(job_id, 30) == "cancelled"
