"""Security headers on every answer, the page's and the API's.

A content security policy that runs the service's own scripts and styles only (no inline
script, style or handler, no other origin), `X-Content-Type-Options: nosniff` and
`Referrer-Policy: no-referrer` (an embed URL carries a token). `frame-ancestors` says who may
frame the answer: the session's origin for a request with a learner session; for the page, the
origin of the embed token in its URL, or, on a deployment without API_KEYS, the origin its
`?embed=1&origin=` names (the keyless embed mode); otherwise FRAME_ANCESTORS, by default
nobody (`'none'`).
"""

from __future__ import annotations

from flask import Flask, Response, g, request

from . import embed_tokens, learner_access
from .embed_schemas import exact_origin
from .jobs import services

POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'{forms}; frame-ancestors {ancestors}"
)
PAGE = "index"  # the endpoint of the page at /


def frame_ancestors() -> str:
    if g.get("frame_ancestors"):  # a view's own: the LTI pages, framed by the platform
        return g.frame_ancestors
    session = learner_access.current()
    if session is not None:
        return session.origin
    settings = services().settings
    otherwise = " ".join(settings.frame_ancestors) or "'none'"
    if request.endpoint != PAGE:
        return otherwise
    token = request.args.get("embed_token")
    if token:
        origin = embed_tokens.framing_origin(learner_access.redis_client(), token)
        return origin or "'none'"
    named = request.args.get("origin")
    if named and request.args.get("embed", "0") != "0" and not settings.api_keys:
        try:
            return exact_origin(named)
        except ValueError:
            return otherwise
    return otherwise


def add(response: Response) -> Response:
    try:
        ancestors = frame_ancestors()
    except Exception:  # Redis away: the answer (a 503, likely) goes out, framed by nobody
        ancestors = "'none'"
    forms = "".join(" " + target for target in g.get("form_targets", ()))  # a view's own
    response.headers["Content-Security-Policy"] = POLICY.format(ancestors=ancestors, forms=forms)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def init(app: Flask) -> None:
    app.after_request(add)
