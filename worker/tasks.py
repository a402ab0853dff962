"""The job tasks: thin edges around `model.run`. JSON in (a job id), JSON out (the record).

The spec comes from the job record, not the message, so the record is the one truth; a task
only moves the status along, reports progress (throttled) and reads the cancel flag. A big
naive job runs as parts joined by a chord (worker/split.py): `run_job` sends them, `run_part`
nudges one range, `join_parts` makes the result.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from functools import cache
from typing import Any

from celery import Task, current_app, shared_task
from celery.exceptions import Ignore, SoftTimeLimitExceeded
from redis.exceptions import RedisError

import model

from . import split
from .names import JOIN_PARTS, RUN_JOB, RUN_PART
from .records import JobStore
from .results import Budget

OUTAGE_PATIENCE = 120.0  # seconds to keep trying to record a job's end while Redis is away
log = logging.getLogger(__name__)


class JobFailed(Exception):
    """The job failed, and its record says why: the task ends FAILURE with that reason."""


class JobTask(Task):
    throws = (JobFailed,)  # an expected end: logged without a traceback

    def on_failure(self, exc, task_id, args, kwargs, einfo) -> None:
        """Records the hard time limit, the one end the task could not record itself."""
        if isinstance(exc, JobFailed):
            return  # the end is recorded already
        job_id = kwargs.get("job_id") or args[0]
        store().finish(
            job_id,
            "failed",
            error=_error("time-limit", "Time limit", f"the worker stopped the job: {exc!r}"),
        )


@shared_task(name=RUN_JOB, base=JobTask, bind=True)
def run_job(self: Task, job_id: str) -> str:
    """Run a queued job's spec, or send its parts; a job cancelled while queued never starts."""
    jobs = store()
    if not jobs.start(job_id, self.request.hostname or ""):
        return settle(self, jobs, job_id, "skipped")
    spec = jobs.get(job_id)["spec"]
    parsed = model.parse_spec(spec)  # once, for the plan and the run
    conf = current_app.conf
    cut = split.plan(parsed, conf.naive_split_passes, conf.naive_parts)
    if cut is None:
        return settle(
            self,
            jobs,
            job_id,
            execute(jobs, job_id, lambda edge: model.run(parsed, edge.progress, edge.should_stop)),
        )
    status, outcome = attempt(
        jobs, job_id, lambda edge: _send_parts(jobs, job_id, spec, parsed, cut)
    )
    if status == "succeeded":
        return "split"  # this task's part is done; the join ends the job
    return settle(self, jobs, job_id, _end(jobs, job_id, status, **outcome))


@shared_task(name=RUN_PART, base=JobTask)
def run_part(
    job_id: str, part: int, start: int, stop: int, base_cost: float | None, parts: list[str]
) -> dict[str, Any]:
    """Nudge one range of a split job; a failure or cancel here ends the whole job."""
    jobs = store()
    if jobs.ended(job_id):  # failed or cancelled: a still running job has its cancel flag
        _end(jobs, job_id, "cancelled")
        return {"start": start, "stop": stop, "ended": True}
    spec = jobs.get(job_id)["spec"]
    edge = PartEdge(jobs, job_id, str(part), split.total_passes(spec), parts)
    status, outcome = attempt(
        jobs,
        job_id,
        lambda _: model.naive_part(spec, start, stop, base_cost, edge.progress, edge.should_stop),
        edge,
    )
    if status == "succeeded":
        return outcome["result"]
    if "error" in outcome:
        count = len(parts) - (split.BASE in parts)
        where = f"part {part + 1} of {count} (naive indices {start}..{stop - 1})"
        outcome["error"]["detail"] = f"{where}: {outcome['error']['detail']}"
    _end(jobs, job_id, status, **outcome)
    return {"start": start, "stop": stop, "ended": True}


@shared_task(name=JOIN_PARTS, base=JobTask, bind=True)
def join_parts(self: Task, parts: list[dict], job_id: str, base: dict | None = None) -> str:
    """The chord's callback: join the parts into the job's result, unless the job has ended."""
    jobs = store()
    if jobs.status(job_id) != "running":
        return settle(self, jobs, job_id, "skipped")
    if jobs.cancel_requested(job_id) or any(p.get("ended") for p in parts):
        return settle(self, jobs, job_id, _end(jobs, job_id, "cancelled"))
    spec = jobs.get(job_id)["spec"]
    return settle(
        self, jobs, job_id, execute(jobs, job_id, lambda edge: split.join(spec, parts, base))
    )


def settle(task: Task, jobs: JobStore, job_id: str, status: str) -> str:
    """End the task as the job ended, so that a monitor (Flower) counts what happened: its
    record's end is read back (a part or a cancel may have ended it first) and the task is
    SUCCESS for succeeded, FAILURE with the reason for failed, REVOKED for cancelled or
    deleted. The record itself is written once, before (JobStore.finish)."""
    try:
        record = jobs.get(job_id)
    except RedisError:  # the end was recorded; Redis went away since: go by what we know
        record = {"status": status, "error": None}
    ended = record["status"] if record else "cancelled"
    if ended == "failed":
        error = record.get("error") or {}
        raise JobFailed(f"{error.get('type')}: {error.get('title')}: {error.get('detail')}")
    if ended == "cancelled":
        if task.request.id:  # run by a worker, not called in a test
            task.backend.mark_as_revoked(
                task.request.id, "the job was cancelled", request=task.request
            )
            task.send_event("task-revoked", terminated=False, signum=None, expired=False)
        raise Ignore()  # no SUCCESS after the REVOKED
    return status


