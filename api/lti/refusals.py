"""A refused LTI login or launch: one exception, answered as a page for a browser (the launch
is a form post in the student's window or frame) and as a problem document otherwise.

The detail says what failed (an expired token, an unknown deployment, a replayed nonce ...),
never the token itself; nothing is opened or stored for a refused launch.
"""

from __future__ import annotations

from html import escape

from flask import Response, request

from worker.problems import Slug, uri

from ..errors import Problem, problem_response
from .forms import page

TITLE = "LTI launch refused"


class LaunchRefused(Problem):
    def __init__(self, detail: str, status: int = 401, field: str | None = None):
        errors = [{"field": field, "message": detail}] if field else None
        super().__init__(status, TITLE, detail, Slug.LTI_LAUNCH, errors)


def wants_html() -> bool:
    """A browser names text/html in its Accept; `*/*` alone gets the problem document."""
    accept = request.accept_mimetypes
    named = {value: quality for value, quality in accept if value != "*/*"}
    return named.get("text/html", 0) > named.get("application/problem+json", 0)


def answer(refused: LaunchRefused) -> Response:
    if not wants_html():
        return problem_response(refused)
    body = (
        f'<p id="lti-refused" data-status="{refused.status}">{escape(refused.detail)}</p>'
        "<p>Nothing was opened. Start the activity again from your course; if it fails "
        "again, tell the course's administrator.</p>"
        f'<p><a href="{escape(uri(Slug.LTI_LAUNCH))}">What this means</a></p>'
    )
    return page(TITLE, body, refused.status)
