"""The API's routes, each declared once (api.routes): what it takes, what it answers, who may
call it. A view only connects the validated request to `jobs`, `exercises`, `catalog` or the
service's numbers. `v1` holds the job service, `site` the operators' numbers and the problem
pages; the page, its files and the documents are not routes of the API (api/__init__.py)."""

from __future__ import annotations

from flask import Blueprint, Response

from . import catalog, events, exercises, jobs, learner_access, neurons, problems, results
from .clients import owner, rate_key
from .inputs import ANSWER, SPEC, JobQuery, ListQuery, SubmitQuery, Submitted
from .metrics import CONTENT_TYPE, ServiceCollector, exposition
from .practice.schemas import AnswerCheck, Exercises, ExercisesQuery, Flashcards, FlashcardsQuery
from .routes import route
from .schemas import (
    EVENTS,
    HTML,
    JOB_FIELDS,
    NPZ,
    TEXT,
    Datasets,
    Examples,
    Health,
    Job,
    JobFields,
    JobList,
    Neuron,
    Presets,
    Ready,
)

v1 = Blueprint("v1", __name__, url_prefix="/v1")
site = Blueprint("site", __name__)
# A job request needs a key when API_KEYS is set (key="required") and sees only its key's jobs.
# A submitted job's answer names it: read, cancel or delete it next.
FOLLOW_THE_JOB = {
    op: {"job_id": "$response.body#/id"} for op in ("get_job", "cancel_job", "delete_job")
}


def spec_examples() -> dict:
    return {e["name"]: e["spec"] for e in catalog.examples()["examples"]}


@route(
    v1.post,
    "/jobs",
    body=SPEC,
    query=SubmitQuery,
    answers={202: (Job, JobFields), 200: (Job, JobFields)},  # ?fields= as GET
    headers={"Location": "The job's URL."},
    links=FOLLOW_THE_JOB,
    errors=(400, 413, 415, 422, 429, 503, 507),
    examples=spec_examples,
    key="required",
)
def submit_job(body: Submitted, query: SubmitQuery):
    """Submit a job spec; 202 while it runs, 200 with the finished job when ?wait=S suffices."""
    learner_access.check_submit(body.data)  # a learner session: its preset's specs only
    job_fields, keys = results.wanted(query.names, JOB_FIELDS)
    job, stored = jobs.submit(
        body.data, body.spec, query.wait, owner(), rate_key(), query.cache, keys
    )
    status = 200 if job["status"] in jobs.TERMINAL else 202
    answer = results.job_response(job, stored, job_fields, keys)
    return answer, status, {"Location": job["links"]["self"]}


@route(
    v1.get,
    "/jobs/<job_id>",
    query=JobQuery,
    answers={200: (Job, JobFields)},  # ?fields= leaves out what was not asked for
    errors=(404, 422, 503),
    key="required",
)
def get_job(job_id: str, query: JobQuery):
    """A job: status, progress, timestamps, its spec, and the result or the error."""
    job_fields, keys = results.wanted(query.names, JOB_FIELDS)
    record, stored = jobs.read(job_id, owner(), keys, with_result=keys is None or bool(keys))
    return results.job_response(record, stored, job_fields, keys)


@route(
    v1.get,
    "/jobs/<job_id>/result.npz",
    answers={200: NPZ},
    errors=(404, 409, 410, 503),
    key="required",
)
def get_result_npz(job_id: str):
    """The result's arrays in NumPy's .npz format, the rest in its member result.json."""
    record, stored = jobs.read(job_id, owner())
    if stored is None:
        raise jobs.no_result(record)
    return results.npz_response(job_id, stored)


@route(
    v1.get,
    "/jobs/<job_id>/layers/<int:layer>/neurons/<int:neuron>",
    answers={200: Neuron},
    errors=(404, 409, 410, 422, 503),
    key="required",
)
def job_neuron(job_id: str, layer: int, neuron: int):
    """One neuron of a succeeded job: its wish, its three ways and the shares it receives."""
    record, stored = jobs.read(job_id, owner(), neurons.READS)
    if stored is None:
        raise jobs.no_result(record)
    return neurons.response(stored, layer, neuron)


