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

Two budgets (`Budget`): `total` bytes for all results, and `per_owner` bytes for one API key's.
A job is admitted (the record is created) only if the reserves in flight plus its own fit both
budgets: finished results can always be dropped to make room, reserves cannot, so a stored
result never has to overshoot. A job's end releases its reserve and, when it succeeded, drops
the oldest finished results (the owner's own first, if the owner is over their budget) until
the result fits beside the remaining reserves, then stores it: one Lua script, so concurrent
workers cannot both count the same free bytes, and a worker that dies mid-way has either done
all of it or nothing (the job is then run again). A dropped result's record keeps its status
and gains `result_expired` (when). Job records, indexes and queued messages are never dropped.

These scripts name keys they build from the prefix (a single Redis, not a cluster).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import redis

from . import result_codec

PREFIX = "backprop-lab:"
TOTAL = PREFIX + "results:total"
GIB = 1024**3


@dataclass(frozen=True)
class Budget:
    total: int = 4 * GIB  # RESULT_STORE_BYTES
    per_owner: int = GIB  # RESULT_OWNER_BYTES: one API key's results; 0 = no own bound

    def __repr__(self) -> str:
        return f"Budget(total={self.total}, per_owner={self.per_owner})"


# Lua helpers shared by the create and finish scripts (worker/records.py); `p` is the prefix.
LUA = """
local TERMINAL = {succeeded = true, failed = true, cancelled = true}

-- bytes reserved by jobs in flight (in all, by owner), other than `except`; forgets jobs that
-- have ended or whose record expired
local function reserved(p, except)
  local all, by = 0, {}
  for _, id in ipairs(redis.call('SMEMBERS', p .. 'results:inflight')) do
    local r = redis.call('HMGET', p .. 'job:' .. id, 'status', 'reserve', 'owner')
    if not r[1] or TERMINAL[r[1]] then
      redis.call('SREM', p .. 'results:inflight', id)
    elseif id ~= except then
      local bytes = tonumber(r[2]) or 0
      all = all + bytes
      if r[3] then by[r[3]] = (by[r[3]] or 0) + bytes end
    end
  end
  return all, by
end

local function drop(p, id, now)
  local size = tonumber(redis.call('HGET', p .. 'results:size', id)) or 0
  local owner = redis.call('HGET', p .. 'results:owner', id)
  redis.call('DEL', p .. 'result:' .. id)
  redis.call('ZREM', p .. 'results', id)
  redis.call('HDEL', p .. 'results:size', id)
  redis.call('HDEL', p .. 'results:owner', id)
  redis.call('DECRBY', p .. 'results:total', size)
  if owner then
    redis.call('ZREM', p .. 'results:by:' .. owner, id)
    redis.call('HINCRBY', p .. 'results:owners', owner, -size)
  end
  if now and redis.call('EXISTS', p .. 'job:' .. id) == 1 then
    redis.call('HSET', p .. 'job:' .. id, 'result_expired', now)
  end
end

-- drop oldest results until `size` more bytes fit both budgets; true if they do
local function make_room(p, id, owner, size, budget, per_owner, now)
  while true do  -- results that expired with their records first (no record to mark)
    local head = redis.call('ZRANGE', p .. 'results', 0, 0)[1]
    if not head or redis.call('EXISTS', p .. 'result:' .. head) == 1 then break end
    drop(p, head, false)
  end
  local all, by = reserved(p, id)
  if owner and per_owner > 0 then
    local mine = by[owner] or 0
    local function owner_over()
      local used = tonumber(redis.call('HGET', p .. 'results:owners', owner)) or 0
      return used + mine + size > per_owner
    end
    while owner_over() do
      local head = redis.call('ZRANGE', p .. 'results:by:' .. owner, 0, 0)[1]
      if not head then return false end
      drop(p, head, now)
    end
  end
  local function over()
    return (tonumber(redis.call('GET', p .. 'results:total')) or 0) + all + size > budget
  end
  while over() do
    local head = redis.call('ZRANGE', p .. 'results', 0, 0)[1]
    if not head then return false end
    drop(p, head, now)
  end
  return true
end

local function store(p, id, owner, size, now_ms, ttl, fields)
  local key = p .. 'result:' .. id
  redis.call('DEL', key)
  redis.call('HSET', key, unpack(fields))
  redis.call('EXPIRE', key, ttl)
  redis.call('ZADD', p .. 'results', now_ms, id)
  redis.call('HSET', p .. 'results:size', id, size)
  redis.call('INCRBY', p .. 'results:total', size)
  if owner then
    redis.call('HSET', p .. 'results:owner', id, owner)
    redis.call('ZADD', p .. 'results:by:' .. owner, now_ms, id)
    redis.call('HINCRBY', p .. 'results:owners', owner, size)
  end
end
"""


class ResultStore:
    """Reads stored results. (Writing is part of a job's end: `JobStore.finish`.)"""

    def __init__(self, client: redis.Redis):
        self.redis = client

    @staticmethod
    def key(job_id: str) -> str:
        return f"{PREFIX}result:{job_id}"

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
        return int(self.redis.get(TOTAL) or 0)


def _text(name: bytes | str) -> str:
    return name.decode() if isinstance(name, bytes) else name
