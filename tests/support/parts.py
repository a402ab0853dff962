"""Watching a split job from outside: which part a worker runs now, and how far it has got."""

from __future__ import annotations

import redis

from worker.names import RUN_PART
from worker.records import JobStore


def running_part(control, worker: str) -> list | None:
    """The arguments (job_id, part, start, stop, ...) of the part `worker` runs now, if any."""
    active = (control.inspect([worker], timeout=1.0).active() or {}).get(worker) or []
    return next((task["args"] for task in active if task["name"] == RUN_PART), None)


def part_done(redis_url: str, job_id: str, part: int) -> int:
    """The passes the part has reported done (throttled: a little behind)."""
    done = redis.Redis.from_url(redis_url).hget(JobStore.key(job_id), f"done:{part}")
    return int(done or 0)


def in_mid_part(redis_url: str, control, worker: str) -> bool:
    """Does `worker` run a part now, with passes done but fewer than half of the part's?"""
    args = running_part(control, worker)
    if args is None:
        return False
    job_id, part, start, stop, *_ = args
    # a central difference takes 2 passes per index: half the part is stop - start
    return 0 < part_done(redis_url, job_id, part) < stop - start


def ends(redis_url: str, job_id: str) -> list[bytes]:
    """Every end recorded for the job in the last minute (a job ends once: one entry)."""
    return redis.Redis.from_url(redis_url).lrange(JobStore.ended_key(job_id), 0, -1)
