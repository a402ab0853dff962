"""The job tasks: thin edges around `model.run`. JSON in (a job id), JSON out (the record).

The spec comes from the job record, not the message, so the record is the one truth; a task
only moves the status along, reports progress (throttled) and reads the cancel flag. A big
naive job runs as parts joined by a chord (worker/split.py): `run_job` sends them, `run_part`
nudges one range, `join_parts` makes the result.

Each task runs its work (`run_work` -> an `Outcome`), records the job's end (`record_end`,
once, through a Redis outage) and then ends itself as the record says
(`end_task_as_recorded`). The settings are the running app's (`task.app.settings`).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import cache
from typing import Any

from celery import Task, shared_task
from celery.exceptions import Ignore, SoftTimeLimitExceeded
from kombu.exceptions import OperationalError
from redis.exceptions import RedisError

import model

from . import split, sweeps
from .names import JOIN_PARTS, RUN_JOB, RUN_PART
from .problems import Slug, problem
from .records import JobStore
from .settings import Settings

OUTAGE_PATIENCE = 120.0  # seconds to keep trying to record a job's end while Redis is away
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Outcome:
    """How a job's work ended: succeeded (with its result), cancelled, or failed (why)."""

    status: str
    result: Any = None
    error: dict[str, str] | None = None


CANCELLED = Outcome("cancelled")


def failed(slug: Slug, title: str, detail: str) -> Outcome:
    return Outcome("failed", error=problem(slug, title, detail))


class JobFailed(Exception):
    """The job failed, and its record says why: the task ends FAILURE with that reason."""


class JobTask(Task):
    throws = (JobFailed,)  # an expected end: logged without a traceback

    @property
    def settings(self) -> Settings:
        return self.app.settings

    @property
    def jobs(self) -> JobStore:
        """The job records of the app's settings (one store, and one Redis pool, per settings)."""
        return job_store(self.app.settings)

    def on_failure(self, exc, task_id, args, kwargs, einfo) -> None:
        """Records the hard time limit, the one end the task could not record itself."""
        if isinstance(exc, JobFailed):
            return  # the end is recorded already
        job_id = kwargs.get("job_id") or args[0]
        end = failed(Slug.TIME_LIMIT, "Time limit", f"the worker stopped the job: {exc!r}")
        self.jobs.finish(job_id, end.status, error=end.error)
        release_sweep(self, job_id)


@cache
def job_store(settings: Settings) -> JobStore:
    return JobStore.from_settings(settings)


@shared_task(name=RUN_JOB, base=JobTask, bind=True)
def run_job(self: JobTask, job_id: str) -> str:
    """Run a queued job's spec, or send its parts; a job cancelled while queued never starts."""
    jobs = self.jobs
    if not jobs.start(job_id, self.request.hostname or ""):
        return end_task_as_recorded(self, job_id, "skipped")
    spec = jobs.get(job_id, result=False)["spec"]
    parsed = model.parse_spec(spec)  # once, for the plan and the run
    limit = self.settings.job_soft_time_limit
    turn = cache_turn(jobs, job_id, parsed, limit / 2)
    if turn in ("hit", "ended"):
        return end_task_as_recorded(self, job_id, "succeeded" if turn == "hit" else "skipped")
    if turn == "cancelled":
        return end_task_as_recorded(self, job_id, record_end(jobs, job_id, CANCELLED))
    jobs.cache.computed()
    cut = split.plan(parsed, self.settings.naive_split_passes, self.settings.naive_parts)
    if cut is None:
        probe = JobProbe(jobs, job_id)
        outcome = run_work(job_id, limit, model.run, parsed, probe.progress, probe.should_stop)
        return end_task_as_recorded(self, job_id, record_end(jobs, job_id, outcome))
    sent = run_work(job_id, limit, _send_parts, jobs, job_id, spec, parsed, cut)
    if sent.status == "succeeded":
        return "split"  # this task's part is done; the join ends the job
    return end_task_as_recorded(self, job_id, record_end(jobs, job_id, sent))


@shared_task(name=RUN_PART, base=JobTask, bind=True)
def run_part(
    self: JobTask,
    job_id: str,
    part: int,
    start: int,
    stop: int,
    base_cost: float | None,
    parts: list[str],
) -> dict[str, Any]:
    """Nudge one range of a split job; a failure or cancel here ends the whole job."""
    jobs = self.jobs
    if jobs.ended(job_id):  # failed or cancelled: a still running job has its cancel flag
        record_end(jobs, job_id, CANCELLED)
        return {"start": start, "stop": stop, "ended": True}
    spec = jobs.get(job_id)["spec"]
    probe = PartProbe(jobs, job_id, str(part), split.total_passes(spec), parts)
    limit = self.settings.job_soft_time_limit
    nudge = (spec, start, stop, base_cost, probe.progress, probe.should_stop)
    outcome = run_work(job_id, limit, model.naive_part, *nudge)
    if outcome.status == "succeeded":
        return outcome.result
    if outcome.error:
        count = len(parts) - (split.BASE in parts)
        where = f"part {part + 1} of {count} (naive indices {start}..{stop - 1})"
        error = outcome.error | {"detail": f"{where}: {outcome.error['detail']}"}
        outcome = replace(outcome, error=error)
    record_end(jobs, job_id, outcome)
    return {"start": start, "stop": stop, "ended": True}


