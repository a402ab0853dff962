"""The /v1 routes. Each view only connects a request to `jobs` or `catalog` and answers."""

from __future__ import annotations

from flask import Blueprint

from . import catalog, events, exercises, jobs, results
from .clients import owner, rate_key, require_key
from .inputs import JobQuery, ListQuery, SubmitQuery, json_body, query
from .practice.schemas import ExercisesQuery, FlashcardsQuery
from .schemas import Job

v1 = Blueprint("v1", __name__, url_prefix="/v1")
v1.before_request(require_key)


@v1.post("/jobs")
def submit_job():
    """Submit a job spec; 202 while it runs, 200 with the finished job when ?wait=S suffices."""
    job, stored = jobs.submit(json_body(), query(SubmitQuery).wait, owner(), rate_key())
    status = 200 if job["status"] in jobs.TERMINAL else 202
    return results.job_response(job, stored, None, None), status, {"Location": job["links"]["self"]}


@v1.get("/jobs/<job_id>")
def get_job(job_id: str):
    """A job: status, progress, timestamps, its spec, and the result or the error."""
    job_fields, keys = results.wanted(query(JobQuery).names, Job.model_fields)
    record, stored = jobs.read(job_id, owner(), keys, with_result=keys is None or bool(keys))
    return results.job_response(record, stored, job_fields, keys)


@v1.get("/jobs/<job_id>/result.npz")
def get_result_npz(job_id: str):
    """The result's arrays in NumPy's .npz format, the rest in its member result.json."""
    record, stored = jobs.read(job_id, owner())
    if stored is None:
        raise jobs.no_result(record)
    return results.npz_response(job_id, stored)


@v1.post("/jobs/<job_id>/cancel")
def cancel_job(job_id: str):
    """Cancel a job: a queued one never starts, a running one stops within a second or two."""
    job, status = jobs.cancel(job_id, owner())
    return jobs.with_links(job), status


@v1.delete("/jobs/<job_id>")
def delete_job(job_id: str):
    """Remove a job (cancelling it if unfinished); afterwards it answers 404."""
    jobs.delete(job_id, owner())
    return "", 204


@v1.get("/jobs/<job_id>/events")
def job_events(job_id: str):
    """Server-sent events: `progress` while the job runs, then one `end` with the finished job."""
    return events.stream(job_id, owner(), jobs.stream_lifetime())


@v1.get("/jobs")
def list_jobs():
    """Recent jobs, newest first, without spec and result; follow `next` for more."""
    page = query(ListQuery)
    return jobs.recent(page.limit, page.cursor, owner())


@v1.get("/jobs/<job_id>/exercises")
def exercises_for_job(job_id: str):
    """Exercises from a succeeded job's numbers (?count, ?kinds, ?seed), never with the answer."""
    return exercises.listing(job_id, query(ExercisesQuery), owner())


@v1.post("/jobs/<job_id>/exercises/<exercise_id>/answer")
def answer_exercise(job_id: str, exercise_id: str):
    """Check an answer: whether it is right, the right one, and why, with the job's numbers."""
    return exercises.check(job_id, exercise_id, json_body(), owner())


@v1.get("/flashcards")
def flashcards():
    """The lesson's ideas as cards; ?job=<id> fills in that job's numbers."""
    return exercises.cards(query(FlashcardsQuery).job, owner())


@v1.get("/health")
def health():
    """The API process is up."""
    return {"status": "ok"}


@v1.get("/ready")
def ready():
    """Redis answers and at least one worker answers a ping; 503 otherwise."""
    return catalog.readiness()


@v1.get("/datasets")
def datasets():
    """The built-in batch sources: real MNIST digits, the real 8x8 digits, random numbers."""
    return catalog.datasets()


@v1.get("/presets")
def presets():
    """The shipped parameter sets (network.preset), with their test accuracy and recipe."""
    return catalog.presets()


@v1.get("/examples")
def examples():
    """Ready job specs (the lesson's 784-16-16-10 net on digits, ...) with their cost estimate."""
    return catalog.examples()
