"""Sweeps in Redis: a sweep's record and the release of its children, a bounded number at a time.

A sweep is a hash `sweep:<id>` (its points, children, bound, queue, status `running` ->
`finished` | `cancelled`) beside three keys: `pending` (a list of child ids not yet sent, in
grid order), `inflight` (a sorted set: the children released, by release time) and `sent` (the
released children whose message the broker took). Its children are ordinary job records, all
made at submit (status queued), each with the field `sweep`; only the released ones are sent.

`release` (lua/sweep_release.lua, one script) frees the slots of ended children, hands out
again a child released but never confirmed sent, and releases pending ones up to the bound.
The worker calls it when each child ends (`after_job`, from the tasks' end), the API when the
sweep is made and whenever it is read: so a child is never lost (a release whose process died
before sending is handed out again), and none runs twice (a message sent twice finds its job
running already: start.lua starts a job once).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import redis

from . import keyspace
from .records import now
from .scripts import Script

RESEND_AFTER = 30.0  # seconds after which a released child never confirmed sent is sent again
_JSON = ("points", "children", "grid", "base")
Send = Callable[[str, str], None]  # (child id, queue): send the child's RUN_JOB message


class SweepStore:
    """The sweeps on one Redis client (decoded strings), records living `ttl` seconds."""

    def __init__(self, client: redis.Redis, ttl: int, resend_after: float = RESEND_AFTER):
        self.redis, self.ttl, self.resend_after = client, ttl, resend_after
        self._release = Script(client, "sweep_release")
        self._cancel = Script(client, "sweep_cancel")

    def keys(self, sweep_id: str) -> dict[str, str]:
        return {
            "sweep": keyspace.sweep(sweep_id),
            **{
                part: keyspace.sweep_part(sweep_id, part)
                for part in ("pending", "inflight", "sent")
            },
        }

    def create(
        self,
        sweep_id: str,
        *,
        points: list[dict[str, Any]],
        children: list[str],
        bound: int,
        queue: str,
        base: Any,
        grid: Any,
        owner: str | None = None,
        inflight: str | None = None,
    ) -> dict[str, Any]:
        """Record the sweep (its children's records exist already) with every child pending.
        `inflight` is the holder's quota key the sweep was admitted to."""
        keys = self.keys(sweep_id)
        record = {
            "id": sweep_id,
            "status": "running",
            "created_at": now(),
            "finished_at": None,
            "in_flight": bound,
            "points": points,
            "children": children,
            "grid": grid,
            "base": base,
        }
        internal = {"queue": queue} | ({"owner": owner} if owner else {})
        internal |= {"inflight": inflight} if inflight else {}
        with self.redis.pipeline() as pipe:
            pipe.hset(keys["sweep"], mapping=_encode(record | internal))
            pipe.delete(keys["pending"])
            pipe.rpush(keys["pending"], *children)
            for key in keys.values():
                pipe.expire(key, self.ttl)
            pipe.execute()
        return record

    def get(self, sweep_id: str, owner: str | None = None) -> dict[str, Any] | None:
        raw = self.redis.hgetall(keyspace.sweep(sweep_id))
        if not raw.get("status") or (owner is not None and raw.get("owner") != owner):
            return None
        return {
            k: json.loads(v) if k in _JSON or v == "null" else v
            for k, v in raw.items()
            if k not in ("owner", "inflight", "queue")
        } | {"in_flight": int(raw["in_flight"])}

    def in_flight(self, sweep_id: str) -> list[str]:
        """The children released and not yet seen ended, in release order."""
        return self.redis.zrange(keyspace.sweep_part(sweep_id, "inflight"), 0, -1)

    def release(self, sweep_id: str, send: Send) -> list[str]:
        """Free ended children's slots and send the children that may run now (see the
        module's doc); the ids sent."""
        keys = self.keys(sweep_id)
        bound, queue = self.redis.hmget(keys["sweep"], ("in_flight", "queue"))
        if bound is None:
            return []
        ids = self._release(
            **keys,
            sweep_id=sweep_id,
            now=time.time(),
            bound=int(bound),
            resend_after=self.resend_after,
            prefix=keyspace.PREFIX,
            finished_at=now(),
        )
        for child in ids:
            send(child, queue)
            self.redis.sadd(keys["sent"], child)
        return ids

    def cancel(self, sweep_id: str) -> str | None:
        """No child is released any more (each child is cancelled by the caller); the status
        the sweep had."""
        return self._cancel(sweep=keyspace.sweep(sweep_id), finished_at=now())

    def delete(self, sweep_id: str) -> None:
        self.redis.delete(*self.keys(sweep_id).values())


def after_job(client: redis.Redis, ttl: int, job_id: str, send: Send) -> list[str]:
    """A job has ended: if it is a sweep's child, release what may run now."""
    sweep_id = client.hget(keyspace.job(job_id), "sweep")
    return SweepStore(client, ttl).release(sweep_id, send) if sweep_id else []


def _encode(record: dict[str, Any]) -> dict[str, str]:
    return {
        k: json.dumps(v, allow_nan=False) if k in _JSON or v is None else str(v)
        for k, v in record.items()
    }