@shared_task(name=JOIN_PARTS, base=JobTask, bind=True)
def join_parts(self: JobTask, parts: list[dict], job_id: str, base: dict | None = None) -> str:
    """The chord's callback: join the parts into the job's result, unless the job has ended."""
    jobs = self.jobs
    if jobs.status(job_id) != "running":
        return end_task_as_recorded(self, job_id, "skipped")
    if jobs.cancel_requested(job_id) or any(p.get("ended") for p in parts):
        return end_task_as_recorded(self, job_id, record_end(jobs, job_id, CANCELLED))
    spec = jobs.get(job_id)["spec"]
    outcome = run_work(job_id, self.settings.job_soft_time_limit, split.join, spec, parts, base)
    return end_task_as_recorded(self, job_id, record_end(jobs, job_id, outcome))


def cache_turn(jobs: JobStore, job_id: str, parsed: model.JobSpec, patience: float) -> str:
    """The job's turn at the result cache (worker/cache.py), with the key this worker's BLAS
    gives: "hit" (served, ended), "compute" (claimed, or the cache is not used), "ended" (by a
    delete) or "cancelled" (while it waited). A job computing the same key is waited for, at
    most `patience` seconds; after that this one computes too."""
    use = jobs.cache_use(job_id)
    if use is None:
        return "compute"
    key, deadline = model.result_key(parsed), time.monotonic() + patience
    while True:
        late = time.monotonic() > deadline
        wait = use == "serve" and not late
        turn = jobs.cache.turn(job_id, key, serve=use == "serve", claim=True, wait=wait)
        if turn.outcome in ("hit", "ended"):
            return turn.outcome
        if turn.outcome != "wait":
            return "compute"
        jobs.wait(turn.other, min(1.0, max(deadline - time.monotonic(), 0.0)))
        if jobs.cancel_requested(job_id):
            return "cancelled"


def run_work(job_id: str, soft_time_limit: float, work: Callable, *args: Any) -> Outcome:
    """Run the job's `work(*args)`: succeeded with what it returns, cancelled, or failed with
    the reason (a spec that cannot run, the soft time limit, a bug, which is logged)."""
    try:
        return Outcome("succeeded", result=work(*args))
    except model.Cancelled:
        return CANCELLED
    except model.SpecError as exc:
        return failed(Slug.SPEC, "The spec cannot run", str(exc))
    except SoftTimeLimitExceeded:
        return failed(Slug.TIME_LIMIT, "Time limit", f"the job ran past {soft_time_limit:g} s")
    except Exception as exc:  # a bug: record it and let the log show it
        log.exception("job %s failed", job_id)
        return failed(Slug.INTERNAL, "Internal error", f"{type(exc).__name__}: {exc}")


def record_end(
    jobs: JobStore, job_id: str, outcome: Outcome, patience: float = OUTAGE_PATIENCE
) -> str:
    """Record the job's end (JobStore.finish: once; a job that has ended stays as it was), and
    say which end: a success whose cancel landed after the work is cancelled, and one whose
    result holds NaN or infinity (not JSON) has failed. The work is done: through a Redis
    outage, keep trying for `patience` seconds rather than leave the job running for ever."""
    deadline = time.monotonic() + patience
    while True:
        try:
            if outcome.status == "succeeded" and jobs.cancel_requested(job_id):
                outcome = CANCELLED
            jobs.finish(job_id, outcome.status, result=outcome.result, error=outcome.error)
            return outcome.status
        except ValueError:  # NaN or infinity in the result (before anything is written)
            detail = "the result holds NaN or infinity"
            outcome = failed(Slug.NOT_FINITE, "Result not finite", detail)
        except RedisError:
            if time.monotonic() > deadline:
                raise
            log.warning("job %s: Redis is away; recording its end again in 1 s", job_id)
            time.sleep(1.0)


def end_task_as_recorded(task: JobTask, job_id: str, status: str) -> str:
    """End the task as the job ended, so that a monitor (Flower) counts what happened: its
    record's end is read back (a part or a cancel may have ended it first) and the task is
    SUCCESS for succeeded, FAILURE with the reason for failed, REVOKED for cancelled or
    deleted. `status` is what this task recorded (record_end), or why it ran nothing. A
    sweep's child releases the sweep's next children first."""
    release_sweep(task, job_id)
    try:
        record = task.jobs.get(job_id, result=False)  # its status and error, not its result
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


def release_sweep(task: JobTask, job_id: str) -> None:
    """If the job is a sweep's child, send the sweep's children that may run now
    (worker/sweeps.py). Best effort: a release lost to an outage is made by the next one."""

    def send(child: str, queue: str) -> None:
        task.app.send_task(RUN_JOB, args=[child], task_id=child, queue=queue)

    try:
        sweeps.after_job(task.jobs.redis, task.settings.job_ttl, job_id, send)
    except (RedisError, OperationalError) as exc:
        log.warning("job %s: its sweep's next children wait for the next release (%s)", job_id, exc)


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


class JobProbe:
    """What the model calls while it works: `progress` (written at most every `interval`
    seconds, and the last one always) and `should_stop` (the job's cancel flag).

    Both are best effort: while Redis is away the work goes on (no progress, no cancel), and
    its end is recorded once Redis is back (`record_end`)."""

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


class PartProbe(JobProbe):
    """A part's passes go to its own field of the record; it stops when the job has ended."""

    def __init__(self, jobs: JobStore, job_id: str, part: str, total: int, parts: list[str]):
        super().__init__(jobs, job_id)
        self.part, self.total, self.parts = part, total, parts

    def report(self, done: int, total: int) -> None:
        self.jobs.part_progress(self.job_id, self.part, done, self.total, self.parts)

    def stopped(self) -> bool:
        return self.jobs.ended(self.job_id)
