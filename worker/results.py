"""Stored results: compact (worker/result_codec.py), out of the job record, within a budget.

A succeeded job's result is a hash `backprop-lab:result:<id>` (the codec's fields) that expires
with its record. The store's bytes (every field's name and value) are accounted in Redis:

    results          sorted set: job id -> when it finished (ms): the oldest is dropped first
    results:size     hash: job id -> its stored bytes
    results:owner    hash: job id -> its owner (API key hash), for jobs that have one
    results:by:<o>   sorted set: owner o's results, oldest first
    results:total    string: bytes of every stored result
    results:owners   hash: owner -> bytes of their results
    results:inflight set: queued and running jobs; each record's `reserve` field holds the bytes
                     its result may take (an upper bound from the spec, model.estimate_result)

Two budgets (`Budget`, made by the settings): `total` bytes for all results (RESULT_STORE_BYTES),
and `per_owner` bytes for one API key's (RESULT_OWNER_BYTES).
A job is admitted (the record is created) only if the reserves in flight plus its own fit both
budgets: finished results can always be dropped to make room, reserves cannot, so a stored
result never has to overshoot. A job's end releases its reserve and, when it succeeded, drops
the oldest finished results (the owner's own first, if the owner is over their budget) until
the result fits beside the remaining reserves, then stores it: one Lua script, so concurrent
workers cannot both count the same free bytes, and a worker that dies mid-way has either done
all of it or nothing (the job is then run again). A dropped result's record keeps its status
and gains `result_expired` (when). Job records, indexes and queued messages are never dropped.

The scripts (worker/lua/lib/results.lua) build these keys from the prefix (worker/keyspace.py):
a single Redis, not a cluster.
"""

from __future__ import annotations

from typing import Any

import redis

from . import keyspace, result_codec


class ResultStore:
    """Reads stored results. (Writing is part of a job's end: `JobStore.finish`.)"""

    def __init__(self, client: redis.Redis):
        self.redis = client

    key = staticmethod(keyspace.result)

    def fields(self, job_id: str, keys: list[str] | None = None) -> dict[str, bytes] | None:
        """The stored fields of a result (only those `keys` need), or None. The whole result
        is read at once; for some keys, the skeleton first, then the blocks it names."""
        key = self.key(job_id)
        if keys is None:
            raw = self.redis.hgetall(key)
        else:
            head = self.redis.hget(key, result_codec.SKELETON)
            if head is None:
                return None
            names = result_codec.blocks_for(
                result_codec.skeleton({result_codec.SKELETON: head}), keys
            )
            values = self.redis.hmget(key, names) if names else []
            if any(v is None for v in values):  # dropped in between
                return None
            raw = {result_codec.SKELETON: head, **dict(zip(names, values))}
        fields = {_text(k): v for k, v in raw.items()}
        return fields if result_codec.SKELETON in fields else None

    def load(self, job_id: str, keys: list[str] | None = None) -> dict[str, Any] | None:
        """A job's result dict (only its top-level `keys`, if given), or None if none is kept."""
        fields = self.fields(job_id, keys)
        return None if fields is None else result_codec.unpack(fields, keys)

    def total(self) -> int:
        return int(self.redis.get(keyspace.RESULTS_TOTAL) or 0)


def _text(name: bytes | str) -> str:
    return name.decode() if isinstance(name, bytes) else name