@route(
    v1.post,
    "/jobs/<job_id>/cancel",
    answers={200: Job, 202: Job},
    errors=(404, 503),
    key="required",
)
def cancel_job(job_id: str):
    """Cancel a job: a queued one never starts, a running one stops within a second or two."""
    job, status = jobs.cancel(job_id, owner())
    return jobs.with_links(job), status


@route(v1.delete, "/jobs/<job_id>", answers={204: None}, errors=(404, 503), key="required")
def delete_job(job_id: str):
    """Remove a job (cancelling it if unfinished); afterwards it answers 404."""
    jobs.delete(job_id, owner())
    return "", 204


@route(
    v1.get,
    "/jobs/<job_id>/events",
    answers={200: EVENTS},
    errors=(404, 429, 503),
    key="required",
)
def job_events(job_id: str):
    """Server-sent events: `progress` while the job runs, then one `end` with the finished job."""
    return events.stream(job_id, owner(), rate_key(), jobs.stream_lifetime())


@route(v1.get, "/jobs", query=ListQuery, answers={200: JobList}, errors=(422, 503), key="required")
def list_jobs(query: ListQuery):
    """Recent jobs, newest first, without spec and result; follow `next` for more."""
    return jobs.recent(query.limit, query.cursor, owner())


@route(
    v1.get,
    "/jobs/<job_id>/exercises",
    query=ExercisesQuery,
    answers={200: Exercises},
    errors=(404, 409, 410, 422, 503),
    key="required",
)
def exercises_for_job(job_id: str, query: ExercisesQuery):
    """Exercises from a succeeded job's numbers (?count, ?kinds, ?seed), never with the answer."""
    return exercises.listing(job_id, query, owner())


@route(
    v1.post,
    "/jobs/<job_id>/exercises/<exercise_id>/answer",
    body=ANSWER,
    answers={200: AnswerCheck},
    errors=(400, 404, 409, 410, 415, 422, 503),
    key="required",
)
def answer_exercise(job_id: str, exercise_id: str, body: int | float | str):
    """Check an answer: whether it is right, the right one, and why, with the job's numbers."""
    return learner_access.record(
        job_id, exercise_id, exercises.check(job_id, exercise_id, body, owner())
    )


@route(
    v1.get,
    "/flashcards",
    query=FlashcardsQuery,
    answers={200: Flashcards},
    errors=(404, 409, 410, 422, 503),
    key="with-job",
)
def flashcards(query: FlashcardsQuery):
    """The lesson's ideas as cards; ?job=<id> fills in that job's numbers."""
    return exercises.cards(query.job, owner())


@route(v1.get, "/health", answers={200: Health}, limit=None)
def health():
    """The API process is up."""
    return {"status": "ok"}


@route(v1.get, "/ready", answers={200: Ready}, errors=(503,), limit=None)
def ready():
    """Redis answers and at least one worker answers a ping; 503 otherwise."""
    return catalog.readiness()


@route(v1.get, "/datasets", answers={200: Datasets})
def datasets():
    """The built-in batch sources: real MNIST digits, the real 8x8 digits, random numbers."""
    return catalog.datasets()


@route(v1.get, "/presets", answers={200: Presets})
def presets():
    """The shipped parameter sets (network.preset), with their test accuracy and recipe."""
    return catalog.presets()


@route(v1.get, "/examples", answers={200: Examples})
def examples():
    """Ready job specs (the lesson's 784-16-16-10 net on digits, ...) with their cost estimate."""
    return catalog.examples()


@route(site.get, "/metrics", answers={200: TEXT}, errors=(503,), key="required", limit=None)
def metrics():
    """The service's numbers in the Prometheus text format (a key, when keys are set)."""
    s = jobs.services()
    collector = ServiceCollector(s.store.redis, s.celery, s.queues)
    return Response(exposition(collector), content_type=CONTENT_TYPE)


@route(
    site.get,
    "/problems/<slug>",
    answers={200: HTML},
    errors=(404,),
    path_values={"slug": tuple(sorted(problems.TYPES))},
    limit=None,
)
def problem_type(slug: str):
    """The page of one problem type (404 for an unknown one)."""
    return problems.page(slug)
