"""Held requests per owner: the event streams and `?wait` requests one API key (or, with keys
off, one address) holds open at once, bounded by HELD_PER_OWNER over all API processes.

The count lives in Redis (worker/lua/hold.lua), one sorted set per owner whose members are
leases: a hold ends when its request does, and a hold whose process was killed ends with its
lease (a wait's own length and HOLD_MARGIN; a stream's HOLD_HORIZON, renewed while it runs).
Over the bound a new one is refused with 429 (problem type `held-requests`) and Retry-After;
the owner's other requests, and every other owner, go on as before. The same script counts the
hold among the service's held requests of its kind (`/metrics`).
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager

from redis import Redis

from worker import keyspace
from worker.problems import Slug
from worker.scripts import Script

from .errors import Problem

HOLD_HORIZON = 30.0  # seconds a stream's hold lasts without a renewal
HOLD_MARGIN = 5.0  # seconds a wait's hold lasts past its own length (it ends before that)
RETRY_SECONDS = 5  # Retry-After of a refused hold: about when a short wait frees its slot


class Hold:
    """One held request of `kind` by `holder`; `renew()` it within its horizon, `release()` it
    at its end (a second release does nothing)."""

    def __init__(self, client: Redis, kind: str, holder: str, horizon: float):
        self.client, self.kind, self.holder, self.horizon = client, kind, holder, horizon
        self.token = secrets.token_hex(8)
        self.released = False

    def renew(self) -> None:
        expires = time.time() + self.horizon
        with self.client.pipeline() as pipe:
            pipe.zadd(keyspace.holds(self.holder), {self.token: expires}, xx=True)
            pipe.zadd(keyspace.held(self.kind), {self.token: expires}, xx=True)
            pipe.expireat(keyspace.holds(self.holder), int(expires) + 1, gt=True)
            pipe.execute()

    def release(self) -> None:
        if self.released:
            return
        self.released = True
        with self.client.pipeline() as pipe:
            pipe.zrem(keyspace.holds(self.holder), self.token)
            pipe.zrem(keyspace.held(self.kind), self.token)
            pipe.execute()


def holder_name(holder: str) -> str:
    """What a holder (api.clients.rate_key: "key:..." or "address:...") is, for a message."""
    return "API key" if holder.startswith("key:") else "address"


def take(client: Redis, kind: str, holder: str, limit: int, horizon: float) -> Hold:
    """A hold of `kind` for `holder`, or the 429 Problem when `limit` are held already."""
    hold = Hold(client, kind, holder, horizon)
    now = time.time()
    taken, count = Script(client, "hold")(
        holds=keyspace.holds(holder),
        counted=keyspace.held(kind),
        token=hold.token,
        limit=limit,
        now=now,
        expires=now + horizon,
    )
    if not taken:
        who = holder_name(holder)
        raise Problem(
            429,
            "Too Many Held Requests",
            f"this {who} holds {count} event streams and ?wait requests open, and the limit "
            f"is {limit}: close one, or poll the job instead",
            Slug.HELD,
            headers={"Retry-After": str(RETRY_SECONDS)},
            extra={"held": int(count), "limit": limit},
        )
    return hold


@contextmanager
def holding(client: Redis, kind: str, holder: str, limit: int, horizon: float) -> Iterator[Hold]:
    """`take` a hold for the block, released at its end."""
    hold = take(client, kind, holder, limit, horizon)
    try:
        yield hold
    finally:
        hold.release()
