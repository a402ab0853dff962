"""The problem types (RFC 9457) the service answers or records, by slug, and their one URI form.

A type is the path `/problems/<slug>`, relative to the API's URL (RFC 9457 resolves it against
the answer's URL); the API serves a page for each slug (api/problems.py, which a test holds to
this list). The slugs live here, in the lowest layer that uses them: the worker records some in
a failed job's `error`.
"""

from __future__ import annotations

from enum import StrEnum


class Slug(StrEnum):
    VALIDATION = "validation"
    MALFORMED_JSON = "malformed-json"
    JOB_NOT_FOUND = "job-not-found"
    JOB_NOT_SUCCEEDED = "job-not-succeeded"
    SWEEP_NOT_FOUND = "sweep-not-found"
    EXERCISE_NOT_FOUND = "exercise-not-found"
    NO_RESULT = "no-result"
    RESULT_EXPIRED = "result-expired"
    RESULT_STORE_FULL = "result-store-full"
    API_KEY = "api-key"
    EMBED_TOKEN = "embed-token"  # noqa: S105  a problem type's slug, not a secret
    LEARNER_SESSION = "learner-session"
    QUOTA = "quota"
    HELD = "held-requests"
    RATE_LIMIT = "rate-limit"
    UNAVAILABLE = "unavailable"
    NOT_READY = "not-ready"
    NO_WORKER = "no-worker"
    SPEC = "spec"
    TIME_LIMIT = "time-limit"
    NOT_FINITE = "not-finite"
    INTERNAL = "internal"
    LTI_LAUNCH = "lti-launch"


def uri(slug: str) -> str:
    """The type of a slug; a string that is no Slug is a bug (ValueError), so every type used
    has a page."""
    return f"/problems/{Slug(slug)}"


def problem(slug: str, title: str, detail: str) -> dict[str, str]:
    """A problem document as a job's `error` holds it."""
    return {"type": uri(slug), "title": title, "detail": detail}
