"""The job resource: submit (validate, record, enqueue), read, wait, list and cancel.

The API never computes a gradient: it validates the spec against the limits, writes the job
record before the message is queued (so a job is never lost between the two), and reads what
the worker writes back.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from celery import Celery
from flask import current_app, url_for

import model
from worker import records, result_codec
from worker.names import RUN_JOB
from worker.problems import Slug, problem, uri
from worker.records import TERMINAL, JobStore, StoreFull  # noqa: F401 (views read TERMINAL)
from worker.settings import Settings

from . import classes
from .errors import Problem, invalid
from .holds import HOLD_MARGIN, holder_name, holding
from .wakeups import Wakeups
from .workers import Workers

NO_WORKER = {
    "type": uri(Slug.NO_WORKER),
    "detail": "no worker answers: the job waits in the queue and starts when one does",
}


@dataclass
class Services:
    settings: Settings
    store: JobStore
    celery: Celery
    workers: Workers
    queues: dict[str, str]  # class -> its Celery queue
    wakeups: Wakeups  # the process's subscriber to jobs' ends (api/wakeups.py)


def services() -> Services:
    return current_app.extensions["backprop-lab"]


def submit(
    data: Any,
    spec: model.JobSpec,
    wait: float,
    owner: str | None = None,
    holder: str | None = None,
    use_cache: bool = True,
    keys: list[str] | None = None,
) -> tuple[dict[str, Any], dict[str, bytes] | None]:
    """Classify the spec (`data` validated), admit it against `holder`'s quota (if given),
    record, then serve it from the result cache (worker/cache.py) or queue it; with `wait`,
    wait for its end. The job (with links) and, once it succeeded, its stored result's fields
    (as `read` gives them). `use_cache` False computes the job even when its result is kept
    (RESULT_CACHE off: none is); `keys` are the result names asked for (?fields=), the stored
    fields read for them. A `wait` is a held request of the holder (`api.holds`), taken
    first: over HELD_PER_OWNER nothing is recorded (429)."""
    if wait > 0 and holder is not None:
        seconds = min(wait, services().settings.max_wait)
        with hold(holder, "wait", seconds + HOLD_MARGIN):
            return _submit(data, spec, seconds, owner, holder, use_cache, keys)
    return _submit(data, spec, wait, owner, holder, use_cache, keys)


def _submit(
    data: Any,
    spec: model.JobSpec,
    wait: float,
    owner: str | None,
    holder: str | None,
    use_cache: bool,
    keys: list[str] | None,
) -> tuple[dict[str, Any], dict[str, bytes] | None]:
    s = services()
    estimate = model.estimate_cost(spec)
    passes = estimate["naive_passes"] + estimate.get("training_passes", 0)
    size = model.estimate_result(spec)
    job_class = classes.job_class(
        spec,
        s.settings.interactive_seconds,
        s.settings.naive_split_passes,
        s.settings.interactive_result_bytes,
        size,
    )
    too_big = model.result_too_big(spec, s.settings.max_result_bytes, size)
    if too_big:
        raise invalid([too_big])
    reserve = result_codec.reserve(size)
    cache_use = ("serve" if use_cache else "store") if s.settings.result_cache else None
    job_id = records.new_id()  # first: the quota counts it before its record exists
    if holder is not None:
        admit(job_id, job_class, holder)
    try:
        record = s.store.create(
            data,
            progress={"done": 0, "total": passes} if passes else None,
            owner=owner,
            layers=list(spec.network.layers),
            methods=list(spec.methods),
            size={"estimate": size["json_bytes"], "reserved": reserve},
            job_class=job_class,
            job_id=job_id,
            holder=holder,
            cache_use=cache_use,
        )
    except StoreFull as full:
        if holder is not None:
            s.store.release(job_id, job_class, holder)
        raise Problem(
            507,
            "Insufficient Storage",
            str(full),
            Slug.RESULT_STORE_FULL,
            errors=[
                {
                    "field": "include",
                    "message": str(full),
                    "limit": full.budget,
                    "estimate": {
                        "result_bytes": size["json_bytes"],
                        "stored_bytes": reserve,
                        "reserved": full.reserved,
                    },
                }
            ],
            headers={"Retry-After": "30"},
        ) from None
    if cache_use == "serve" and s.store.cache.serve(job_id, model.result_key(spec)):
        return read(job_id, owner, keys)  # served: it has ended, and nothing is queued
    try:
        s.celery.send_task(RUN_JOB, args=[job_id], task_id=job_id, queue=s.queues[job_class])
    except Exception:
        s.store.finish(
            record["id"],
            "failed",
            error=problem(Slug.UNAVAILABLE, "Not queued", "the queue did not accept the job"),
        )
        raise
    if wait > 0:
        return wait_for(record["id"], min(wait, s.settings.max_wait), owner, keys)
    return with_links(record), None


def admit(job_id: str, job_class: str, holder: str) -> None:
    """Count the job among the holder's jobs in flight, or refuse it (429) at the quota."""
    settings = services().settings
    limit = settings.batch_quota if job_class == "batch" else settings.interactive_quota
    admitted, count = services().store.admit(job_id, job_class, holder, limit)
    if not admitted:
        who = holder_name(holder)
        raise Problem(
            429,
            "Too Many Jobs",
            f"{count} {job_class} jobs of this {who} are queued "
            f"or running, and the limit is {limit}: submit again when one has finished",
            Slug.QUOTA,
            headers={"Retry-After": "10"},
            extra={"class": job_class, "in_flight": count, "limit": limit},
        )


