"""Job records in Redis: the one truth about a job, written by the API and updated by the worker.

A record is a hash `backprop-lab:job:<id>` with JSON-encoded fields and a time to live; an index
`backprop-lab:jobs` (sorted set, score = creation time in microseconds) lists recent ids. A job
made with an API key has an `owner` (a hash of the key, never the key) and is listed in that
owner's index `backprop-lab:jobs:<owner>` too; reads given an owner see only that owner's jobs.
Status moves one way: queued -> running -> succeeded | failed | cancelled (queued -> cancelled
too). Transitions that race (start against cancel) are single Lua scripts, so a queued job that
is cancelled never starts.
"""

from __future__ import annotations

import json
import secrets
import time
from datetime import UTC, datetime
from typing import Any

import redis

from . import accounting, result_codec
from .results import LUA, PREFIX, Budget, ResultStore

INDEX = PREFIX + "jobs"
TERMINAL = ("succeeded", "failed", "cancelled")
_JSON_FIELDS = ("progress", "spec", "result", "error", "layers", "methods", "result_size")
DEFAULT_BUDGET = Budget()
_INTERNAL = ("ttl", "cancel", "owner", "reserve", "stored", "inflight", "started", "worker")

# KEYS[1] record; ARGV[1] now, ARGV[2] now as epoch seconds, ARGV[3] the worker's name. Queued
# (or running again after a lost worker) -> running.
_START = """
local status = redis.call('HGET', KEYS[1], 'status')
if (status == 'queued' or status == 'running') and redis.call('HGET', KEYS[1], 'cancel') ~= '1'
then
  redis.call('HSET', KEYS[1], 'status', 'running', 'started_at', ARGV[1], 'started', ARGV[2],
             'worker', ARGV[3])
  return 1
end
return 0
"""
# KEYS[1] record, KEYS[2] its ended list; ARGV: now, now as epoch, job id. Queued -> cancelled
# (pushed to the list); running -> cancel flag for the task.
_CANCEL = (
    accounting.LUA_HELPERS
    + """
local status = redis.call('HGET', KEYS[1], 'status')
if status == 'queued' then
  redis.call('HSET', KEYS[1], 'status', 'cancelled', 'finished_at', ARGV[1], 'cancel', '1')
  ended(KEYS[1], ARGV[3], 'cancelled', ARGV[2])
  redis.call('RPUSH', KEYS[2], 'cancelled')
  redis.call('EXPIRE', KEYS[2], 60)
elseif status == 'running' then
  redis.call('HSET', KEYS[1], 'cancel', '1')
end
return status
"""
)
# KEYS[1] record, KEYS[2] its ended list, KEYS[3] the index; ARGV[1] id, ARGV[2] the owners'
# index prefix, ARGV[3] the prefix. Remove the job and its stored result (its reserve is
# forgotten with the record); an unfinished one's task finds no record and stops.
_DELETE = (
    LUA
    + """
local status = redis.call('HGET', KEYS[1], 'status')
if not status then return 0 end
local owner = redis.call('HGET', KEYS[1], 'owner')
local inflight = redis.call('HGET', KEYS[1], 'inflight')
if inflight then redis.call('ZREM', inflight, ARGV[1]) end  -- it leaves the owner's quota
drop(ARGV[3], ARGV[1], false)
redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[3], ARGV[1])
if owner then redis.call('ZREM', ARGV[2] .. owner, ARGV[1]) end
if status == 'queued' or status == 'running' then
  redis.call('RPUSH', KEYS[2], 'deleted')
  redis.call('EXPIRE', KEYS[2], 60)
end
return 1
"""
)
# KEYS[1] record; ARGV: passes done, passes in all. Only a running job's (a deleted one stays
# deleted).
_PROGRESS = (
    accounting.LUA_HELPERS
    + """
if redis.call('HGET', KEYS[1], 'status') ~= 'running' then return 0 end
passes(redis.call('HGET', KEYS[1], 'progress'), ARGV[1])
redis.call('HSET', KEYS[1], 'progress', cjson.encode({done = tonumber(ARGV[1]),
                                                     total = tonumber(ARGV[2])}))
return 1
"""
)
# KEYS[1] record; ARGV: part, its passes done, passes in all, then every part's name. A part of
# a split job writes its own count (field done:<part>); the job's progress is their sum.
_PART_PROGRESS = (
    accounting.LUA_HELPERS
    + """
if redis.call('HGET', KEYS[1], 'status') ~= 'running' then return 0 end
redis.call('HSET', KEYS[1], 'done:' .. ARGV[1], ARGV[2])
local done = 0
for i = 4, #ARGV do
  done = done + (tonumber(redis.call('HGET', KEYS[1], 'done:' .. ARGV[i])) or 0)
end
passes(redis.call('HGET', KEYS[1], 'progress'), done)
redis.call('HSET', KEYS[1], 'progress', cjson.encode({done = done, total = tonumber(ARGV[3])}))
return 1
"""
)
# KEYS[1] record, KEYS[2] its ended list; ARGV: now, now in ms, status, error, prefix, id,
# budget, per-owner budget, result bytes, then the result's fields and values. Only an
# unfinished job ends, and only once: its reserve is released, and a result is stored if room
# can be made for it (worker/results.py); the ending is pushed to the list for a waiter's BLPOP.
_FINISH = (
    LUA
    + accounting.LUA_HELPERS
    + """
local status = redis.call('HGET', KEYS[1], 'status')
if status ~= 'queued' and status ~= 'running' then return 0 end
local p, id, outcome, err = ARGV[5], ARGV[6], ARGV[3], ARGV[4]
local ttl = tonumber(redis.call('HGET', KEYS[1], 'ttl'))
redis.call('SREM', p .. 'results:inflight', id)
if outcome == 'succeeded' and #ARGV > 9 then
  local owner, size = redis.call('HGET', KEYS[1], 'owner'), tonumber(ARGV[9])
  if make_room(p, id, owner, size, tonumber(ARGV[7]), tonumber(ARGV[8]), ARGV[1]) then
    store(p, id, owner, size, tonumber(ARGV[2]), ttl, {unpack(ARGV, 10)})
    redis.call('HSET', KEYS[1], 'stored', size)
  else
    outcome = 'failed'
    err = cjson.encode({type = '/problems/result-store-full', title = 'Result store full',
      detail = 'the result (' .. size .. ' bytes) does not fit the result store beside the '
        .. 'results reserved by running jobs; try again later'})
  end
end
redis.call('HSET', KEYS[1], 'status', outcome, 'finished_at', ARGV[1], 'error', err)
-- a job that succeeded did every pass, whatever progress writes an outage lost
local progress = redis.call('HGET', KEYS[1], 'progress')
if outcome == 'succeeded' and progress and progress ~= 'null' then
  local done = cjson.decode(progress)
  passes(progress, done['total'])
  redis.call('HSET', KEYS[1], 'progress', cjson.encode({done = done['total'],
                                                        total = done['total']}))
end
ended(KEYS[1], id, outcome, tonumber(ARGV[2]) / 1000)
redis.call('EXPIRE', KEYS[1], ttl)
redis.call('RPUSH', KEYS[2], outcome)
redis.call('EXPIRE', KEYS[2], 60)
return 1
"""
)
# KEYS[1] record, KEYS[2] the index, KEYS[3] the owner's index (or the index again); ARGV:
# prefix, id, ttl, created (us), oldest score kept, reserve, budget, per-owner budget, owner
# ('' for none), then the record's fields and values. Created only if the reserves in flight
# and this one fit the budgets; else {0, bytes reserved} or {-1, the owner's bytes reserved}.
_CREATE = (
    LUA
    + """
local p, id, reserve = ARGV[1], ARGV[2], tonumber(ARGV[6])
local owner = ARGV[9] ~= '' and ARGV[9] or nil
local all, by = reserved(p, id)
if all + reserve > tonumber(ARGV[7]) then return {0, all} end
local per_owner = tonumber(ARGV[8])
if owner and per_owner > 0 and (by[owner] or 0) + reserve > per_owner then
  return {-1, by[owner] or 0}
end
redis.call('HSET', KEYS[1], unpack(ARGV, 10))
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[3]))
redis.call('SADD', p .. 'results:inflight', id)
for i = 2, 3 do
  redis.call('ZADD', KEYS[i], tonumber(ARGV[4]), id)
  redis.call('ZREMRANGEBYSCORE', KEYS[i], '-inf', tonumber(ARGV[5]))
  redis.call('EXPIRE', KEYS[i], tonumber(ARGV[3]))
end
return {1, 0}
"""
)


