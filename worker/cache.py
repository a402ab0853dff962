"""The result cache: the same job computed once.

A job's result key (`model.result_key`: its spec written canonically, the model's code, the
dtype, the BLAS fingerprint) names its numbers. When a job succeeds, its stored result becomes
the one kept for its key (`cache:<key>` names the job: finish.lua). A later job with that key
is served from it: the result is copied as the new job's own (within the result store's
budgets and with its time to live, accounted to the new job's owner) and the job succeeds at
once, as its own job with its own id and record, `cache: "hit"`; its record holds nothing of
the job it was copied from. A kept result goes when its job's result is dropped for room or
expires, like any result: the cache is the result store, not a second copy of it.

Jobs with one key in flight together compute once: the first to start claims the key
(`cache:running:<key>`, for a hard time limit at most), and the others, when they start, wait
for its end and are then served from its result; if it fails or is cancelled, the next one
claims the key and computes. A job only waits for one that is running (never for one still
queued behind it), so the waits cannot deadlock the pool.

How a job takes part is chosen at submit and kept in its record (`cache_use`): "serve" (the
default: served when it can be, else computed and kept), "store" (`?cache=false`: always
computed, and kept for the jobs after it), or nothing (RESULT_CACHE off: neither).

The API serves at submit (with its own key: it is the workers' when the API runs the same code
and BLAS, else it finds nothing and the worker serves); the worker serves or claims when the
job starts, with the key its own BLAS gives.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import redis

from . import accounting, keyspace
from .scripts import Script
from .settings import Budget


@dataclass(frozen=True)
class Turn:
    """What the cache said: "hit" (the job has ended, served), "claimed" (compute it), "wait"
    (for `other`, which computes the key), "miss" (compute it, nothing claimed) or "ended"."""

    outcome: str
    other: str | None = None


class ResultCache:
    """The cache's moves on one Redis client, for the job store (records.JobStore.cache), which
    gives it the budgets, the longest a claim holds (a job's hard time limit), how long an
    ended list lives and the records' clock."""

    def __init__(
        self,
        client: redis.Redis,
        budget: Budget,
        claim_seconds: float,
        ended_seconds: int,
        clock: Callable[[], str],
    ):
        self.redis, self.budget, self.clock = client, budget, clock
        self.claim_seconds, self.ended_seconds = max(1, int(claim_seconds)), ended_seconds
        self._turn = Script(client, "cache")

    def serve(self, job_id: str, result_key: str) -> bool:
        """The API's turn, right after the job is recorded: True if it was served (it has
        ended, succeeded), False if it must be computed."""
        return self.turn(job_id, result_key, serve=True, claim=False).outcome == "hit"

    def turn(
        self, job_id: str, result_key: str, serve: bool, claim: bool, wait: bool = True
    ) -> Turn:
        """The job's turn (lua/cache.lua): served if `serve` and a kept result is there; else,
        with `claim`, the key claimed, or the job to `wait` for."""
        answer = self._turn(
            record=keyspace.job(job_id),
            ended=keyspace.ended(job_id),
            entry=keyspace.cache_entry(result_key),
            running=keyspace.cache_running(result_key),
            job_id=job_id,
            result_key=result_key,
            serve="1" if serve else "0",
            claim="1" if claim else "0",
            wait="1" if wait else "0",
            claim_ttl=self.claim_seconds,
            now=self.clock(),
            now_ms=int(time.time() * 1000),
            budget=self.budget.total,
            owner_budget=self.budget.per_owner,
            prefix=keyspace.PREFIX,
            buckets=accounting.BUCKET_FIELDS,
            ended_ttl=self.ended_seconds,
        )
        return Turn(*answer)

    def computed(self) -> None:
        """Count one computation of model.run (hits are counted by the script)."""
        self.redis.hincrby(keyspace.RESULTS_MADE, "computed", 1)

    def counts(self) -> dict[str, int]:
        """Results made each way: {"computed": n, "cache": m}."""
        raw = self.redis.hgetall(keyspace.RESULTS_MADE)
        return {k: int(raw.get(k, 0)) for k in ("computed", "cache")}
