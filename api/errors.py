"""Every error the API answers is an `application/problem+json` document (RFC 9457).

{"type", "title", "status", "detail"} and, for validation, "errors": [{"field", "message",
"limit"?, "estimate"?}]. HTTP errors (404, 405, 413, 415, ...) keep type "about:blank" and their
standard title; the API's own kinds have a type under /problems/ (a slug of worker/problems.py)
with a page there (api.problems). A 500 means a bug: it is logged with its traceback and the
client sees no internals.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, current_app, json
from kombu.exceptions import OperationalError
from pydantic import ValidationError
from redis.exceptions import RedisError
from werkzeug.exceptions import HTTPException

import model
from worker.problems import Slug

from . import problems

MEDIA_TYPE = "application/problem+json"


class Problem(Exception):
    """An answer that is not the happy path: raise it anywhere below a view."""

    def __init__(
        self,
        status: int,
        title: str,
        detail: str,
        slug: str | None = None,
        errors: list[dict[str, Any]] | None = None,
        headers: dict | None = None,
        extra: dict[str, Any] | None = None,
    ):
        super().__init__(detail)
        self.status, self.title, self.detail, self.slug = status, title, detail, slug
        self.errors, self.headers, self.extra = errors, headers or {}, extra or {}


MAX_ERRORS = 20  # a problem document lists at most this many; `errors_omitted` counts the rest


def invalid(errors: list[dict[str, Any]], detail: str | None = None) -> Problem:
    fields = ", ".join(e["field"] for e in errors[:5])
    omitted = max(0, len(errors) - MAX_ERRORS)
    return Problem(
        422,
        "Invalid request",
        detail or f"{len(errors)} problem(s) at: {fields}",
        Slug.VALIDATION,
        errors[:MAX_ERRORS],
        extra={"errors_omitted": omitted} if omitted else None,
    )


def problem_response(problem: Problem) -> Response:
    body: dict[str, Any] = {
        "type": problems.uri(problem.slug) if problem.slug else "about:blank",
        "title": problem.title,
        "status": problem.status,
        "detail": problem.detail,
    }
    if problem.errors is not None:
        body["errors"] = problem.errors
    body.update(problem.extra)  # RFC 9457's extension members
    response = current_app.response_class(
        json.dumps(body), status=problem.status, mimetype=MEDIA_TYPE
    )
    response.headers.update(problem.headers)
    return response


def _from_http(exc: HTTPException) -> Response:
    headers = {k: v for k, v in exc.get_headers() if k.lower() == "allow"}
    detail = exc.description or exc.name
    if exc.code == 413:
        limit = current_app.config["MAX_CONTENT_LENGTH"]
        detail = f"the request body is over the limit of {limit} bytes"
        return problem_response(
            Problem(
                413,
                exc.name,
                detail,
                errors=[{"field": "(body)", "message": detail, "limit": limit}],
            )
        )
    return problem_response(Problem(exc.code or 500, exc.name, detail, headers=headers))


def _from_pydantic(exc: ValidationError) -> Response:
    errors = [
        {"field": ".".join(str(p) for p in e["loc"]) or "(query)", "message": e["msg"]}
        for e in exc.errors(include_url=False)
    ]
    return problem_response(invalid(errors))


def _unavailable(exc: Exception) -> Response:
    current_app.logger.warning("backend unavailable: %s", exc)
    if isinstance(exc, RedisError):
        what = "the job store (Redis)"
    else:  # kombu's: the broker, which is Redis too unless BROKER_URL names another
        what = f"the queue ({current_app.extensions['backprop-lab'].settings.broker_name})"
    return problem_response(
        Problem(
            503,
            "Service Unavailable",
            f"{what} does not answer; try again shortly",
            Slug.UNAVAILABLE,
            headers={"Retry-After": "5"},
        )
    )


def _from_bug(exc: Exception) -> Response:
    current_app.logger.exception("unhandled error")
    return problem_response(
        Problem(
            500,
            "Internal Server Error",
            "the server failed on this request; it is logged",
            Slug.INTERNAL,
        )
    )


def register(app: Flask) -> None:
    app.register_error_handler(Problem, problem_response)
    app.register_error_handler(model.SpecError, lambda exc: problem_response(invalid(exc.errors)))
    app.register_error_handler(ValidationError, _from_pydantic)
    app.register_error_handler(HTTPException, _from_http)
    app.register_error_handler(RedisError, _unavailable)
    app.register_error_handler(OperationalError, _unavailable)
    app.register_error_handler(Exception, _from_bug)