def execute(jobs: JobStore, job_id: str, work: Callable[[Edge], Any]) -> str:
    """Run `work` and record how it ended: succeeded, cancelled or failed (with the reason)."""
    status, outcome = attempt(jobs, job_id, work)
    if status != "succeeded":
        return _end(jobs, job_id, status, **outcome)
    if jobs.cancel_requested(job_id):
        return _end(jobs, job_id, "cancelled")
    try:
        return _end(jobs, job_id, "succeeded", **outcome)
    except ValueError:  # NaN or infinity in the result: not JSON
        return _end(
            jobs,
            job_id,
            "failed",
            error=_error("not-finite", "Result not finite", "the result holds NaN or infinity"),
        )


def attempt(
    jobs: JobStore, job_id: str, work: Callable[[Edge], Any], edge: Edge | None = None
) -> tuple[str, dict[str, Any]]:
    """Run `work`: ("succeeded", {"result"}), ("cancelled", {}) or ("failed", {"error"})."""
    try:
        return "succeeded", {"result": work(edge or Edge(jobs, job_id))}
    except model.Cancelled:
        return "cancelled", {}
    except model.SpecError as exc:
        return "failed", {"error": _error("spec", "The spec cannot run", str(exc))}
    except SoftTimeLimitExceeded:
        limit = current_app.conf.task_soft_time_limit
        return "failed", {
            "error": _error("time-limit", "Time limit", f"the job ran past {limit:g} s")
        }
    except Exception as exc:  # a bug: record it and let the log show it
        log.exception("job %s failed", job_id)
        return "failed", {
            "error": _error("internal", "Internal error", f"{type(exc).__name__}: {exc}")
        }


def _send_parts(
    jobs: JobStore, job_id: str, spec: Any, parsed: model.JobSpec, cut: list[tuple[int, int]]
) -> None:
    """Queue the parts; `spec` is the JSON they carry, `parsed` the same spec validated."""
    base = None
    if parsed.naive.difference == "forward":
        base = model.naive_part(parsed, 0, 0)  # the base pass, once for every part
        jobs.part_progress(
            job_id, split.BASE, 1, split.total_passes(parsed), split.names(cut, True)
        )
    split.send(job_id, spec, cut, base)


class Edge:
    """Progress written at most every `interval` seconds, and the cancel flag for should_stop.

    Both are best effort: while Redis is away the work goes on (no progress, no cancel), and
    its end is recorded once Redis is back (`_end`)."""

    def __init__(self, jobs: JobStore, job_id: str, interval: float = 0.25):
        self.jobs, self.job_id, self.interval = jobs, job_id, interval
        self.last = 0.0

    def progress(self, done: int, total: int) -> None:
        if self.due(done, total):
            self._quietly(self.report, done, total)

    def should_stop(self) -> bool:
        return bool(self._quietly(self.stopped))

    def report(self, done: int, total: int) -> None:
        self.jobs.progress(self.job_id, done, total)

    def stopped(self) -> bool:
        return self.jobs.cancel_requested(self.job_id)

    def _quietly(self, step: Callable, *args: Any) -> Any:
        try:
            return step(*args)
        except RedisError as exc:
            log.warning("job %s: Redis is away (%s); the work goes on", self.job_id, exc)
            return None

    def due(self, done: int, total: int) -> bool:
        if done < total and time.monotonic() - self.last < self.interval:
            return False
        self.last = time.monotonic()
        return True


class PartEdge(Edge):
    """A part's passes go to its own field of the record; it stops when the job has ended."""

    def __init__(self, jobs: JobStore, job_id: str, part: str, total: int, parts: list[str]):
        super().__init__(jobs, job_id)
        self.part, self.total, self.parts = part, total, parts

    def report(self, done: int, total: int) -> None:
        self.jobs.part_progress(self.job_id, self.part, done, self.total, self.parts)

    def stopped(self) -> bool:
        return self.jobs.ended(self.job_id)


@cache
def _store(url: str, budget: Budget) -> JobStore:
    return JobStore.from_url(url, budget=budget)


def store() -> JobStore:
    """The job records of the app running the task (its settings' REDIS_URL), and their
    results' budget."""
    conf = current_app.conf
    return _store(conf.job_store_url, Budget(conf.result_store_bytes, conf.result_owner_bytes))


def _end(
    jobs: JobStore, job_id: str, status: str, patience: float = OUTAGE_PATIENCE, **outcome: Any
) -> str:
    """Record the job's end. The work is done: through a Redis outage, keep trying for
    `patience` seconds rather than leave the job running for ever."""
    deadline = time.monotonic() + patience
    while True:
        try:
            jobs.finish(job_id, status, **outcome)
            return status
        except RedisError:
            if time.monotonic() > deadline:
                raise
            log.warning("job %s: Redis is away; recording its end again in 1 s", job_id)
            time.sleep(1.0)


def _error(slug: str, title: str, detail: str) -> dict[str, str]:
    return {"type": f"/problems/{slug}", "title": title, "detail": detail}
