"""The job task: a thin edge around `model.run`. JSON in (a job id), JSON out (the record).

The spec comes from the job record, not the message, so the record is the one truth; the task
only moves the status along, reports progress (throttled) and reads the cancel flag.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from functools import cache
from typing import Any

from celery import Task, current_app, shared_task
from celery.exceptions import SoftTimeLimitExceeded

import model

from .records import JobStore

RUN_JOB = "backprop-lab.run_job"
log = logging.getLogger(__name__)


class JobTask(Task):
    def on_failure(self, exc, task_id, args, kwargs, einfo) -> None:
        """Reached only when the task could not record its own end: the hard time limit."""
        store().finish(args[0], "failed", error=_error(
            "time-limit", "Time limit", f"the worker stopped the job: {exc!r}"))


@shared_task(name=RUN_JOB, base=JobTask)
def run_job(job_id: str) -> str:
    """Run a queued job's spec; a job cancelled while queued never starts."""
    jobs = store()
    if not jobs.start(job_id):
        return "skipped"
    spec = jobs.get(job_id)["spec"]
    return execute(jobs, job_id, lambda edge: model.run(spec, edge.progress, edge.should_stop))


def execute(jobs: JobStore, job_id: str, work: Callable[[Edge], Any]) -> str:
    """Run `work` and record how it ended: succeeded, cancelled or failed (with the reason)."""
    edge = Edge(jobs, job_id)
    try:
        result = work(edge)
    except model.Cancelled:
        return _end(jobs, job_id, "cancelled")
    except model.SpecError as exc:
        return _end(jobs, job_id, "failed", error=_error("spec", "The spec cannot run", str(exc)))
    except SoftTimeLimitExceeded:
        limit = current_app.conf.task_soft_time_limit
        return _end(jobs, job_id, "failed",
                    error=_error("time-limit", "Time limit", f"the job ran past {limit:g} s"))
    except Exception as exc:  # a bug: record it and let the log show it
        log.exception("job %s failed", job_id)
        return _end(jobs, job_id, "failed",
                    error=_error("internal", "Internal error", f"{type(exc).__name__}: {exc}"))
    if jobs.cancel_requested(job_id):
        return _end(jobs, job_id, "cancelled")
    try:
        return _end(jobs, job_id, "succeeded", result=result)
    except ValueError:  # NaN or infinity in the result: not JSON
        return _end(jobs, job_id, "failed", error=_error(
            "not-finite", "Result not finite", "the result holds NaN or infinity"))


class Edge:
    """Progress written at most every `interval` seconds, and the cancel flag for should_stop."""

    def __init__(self, jobs: JobStore, job_id: str, interval: float = 0.25):
        self.jobs, self.job_id, self.interval = jobs, job_id, interval
        self.last = 0.0

    def progress(self, done: int, total: int) -> None:
        if done < total and time.monotonic() - self.last < self.interval:
            return
        self.last = time.monotonic()
        self.jobs.progress(self.job_id, done, total)

    def should_stop(self) -> bool:
        return self.jobs.cancel_requested(self.job_id)


@cache
def _store(url: str) -> JobStore:
    return JobStore.from_url(url)


def store() -> JobStore:
    return _store(current_app.conf.broker_url)


def _end(jobs: JobStore, job_id: str, status: str, **outcome: Any) -> str:
    jobs.finish(job_id, status, **outcome)
    return status


def _error(slug: str, title: str, detail: str) -> dict[str, str]:
    return {"type": f"/problems/{slug}", "title": title, "detail": detail}
