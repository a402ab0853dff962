"""The job resource: submit (validate, record, enqueue), read, wait, list and cancel.

The API never computes a gradient: it validates the spec against the limits, writes the job
record before the message is queued (so a job is never lost between the two), and reads what
the worker writes back.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from celery import Celery
from flask import current_app, url_for

import model
from worker.names import RUN_JOB
from worker.records import TERMINAL, JobStore  # noqa: F401 (the views read jobs.TERMINAL)
from worker.settings import Settings

from .errors import Problem


@dataclass
class Services:
    settings: Settings
    store: JobStore
    celery: Celery


def services() -> Services:
    return current_app.extensions["backprop-lab"]


def submit(data: Any, wait: float, owner: str | None = None) -> dict[str, Any]:
    s = services()
    spec = model.parse_spec(data, s.settings.limits)
    passes = model.estimate_cost(spec)["naive_passes"]
    record = s.store.create(data, progress={"done": 0, "total": passes} if passes else None,
                            owner=owner, layers=list(spec.network.layers),
                            methods=list(spec.methods))
    try:
        s.celery.send_task(RUN_JOB, args=[record["id"]], task_id=record["id"])
    except Exception:
        s.store.finish(record["id"], "failed", error={
            "type": "/problems/unavailable", "title": "Not queued",
            "detail": "the queue did not accept the job"})
        raise
    if wait > 0:
        return wait_for(record["id"], min(wait, s.settings.max_wait), owner)
    return record


def wait_for(job_id: str, seconds: float, owner: str | None = None) -> dict[str, Any]:
    """The job once it has finished, or as it is after `seconds` (woken by its end)."""
    services().store.wait(job_id, seconds)
    return find(job_id, owner)


def find(job_id: str, owner: str | None = None) -> dict[str, Any]:
    """The job; with an owner (API keys on), only if it is that owner's."""
    record = services().store.get(job_id, owner)
    if record is None:
        raise not_found(job_id)
    return record


def cancel(job_id: str, owner: str | None = None) -> tuple[dict[str, Any], int]:
    """Cancel a queued job (200, cancelled) or ask a running one to stop (202, still running)."""
    if owner is not None:
        find(job_id, owner)  # another owner's job is as unknown as one never issued
    before = services().store.cancel(job_id)
    if before is None:
        raise not_found(job_id)
    return find(job_id, owner), 202 if before == "running" else 200


def recent(limit: int, cursor: int | None, owner: str | None = None) -> dict[str, Any]:
    jobs, after = services().store.recent(limit, cursor, owner)
    return {"jobs": [with_links(j) for j in jobs],
            "next": url_for("v1.list_jobs", limit=limit, cursor=after) if after else None}


def with_links(record: dict[str, Any]) -> dict[str, Any]:
    return record | {"links": {"self": url_for("v1.get_job", job_id=record["id"])}}


def not_found(job_id: str) -> Problem:
    return Problem(404, "Not Found", f"no job {job_id!r}: it was never issued or has expired",
                   "job-not-found")
