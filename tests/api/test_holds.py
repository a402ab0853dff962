"""Held requests per owner, counted in a real Redis (api/holds.py, worker/lua/hold.lua): exactly
the bound is granted however many ask at once, a release frees a slot, and a lease that is
never released (its process was killed) frees its slot when it ends."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import redis

from api import holds
from api.errors import Problem
from tests.support.waiting import wait_until
from worker import keyspace


@pytest.fixture
def client(redis_url):
    client = redis.Redis.from_url(redis_url, decode_responses=True)
    for key in client.scan_iter(keyspace.holds("test:*")):
        client.delete(key)
    return client


def take(client, holder: str, limit: int = 10, horizon: float = 60.0) -> holds.Hold | int:
    try:
        return holds.take(client, "stream", holder, limit, horizon)
    except Problem as refused:
        assert refused.status == 429 and refused.headers["Retry-After"] == "5"
        return refused.extra["held"]


def test_exactly_the_bound_is_granted_to_many_at_once(client):
    with ThreadPoolExecutor(32) as pool:
        got = list(pool.map(lambda _: take(client, "test:racers"), range(200)))
    granted = [g for g in got if isinstance(g, holds.Hold)]
    assert len(granted) == 10 and set(got) - set(granted) == {10}
    assert client.zcard(keyspace.holds("test:racers")) == 10
    assert isinstance(take(client, "test:other"), holds.Hold)  # another owner is not held back
    granted[0].release()
    granted[0].release()  # a second release does nothing
    assert isinstance(take(client, "test:racers"), holds.Hold)
    assert take(client, "test:racers") == 10


def test_a_lease_never_released_frees_its_slot_when_it_ends(client):
    short = [take(client, "test:killed", limit=3, horizon=1.0) for _ in range(3)]
    assert all(isinstance(h, holds.Hold) for h in short) and take(client, "test:killed", 3) == 3
    # nobody releases them (their process died): the leases end, and the slots with them
    wait_until(lambda: isinstance(take(client, "test:killed", 3), holds.Hold), "a freed slot")
    assert client.ttl(keyspace.holds("test:killed")) > 0  # the set itself expires too


def test_a_renewed_lease_keeps_its_slot(client):
    hold = take(client, "test:renewed", limit=1, horizon=1.0)
    deadline = time.monotonic() + 2.5
    while time.monotonic() < deadline:
        hold.renew()
        assert take(client, "test:renewed", limit=1) == 1
        time.sleep(0.3)
