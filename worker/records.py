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

from . import accounting, keyspace, result_codec
from .cache import ResultCache
from .problems import Slug, problem
from .results import ResultStore
from .scripts import Script
from .settings import Budget, Settings

TERMINAL = ("succeeded", "failed", "cancelled")
ENDED_SECONDS = 60  # an ended list's life: its waiters BLPOP on it in slices of a second
_JSON_FIELDS = ("progress", "spec", "result", "error", "layers", "methods", "result_size")
_INTERNAL = (
    *("ttl", "cancel", "owner", "reserve", "stored", "inflight", "started", "worker"),
    *("cache_use", "cache_key"),  # how the job takes part in the result cache (worker/cache.py)
    "sweep",  # the sweep a child job belongs to (worker/sweeps.py)
)
DEFAULT_CLAIM_SECONDS = 330  # a job's hard time limit by default (JOB_SOFT_TIME_LIMIT + 30)


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
    """The job records on one Redis client, with JOB_TTL and the result budget; each move of a
    job's status is one script of worker/lua/, called with its arguments by name."""

    key = staticmethod(keyspace.job)  # a record's key (the key builders are worker/keyspace.py)
    ended_key = staticmethod(keyspace.ended)
    index = staticmethod(keyspace.index)

    def __init__(
        self,
        client: redis.Redis,
        ttl: int,
        budget: Budget,
        claim_seconds: float = DEFAULT_CLAIM_SECONDS,
        binary: redis.Redis | None = None,
    ):
        """`binary` is a client on the same server that leaves values as bytes (by default one
        of its own, unbounded like `client`'s default pool)."""
        self.redis, self.ttl, self.budget = client, ttl, budget
        self.results = ResultStore(binary or _binary(client))
        self.cache = ResultCache(client, budget, claim_seconds, ENDED_SECONDS, now)
        self._admit = Script(client, "admit")
        self._create = Script(client, "create")
        self._start = Script(client, "start")
        self._progress = Script(client, "progress")
        self._part_progress = Script(client, "part_progress")
        self._cancel = Script(client, "cancel")
        self._finish = Script(client, "finish")
        self._delete = Script(client, "delete")

    @classmethod
    def from_settings(
        cls, settings: Settings, timeout: float = 2.0, connections: int = 100
    ) -> JobStore:
        """A store on the Redis at REDIS_URL, with JOB_TTL and the result budget of `settings`;
        `connections` bounds the client's pool (a held ?wait or event stream keeps one while
        it blocks)."""
        client = redis.Redis.from_url(
            settings.redis_url,
            socket_timeout=timeout,
            socket_connect_timeout=timeout,
            decode_responses=True,
            max_connections=connections,
        )
        return cls(client, settings.job_ttl, settings.budget, settings.hard_time_limit)

    # -- the API's side
    def admit(self, job_id: str, job_class: str, holder: str, limit: int) -> tuple[bool, int]:
        """Count `job_id` among `holder`'s unfinished jobs of `job_class` unless `limit` are
        already in flight: (admitted, how many are in flight with it, or without it)."""
        admitted, count = self._admit(
            inflight=keyspace.inflight(job_class, holder),
            job_id=job_id,
            limit=limit,
            now=time.time(),
            prefix=keyspace.PREFIX,
            grace=accounting.ADMISSION_GRACE,
            inflight_ttl=accounting.INFLIGHT_SECONDS,
        )
        return bool(admitted), int(count)

    def release(self, job_id: str, job_class: str, holder: str) -> None:
        """Take back an admission whose job was not created after all."""
        self.redis.zrem(keyspace.inflight(job_class, holder), job_id)

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
        cache_use: str | None = None,
        sweep: str | None = None,
    ) -> dict[str, Any]:
        """Record a queued job; `layers` and `methods` (from the validated spec) let a listing
        say what each job is without reading its spec. Its result may take `size["reserved"]`
        stored bytes: StoreFull is raised when that does not fit beside the reserves of the
        jobs in flight. `holder` names whose in-flight count it was admitted to (admit);
        `cache_use` how it takes part in the result cache ("serve", "store" or None:
        worker/cache.py); `sweep` the sweep it is a child of."""
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
            "cache": None,
        }
        internal = (
            {"ttl": self.ttl, "reserve": reserve}
            | ({"cache_use": cache_use} if cache_use else {})
            | ({"sweep": sweep} if sweep else {})
            | ({"owner": owner} if owner else {})
            | ({"inflight": keyspace.inflight(job_class, holder)} if holder else {})
        )
        admitted, reserved = self._create(
            record=keyspace.job(job_id),
            index=keyspace.INDEX,
            owner_index=keyspace.index(owner),
            job_id=job_id,
            owner=owner or "",
            reserve=reserve,
            created=int(created * 1e6),
            oldest=int((created - self.ttl) * 1e6),
            ttl=self.ttl,
            budget=self.budget.total,
            owner_budget=self.budget.per_owner,
            prefix=keyspace.PREFIX,
            fields=_flat(_encode(record | internal)),
        )
        if admitted != 1:
            own = admitted == -1
            raise StoreFull(
                reserve, reserved, self.budget.per_owner if own else self.budget.total, own
            )
        self.redis.hincrby(keyspace.SUBMITTED, job_class, 1)
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
            "cache",
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
            record=keyspace.job(job_id),
            ended=keyspace.ended(job_id),
            job_id=job_id,
            now=now(),
            now_epoch=time.time(),
            prefix=keyspace.PREFIX,
            buckets=accounting.BUCKET_FIELDS,
            ended_ttl=ENDED_SECONDS,
        )

    def delete(self, job_id: str) -> bool:
        """Remove the job (False if unknown); a running one stops at its next check."""
        return bool(
            self._delete(
                record=keyspace.job(job_id),
                ended=keyspace.ended(job_id),
                index=keyspace.INDEX,
                job_id=job_id,
                prefix=keyspace.PREFIX,
                ended_ttl=ENDED_SECONDS,
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
            self.redis.blpop([keyspace.ended(job_id)], timeout=min(left, 1.0))
        return status

    # -- the worker's side
    def start(self, job_id: str, worker: str = "") -> bool:
        """Queued -> running, noting which worker took it (not shown in the job's JSON)."""
        return bool(
            self._start(
                record=keyspace.job(job_id), now=now(), now_epoch=time.time(), worker=worker
            )
        )

    def cache_use(self, job_id: str) -> str | None:
        """How the job takes part in the result cache: "serve", "store" or None (create)."""
        return self.redis.hget(keyspace.job(job_id), "cache_use")

    def cancel_requested(self, job_id: str) -> bool:
        """Cancel asked, or the job deleted."""
        status, cancel = self.redis.hmget(keyspace.job(job_id), ("status", "cancel"))
        return cancel == "1" or status is None

    def progress(self, job_id: str, done: int, total: int) -> None:
        self._progress(record=keyspace.job(job_id), done=done, total=total, prefix=keyspace.PREFIX)

    def part_progress(
        self, job_id: str, part: str, done: int, total: int, parts: list[str]
    ) -> None:
        """A part's passes done; the job's progress becomes the sum over `parts` of `total`."""
        self._part_progress(
            record=keyspace.job(job_id),
            part=part,
            done=done,
            total=total,
            prefix=keyspace.PREFIX,
            parts=parts,
        )

    def ended(self, job_id: str) -> bool:
        """Cancel asked, or the job already over (a part failed): a part's reason to stop."""
        status, cancel = self.redis.hmget(keyspace.job(job_id), ("status", "cancel"))
        return cancel == "1" or status not in ("queued", "running")

    def finish(self, job_id: str, status: str, result: Any = None, error: Any = None) -> bool:
        """End an unfinished job (False if it had ended or is unknown); the TTL starts again.
        A result is stored compactly, dropping the oldest results if the budget needs it."""
        fields = result_codec.pack(result) if result is not None else {}
        size = result_codec.stored_bytes(fields)
        return bool(
            self._finish(
                record=keyspace.job(job_id),
                ended=keyspace.ended(job_id),
                job_id=job_id,
                outcome=status,
                err=json.dumps(error, allow_nan=False),
                now=now(),
                now_ms=int(time.time() * 1000),
                size=size,
                budget=self.budget.total,
                owner_budget=self.budget.per_owner,
                store_full=json.dumps(_store_full(size)),
                prefix=keyspace.PREFIX,
                buckets=accounting.BUCKET_FIELDS,
                ended_ttl=ENDED_SECONDS,
                fields=_flat(fields),
            )
        )


def _store_full(size: int) -> dict[str, str]:
    """The error of a job whose result (`size` stored bytes) finds no room at its end."""
    return problem(
        Slug.RESULT_STORE_FULL,
        "Result store full",
        f"the result ({size} bytes) does not fit the result store beside the results reserved "
        "by running jobs; try again later",
    )


def _flat(fields: dict[str, Any]) -> list[Any]:
    """A hash's fields as HSET takes them: name, value, name, value ..."""
    return [x for pair in fields.items() for x in pair]


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