class StoreFull(Exception):
    """A job's result would not fit the result store beside the results reserved in flight."""

    def __init__(self, reserve: int, reserved: int, budget: int, owner: bool):
        self.reserve, self.reserved, self.budget, self.owner = reserve, reserved, budget, owner
        whose = "your results' share of" if owner else ""
        super().__init__(
            f"the result needs up to {reserve} bytes of {whose} the result store "
            f"({budget} bytes), and jobs in flight already hold {reserved}; try again when "
            "they have finished, or ask for less (include, naive.sample)".replace("  ", " ")
        )


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def new_id() -> str:
    """128 random bits, URL-safe, never starting with '-' (which a command line would read as
    an option): a token that does is drawn again."""
    while (token := secrets.token_urlsafe(16)).startswith("-"):
        pass
    return token


class JobStore:
    def __init__(self, client: redis.Redis, ttl: int = 24 * 3600, budget: Budget = DEFAULT_BUDGET):
        self.redis, self.ttl, self.budget = client, ttl, budget
        self.results = ResultStore(_binary(client))
        self._start = client.register_script(_START)
        self._cancel = client.register_script(_CANCEL)
        self._create = client.register_script(_CREATE)
        self._finish = client.register_script(_FINISH)
        self._part_progress = client.register_script(_PART_PROGRESS)
        self._delete = client.register_script(_DELETE)
        self._progress = client.register_script(_PROGRESS)
        self._admit = client.register_script(accounting.ADMIT)

    @classmethod
    def from_url(
        cls,
        url: str,
        ttl: int = 24 * 3600,
        timeout: float = 2.0,
        budget: Budget = DEFAULT_BUDGET,
        connections: int = 100,
    ) -> JobStore:
        """A store on the Redis at `url`; `connections` bounds the client's pool (a held ?wait
        or event stream keeps one while it blocks)."""
        client = redis.Redis.from_url(
            url,
            socket_timeout=timeout,
            socket_connect_timeout=timeout,
            decode_responses=True,
            max_connections=connections,
        )
        return cls(client, ttl, budget)

    # -- the API's side
    def admit(self, job_id: str, job_class: str, holder: str, limit: int) -> tuple[bool, int]:
        """Count `job_id` among `holder`'s unfinished jobs of `job_class` unless `limit` are
        already in flight: (admitted, how many are in flight with it, or without it)."""
        admitted, count = self._admit(
            keys=[accounting.inflight_key(job_class, holder)],
            args=[limit, job_id, time.time(), self.key("")],
        )
        return bool(admitted), int(count)

    def release(self, job_id: str, job_class: str, holder: str) -> None:
        """Take back an admission whose job was not created after all."""
        self.redis.zrem(accounting.inflight_key(job_class, holder), job_id)

    def create(
        self,
        spec: Any,
        progress: dict[str, int] | None = None,
        owner: str | None = None,
        layers: list[int] | None = None,
        methods: list[str] | None = None,
        size: dict[str, int] | None = None,
        job_class: str = "interactive",
        job_id: str | None = None,
        holder: str | None = None,
    ) -> dict[str, Any]:
        """Record a queued job; `layers` and `methods` (from the validated spec) let a listing
        say what each job is without reading its spec. Its result may take `size["reserved"]`
        stored bytes: StoreFull is raised when that does not fit beside the reserves of the
        jobs in flight. `holder` names whose in-flight count it was admitted to (admit)."""
        job_id, created = job_id or new_id(), time.time()
        reserve = (size or {}).get("reserved", 0)
        record = {
            "id": job_id,
            "class": job_class,
            "status": "queued",
            "created_at": now(),
            "started_at": None,
            "finished_at": None,
            "progress": progress,
            "layers": layers,
            "methods": methods,
            "spec": spec,
            "error": None,
            "result_size": size,
            "result_expired": None,
        }
        internal = (
            {"ttl": self.ttl, "reserve": reserve}
            | ({"owner": owner} if owner else {})
            | ({"inflight": accounting.inflight_key(job_class, holder)} if holder else {})
        )
        fields = [x for pair in _encode(record | internal).items() for x in pair]
        admitted, reserved = self._create(
            keys=[self.key(job_id), INDEX, self.index(owner)],
            args=[
                PREFIX,
                job_id,
                self.ttl,
                int(created * 1e6),
                int((created - self.ttl) * 1e6),
                reserve,
                self.budget.total,
                self.budget.per_owner,
                owner or "",
                *fields,
            ],
        )
        if admitted != 1:
            own = admitted == -1
            raise StoreFull(
                reserve, reserved, self.budget.per_owner if own else self.budget.total, own
            )
        self.redis.hincrby(accounting.SUBMITTED, job_class, 1)
        return record | {"result": None}

    def get(
        self, job_id: str, owner: str | None = None, result: bool = True
    ) -> dict[str, Any] | None:
        """The record, or None if it is unknown or (given an owner) belongs to someone else;
        with `result`, a succeeded job's stored result is read into it (else it is left out)."""
        raw = self.redis.hgetall(self.key(job_id))
        if not raw.get("status") or (owner is not None and raw.get("owner") != owner):
            return None
        record = _decode(raw)
        if result:
            record["result"] = self.result(job_id, record)
        return record

    def result(
        self, job_id: str, record: dict[str, Any], keys: list[str] | None = None
    ) -> dict[str, Any] | None:
        """The job's result (only `keys`), or None: not succeeded, or the result expired."""
        if "result" in record:  # written whole into the record before results were stored
            whole = record["result"]
            return (
                whole
                if keys is None or whole is None
                else {k: v for k, v in whole.items() if k in keys}
            )
        return self.results.load(job_id, keys) if record["status"] == "succeeded" else None

    def status(self, job_id: str) -> str | None:
        return self.redis.hget(self.key(job_id), "status")

    def recent(
        self, limit: int, before: int | None = None, owner: str | None = None
    ) -> tuple[list[dict], int | None]:
        """Up to `limit` records (of `owner`'s, if given), newest first, created before the
        cursor `before`."""
        top = f"({before}" if before is not None else "+inf"
        scored = self.redis.zrevrangebyscore(
            self.index(owner), top, "-inf", start=0, num=limit + 1, withscores=True
        )
        summary = (
            "id",
            "class",
            "created_at",
            "started_at",
            "finished_at",
            "progress",
            "layers",
            "methods",
        )
        with self.redis.pipeline() as pipe:
            for job_id, _ in scored[:limit]:
                pipe.hmget(self.key(job_id), ("status", *summary))
            rows = pipe.execute()
        jobs = [_decode(dict(zip(("status", *summary), row))) for row in rows if row[0]]
        more = len(scored) > limit
        return jobs, int(scored[limit - 1][1]) if more else None

    def cancel(self, job_id: str) -> str | None:
        """Cancel a queued job now, or flag a running one; the status it had, None if unknown."""
        return self._cancel(
            keys=[self.key(job_id), self.ended_key(job_id)], args=[now(), time.time(), job_id]
        )

    def delete(self, job_id: str) -> bool:
        """Remove the job (False if unknown); a running one stops at its next check."""
        return bool(
            self._delete(
                keys=[self.key(job_id), self.ended_key(job_id), INDEX],
                args=[job_id, f"{INDEX}:", PREFIX],
            )
        )

    def wait(self, job_id: str, seconds: float) -> str | None:
        """Block until the job has ended or `seconds` have passed; its status then. Woken by the
        end's push (BLPOP, in slices shorter than the socket timeout), not by polling."""
        deadline = time.monotonic() + seconds
        while (status := self.status(job_id)) in ("queued", "running"):
            left = deadline - time.monotonic()
            if left <= 0:
                break
            self.redis.blpop([self.ended_key(job_id)], timeout=min(left, 1.0))
        return status

    # -- the worker's side
    def start(self, job_id: str, worker: str = "") -> bool:
        """Queued -> running, noting which worker took it (not shown in the job's JSON)."""
        return bool(self._start(keys=[self.key(job_id)], args=[now(), time.time(), worker]))

    def cancel_requested(self, job_id: str) -> bool:
        """Cancel asked, or the job deleted."""
        status, cancel = self.redis.hmget(self.key(job_id), ("status", "cancel"))
        return cancel == "1" or status is None

    def progress(self, job_id: str, done: int, total: int) -> None:
        self._progress(keys=[self.key(job_id)], args=[done, total])

    def part_progress(
        self, job_id: str, part: str, done: int, total: int, parts: list[str]
    ) -> None:
        """A part's passes done; the job's progress becomes the sum over `parts` of `total`."""
        self._part_progress(keys=[self.key(job_id)], args=[part, done, total, *parts])

    def ended(self, job_id: str) -> bool:
        """Cancel asked, or the job already over (a part failed): a part's reason to stop."""
        status, cancel = self.redis.hmget(self.key(job_id), ("status", "cancel"))
        return cancel == "1" or status not in ("queued", "running")

    def finish(self, job_id: str, status: str, result: Any = None, error: Any = None) -> bool:
        """End an unfinished job (False if it had ended or is unknown); the TTL starts again.
        A result is stored compactly, dropping the oldest results if the budget needs it."""
        fields = result_codec.pack(result) if result is not None else {}
        pairs = [x for pair in fields.items() for x in pair]
        return bool(
            self._finish(
                keys=[self.key(job_id), self.ended_key(job_id)],
                args=[
                    now(),
                    int(time.time() * 1000),
                    status,
                    json.dumps(error, allow_nan=False),
                    PREFIX,
                    job_id,
                    self.budget.total,
                    self.budget.per_owner,
                    result_codec.stored_bytes(fields),
                    *pairs,
                ],
            )
        )

    @staticmethod
    def key(job_id: str) -> str:
        return f"{PREFIX}job:{job_id}"

    @staticmethod
    def ended_key(job_id: str) -> str:
        return f"{PREFIX}ended:{job_id}"

    @staticmethod
    def index(owner: str | None = None) -> str:
        return f"{INDEX}:{owner}" if owner else INDEX


def _encode(record: dict[str, Any]) -> dict[str, str]:
    return {
        k: json.dumps(v, allow_nan=False) if k in _JSON_FIELDS or v is None else str(v)
        for k, v in record.items()
    }


def _decode(raw: dict[str, str | None]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in raw.items():
        if k in _INTERNAL or k.startswith("done:"):
            continue
        out[k] = json.loads(v) if v is not None and (k in _JSON_FIELDS or v == "null") else v
    if out.get("result_size") is not None:
        stored = raw.get("stored")
        out["result_size"]["stored"] = int(stored) if stored is not None else None
    return out


def _binary(client: redis.Redis) -> redis.Redis:
    """A client on the same server that leaves values as bytes (a result's fields are binary)."""
    kwargs = client.connection_pool.connection_kwargs | {"decode_responses": False}
    return redis.Redis(
        connection_pool=redis.ConnectionPool(
            connection_class=client.connection_pool.connection_class, **kwargs
        )
    )
