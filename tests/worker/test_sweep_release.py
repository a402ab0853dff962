"""A sweep's release on real Redis (worker/sweeps.py, lua/sweep_release.lua): at most the bound
in flight, an ended child's slot freed, a cancelled child passed over, a release whose sender
died handed out again (and only then), and the ended sweep out of its holder's quota."""

from __future__ import annotations

import pytest

from worker import keyspace
from worker.sweeps import SweepStore


class Sender:
    """Where released children go: a list (the broker is not what these tests are about)."""

    def __init__(self):
        self.sent: list[str] = []
        self.dies = False

    def __call__(self, child: str, queue: str) -> None:
        assert queue == "test-batch"
        if self.dies:
            raise ConnectionError("the process died before sending")
        self.sent.append(child)


def make(store, count: int, bound: int, resend_after: float = 30.0, holder: str = ""):
    children = [store.create({"n": i}, job_class="batch")["id"] for i in range(count)]
    sweeps = SweepStore(store.redis, 600, resend_after)
    sweep_id = f"sweep-{children[0]}"
    inflight = keyspace.inflight("batch", holder) if holder else None
    if inflight:
        store.redis.zadd(inflight, {sweep_id: 1})
    sweeps.create(
        sweep_id,
        points=[{"index": i} for i in range(count)],
        children=children,
        bound=bound,
        queue="test-batch",
        base={},
        grid={},
        inflight=inflight,
    )
    return sweeps, sweep_id, children


def test_the_bound_and_the_order(store):
    sweeps, sweep_id, children = make(store, 5, bound=2)
    send = Sender()
    assert sweeps.release(sweep_id, send) == children[:2]
    assert sweeps.release(sweep_id, send) == []  # nothing ended: nothing more
    store.start(children[0])
    store.finish(children[0], "succeeded", result={"x": 1.0})
    assert sweeps.release(sweep_id, send) == [children[2]]
    store.cancel(children[3])  # cancelled while pending: passed over
    store.finish(children[1], "failed", error={"type": "t", "title": "t", "detail": "d"})
    assert sweeps.release(sweep_id, send) == [children[4]]
    assert send.sent == [children[0], children[1], children[2], children[4]]
    assert sweeps.in_flight(sweep_id) == [children[2], children[4]]
    assert sweeps.get(sweep_id)["status"] == "running"


def test_a_release_lost_with_its_sender_is_handed_out_again(store):
    sweeps, sweep_id, children = make(store, 3, bound=1, resend_after=30.0)
    send = Sender()
    send.dies = True
    with pytest.raises(ConnectionError):
        sweeps.release(sweep_id, send)
    send.dies = False
    assert sweeps.release(sweep_id, send) == []  # released 0 s ago: perhaps still sending
    late = SweepStore(store.redis, 600, resend_after=0.0)
    assert late.release(sweep_id, send) == [children[0]]
    assert late.release(sweep_id, send) == []  # confirmed sent: never again
    # a child sent twice runs once: the second start finds it running
    assert store.start(children[0]) is True
    store.finish(children[0], "succeeded", result={"x": 1.0})
    assert store.start(children[0]) is False  # a second message finds it ended: it never reruns


def test_the_ended_sweep_leaves_the_quota(store):
    holder = f"address:{id(store)}"
    sweeps, sweep_id, children = make(store, 2, bound=2, holder=holder)
    send = Sender()
    sweeps.release(sweep_id, send)
    for child in children:
        store.start(child)
        store.finish(child, "succeeded", result={"x": 1.0})
    assert store.redis.zrange(keyspace.inflight("batch", holder), 0, -1) == [sweep_id]
    assert sweeps.release(sweep_id, send) == []
    assert sweeps.get(sweep_id)["status"] == "finished"
    assert store.redis.zrange(keyspace.inflight("batch", holder), 0, -1) == []


def test_a_cancelled_sweep_releases_nothing_and_ends_when_its_children_have(store):
    sweeps, sweep_id, children = make(store, 3, bound=1)
    send = Sender()
    sweeps.release(sweep_id, send)
    store.start(children[0])
    assert sweeps.cancel(sweep_id) == "running"
    store.finish(children[0], "cancelled")
    assert sweeps.release(sweep_id, send) == []
    assert sweeps.get(sweep_id)["status"] == "cancelled"
    assert sweeps.in_flight(sweep_id) == []
