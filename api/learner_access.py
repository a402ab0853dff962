"""A request made with a learner session (`X-Learner-Session: <credential>`, api.learners).

Such a request acts for the platform's key that opened the session (its jobs, its quotas), but
only within the session's scope: the open routes (health, presets, ...), its own session, and
practice on the session's job (a job scope) or on the jobs it ran of its preset (a preset
scope: it may submit specs of that preset only). Anything else is refused (403), as is an
unknown or expired credential. Each answer the service checks is recorded for the
session (`record`), counted only for the scope's exercise kinds.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, g, request

from . import learners
from .errors import Problem
from .jobs import services
from .routes import this_route

HEADER = "X-Learner-Session"
# a session may reach these with a job of its own (the path's job_id, or ?job=)
PRACTICE = {
    "v1.get_job",
    "v1.job_events",
    "v1.job_neuron",
    "v1.exercises_for_job",
    "v1.answer_exercise",
    "v1.cancel_job",
    "v1.flashcards",
}
SESSION_ROUTES = {"v1.learner_session"}  # the session's own (api.embed_views)


def current() -> learners.Session | None:
    """The session the request came with (after `admit`), None without one."""
    return g.get("learner_session")


def redis_client():
    return services().store.redis


def admit() -> None:
    """Before a request: load its session and keep it within its scope (401, 403)."""
    credential = request.headers.get(HEADER)
    if credential is None or request.method == "OPTIONS":
        return
    session = learners.find(redis_client(), credential.strip())
    if session is None:
        raise refused(403, "this learner session is unknown or has expired: open a new one")
    g.learner_session = session
    g.owner = session.owner  # api.clients.owner(): the platform key's jobs, its counts
    route = this_route()
    endpoint = request.endpoint or ""
    if route is None or endpoint in SESSION_ROUTES:
        return
    if endpoint == "v1.submit_job":
        if session.scope.preset is None:
            raise refused(403, "this learner session practises on one job: it submits none")
    elif endpoint in PRACTICE:
        job_id = (request.view_args or {}).get("job_id") or request.args.get("job")
        if job_id and not learners.may_use_job(redis_client(), session, job_id):
            raise refused(403, f"job {job_id!r} is outside this learner session's scope")
    elif route.key != "open":
        raise refused(403, f"a learner session may not use {request.method} {request.path}")


def check_submit(spec: Any) -> None:
    """In the submit view, once the body is read and bounded: a preset session submits specs of
    its preset only (403)."""
    session = current()
    if session is None:
        return
    preset = session.scope.preset
    network = spec.get("network") if isinstance(spec, dict) else None
    given = network.get("preset") if isinstance(network, dict) else None
    if given != preset:
        raise refused(
            403, f"this learner session submits jobs of the preset {preset!r} only (network.preset)"
        )


def refused(status: int, detail: str) -> Problem:
    return Problem(status, "Forbidden", detail, "learner-session")


def after(response: Response) -> Response:
    """After a request: a preset session's submitted job becomes one of its jobs."""
    session = current()
    if (
        session is not None
        and request.endpoint == "v1.submit_job"
        and response.status_code in (200, 202)
    ):
        # the answer's Location names the job (its body may be compressed by now)
        job_id = response.headers.get("Location", "").rstrip("/").rpartition("/")[2]
        if job_id:
            learners.add_job(redis_client(), session, job_id)
    return response


def record(job_id: str, exercise_id: str, check: dict[str, Any]) -> dict[str, Any]:
    """Record a checked answer for the request's session (if any and in its kinds)."""
    session = current()
    kinds = session.scope.kinds.split(",") if session and session.scope.kinds else None
    if session is not None and (kinds is None or exercise_id.split(".")[0] in kinds):
        learners.record_answer(redis_client(), session, job_id, exercise_id, check["correct"])
    return check


def init(app: Flask) -> None:
    """Before the API-key check (a session stands for its platform's key), after the limits."""
    app.before_request(admit)
    app.after_request(after)
