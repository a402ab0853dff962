"""Waiting for a job's end: woken by the end's push (BLPOP), bounded by the wait.

The waiter re-checks the status at least every second as a safety net, so "it answered soon" is
no proof of the push: these tests watch the BLPOP itself, which returns the pushed status when
the push woke it and None when it merely timed out."""

from __future__ import annotations

import threading

SPEC = {"network": {"layers": [2, 3, 2]}, "batch": {"dataset": "random", "size": 4}}


class Blocked:
    """Spies on the store's BLPOP: `waiting` is set when the waiter blocks, `woken_by` collects
    what each BLPOP returned."""

    def __init__(self, store, monkeypatch):
        self.waiting, self.woken_by = threading.Event(), []
        blpop = store.redis.blpop

        def spy(*args, **kwargs):
            self.waiting.set()
            got = blpop(*args, **kwargs)
            self.woken_by.append(got)
            return got

        monkeypatch.setattr(store.redis, "blpop", spy)

    def then(self, action, *args, **kwargs) -> threading.Thread:
        """Run `action` in a thread once the waiter is blocking (the pushed value waits in its
        list if the BLPOP has not quite begun)."""

        def run():
            assert self.waiting.wait(30)
            action(*args, **kwargs)

        thread = threading.Thread(target=run)
        thread.start()
        return thread


def test_a_waiter_is_woken_by_the_end_itself_and_gives_up_at_its_bound(store, monkeypatch):
    job_id = store.create(SPEC)["id"]
    assert store.wait(job_id, 0.05) == "queued"  # the bound
    store.start(job_id)
    spy = Blocked(store, monkeypatch)
    finisher = spy.then(store.finish, job_id, "succeeded", result={})
    assert store.wait(job_id, 30) == "succeeded"
    finisher.join()
    assert spy.woken_by[-1] == (store.ended_key(job_id), "succeeded")  # the push, no timeout
    assert store.wait(job_id, 30) == "succeeded"  # an ended job answers at once, again


def test_cancelling_a_queued_job_wakes_its_waiter(store, monkeypatch):
    job_id = store.create(SPEC)["id"]
    spy = Blocked(store, monkeypatch)
    canceller = spy.then(store.cancel, job_id)
    assert store.wait(job_id, 30) == "cancelled"
    canceller.join()
    assert spy.woken_by[-1] == (store.ended_key(job_id), "cancelled")