def wait_for(
    job_id: str,
    seconds: float,
    owner: str | None = None,
    keys: list[str] | None = None,
) -> tuple[dict[str, Any], dict[str, bytes] | None]:
    """The job once it has finished, or as it is after `seconds` (woken by its end), with its
    stored result's fields as `read` gives them (those `keys` need)."""
    s = services()
    deadline = time.monotonic() + seconds
    with s.wakeups.watch(job_id) as ended:
        while s.store.status(job_id) in ("queued", "running"):
            left = deadline - time.monotonic()
            if left <= 0:
                break
            ended.wait(min(left, 1.0))  # woken by the end's message; a look each second
    return read(job_id, owner, keys)


def hold(holder: str, kind: str, horizon: float):
    """A held request of `kind` for `holder` while the block runs (api.holds), or 429."""
    s = services()
    return holding(s.store.redis, kind, holder, s.settings.held_per_owner, horizon)


def stream_lifetime() -> float:
    """The longest an event stream stays open: a job's hard time limit and the wait limit."""
    s = services()
    return s.settings.hard_time_limit + s.settings.max_wait


def find(job_id: str, owner: str | None = None) -> dict[str, Any]:
    """The job; with an owner (API keys on), only if it is that owner's."""
    record = services().store.get(job_id, owner)
    if record is None:
        raise not_found(job_id)
    return record


def read(
    job_id: str, owner: str | None = None, keys: list[str] | None = None, with_result: bool = True
) -> tuple[dict[str, Any], dict[str, bytes] | None]:
    """The job (with links, without its result) and its stored result's fields (only those
    `keys` need; None when it has no result: not succeeded, or expired)."""
    store = services().store
    record = store.get(job_id, owner, result=False)
    if record is None:
        raise not_found(job_id)
    stored = None
    if with_result and record["status"] == "succeeded":
        stored = store.results.fields(job_id, keys)
        if stored is None:  # dropped since the record was read: say when
            record["result_expired"] = store.redis.hget(store.key(job_id), "result_expired")
    return with_links(record), stored


def load_result(
    job_id: str, owner: str | None = None, keys: list[str] | None = None
) -> dict[str, Any] | None:
    """A job's result dict (only its top-level `keys`, if given), or None: the job has not
    succeeded, or its result expired. 404 for a job unknown (to this owner)."""
    record = services().store.get(job_id, owner, result=False)
    if record is None:
        raise not_found(job_id)
    return services().store.result(job_id, record, keys)


def cancel(job_id: str, owner: str | None = None) -> tuple[dict[str, Any], int]:
    """Cancel a queued job (200, cancelled) or ask a running one to stop (202, still running);
    a job that has ended stays as it is (200)."""
    if owner is not None:
        find(job_id, owner)  # another owner's job is as unknown as one never issued
    before = services().store.cancel(job_id)
    if before is None:
        raise not_found(job_id)
    return find(job_id, owner), 202 if before == "running" else 200


def delete(job_id: str, owner: str | None = None) -> None:
    """Remove the job: an unfinished one is cancelled first; then it answers 404."""
    find(job_id, owner)
    if not services().store.delete(job_id):
        raise not_found(job_id)


def recent(limit: int, cursor: str | None, owner: str | None = None) -> dict[str, Any]:
    """A page of jobs; `next` is an opaque cursor (the page's last creation time, in hex)."""
    before = int(cursor, 16) if cursor else None
    jobs, after = services().store.recent(limit, before, owner)
    return {"jobs": presented(jobs), "next": f"{after:x}" if after else None}


def presented(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The records as the API shows them: with their absolute links, and a warning on queued
    jobs while no worker is alive (one ping for the lot)."""
    queued = any(r["status"] == "queued" for r in records)
    warnings = [NO_WORKER] if queued and not services().workers.alive() else []
    return [
        r
        | {
            "links": {"self": url_for("v1.get_job", job_id=r["id"], _external=True)},
            "warnings": warnings if r["status"] == "queued" else [],
        }
        for r in records
    ]


def with_links(record: dict[str, Any]) -> dict[str, Any]:
    return presented([record])[0]


def not_found(job_id: str) -> Problem:
    return Problem(
        404,
        "Not Found",
        f"no job {job_id!r}: it was never issued or has expired",
        Slug.JOB_NOT_FOUND,
    )


def no_result(record: dict[str, Any]) -> Problem:
    """Why a job has no result to give: 410 once it expired, 409 before it succeeded."""
    if record.get("result_expired"):
        return Problem(
            410,
            "Gone",
            f"the result was dropped from the result store at "
            f"{record['result_expired']} to make room for newer ones",
            Slug.RESULT_EXPIRED,
        )
    return Problem(
        409, "Conflict", f"the job is {record['status']}: it has no result", Slug.NO_RESULT
    )
