"""Signed embedding's routes: a platform mints an embed token for one learner (its API key),
the framed page exchanges it for a learner session, reads its score with a signed receipt, and
the platform reads a learner's scores (api.embed_tokens, api.learners, api.receipts)."""

from __future__ import annotations

from urllib.parse import urlencode

from flask import request

from . import embed_tokens, jobs, learners, receipts
from .clients import owner
from .embed_schemas import (
    EmbedSessionRequest,
    EmbedToken,
    EmbedTokenRequest,
    LearnerQuery,
    LearnerScores,
    LearnerSession,
    SessionScore,
)
from .errors import Problem, invalid
from .learner_access import current, redis_client, refused
from .routes import route
from .views import v1

DEFAULT_SECONDS = 120  # an embed token's life when the platform does not say


def _service_url() -> str:
    return request.host_url.rstrip("/")


@route(
    v1.post,
    "/embed-tokens",
    body=EmbedTokenRequest,
    answers={201: EmbedToken},
    errors=(400, 404, 415, 422, 503),
    key="required",
)
def create_embed_token(body: EmbedTokenRequest):
    """A short-lived, single-use token for one learner's page framed by one origin, on one job
    or one preset; the framed page exchanges it for a learner session."""
    settings = jobs.services().settings
    expires_in = body.expires_in or min(DEFAULT_SECONDS, settings.embed_token_seconds)
    if expires_in > settings.embed_token_seconds:
        raise invalid(
            [
                {
                    "field": "expires_in",
                    "message": f"at most {settings.embed_token_seconds} s (EMBED_TOKEN_SECONDS)",
                    "limit": settings.embed_token_seconds,
                }
            ]
        )
    if body.job_id is not None:
        jobs.read(body.job_id, owner(), with_result=False)  # 404 unless the key's own job
    try:
        scope = body.scope()
    except ValueError:
        raise invalid([{"field": "job_id", "message": learners.ONE_TARGET}]) from None
    token = embed_tokens.issue(
        redis_client(),
        learner=body.learner,
        origin=body.origin,
        scope=scope,
        owner=owner(),
        expires_in=expires_in,
    )
    query = {"embed": "1", "embed_token": token, "origin": body.origin}
    answer = {
        "token": token,
        "expires_in": expires_in,
        "embed_url": f"{_service_url()}/?{urlencode(query)}",
        "learner": body.learner,
        "origin": body.origin,
        "scope": scope.model_dump(),
    }
    return answer, 201


@route(
    v1.post,
    "/embed-sessions",
    body=EmbedSessionRequest,
    answers={201: LearnerSession},
    errors=(400, 403, 409, 415, 422, 503),
)
def open_embed_session(body: EmbedSessionRequest):
    """Exchange an embed token (once) for a learner session limited to the token's learner,
    origin and scope; the page sends its credential as X-Learner-Session."""
    sent_from = request.headers.get("Origin")
    if sent_from is not None and sent_from not in (_service_url(), body.origin):
        raise Problem(
            403,
            "Forbidden",
            f"a learner session is opened by the framed page, not from {sent_from}",
            "embed-token",
        )
    asked = {"job_id": body.job_id, "preset": body.preset}
    ttl = jobs.services().settings.learner_session_seconds
    try:
        credential, session = embed_tokens.exchange(
            redis_client(), body.token, body.origin, asked, ttl
        )
    except embed_tokens.Refused as exc:
        title = {403: "Forbidden", 409: "Conflict"}[exc.status]
        raise Problem(exc.status, title, exc.detail, "embed-token") from None
    public = session.public()
    answer = {
        "session": credential,
        "sid": session.sid,
        "learner": session.learner,
        "origin": session.origin,
        "scope": session.scope.model_dump(),
        "expires": public["expires"],
    }
    return answer, 201


@route(v1.get, "/learner-session", answers={200: SessionScore}, errors=(403, 503))
def learner_session():
    """The score so far of the session named by X-Learner-Session, with a signed receipt."""
    session = current()
    if session is None:
        raise refused(403, "send the learner session's credential as X-Learner-Session")
    client = redis_client()
    return receipts.scored(client, _service_url(), session, learners.score(client, session))


@route(
    v1.get,
    "/learner-scores",
    query=LearnerQuery,
    answers={200: LearnerScores},
    errors=(422, 503),
    key="required",
)
def learner_scores(query: LearnerQuery):
    """A learner's live sessions opened with this API key: scores and receipts."""
    client = redis_client()
    sessions = learners.of_learner(client, owner(), query.learner)
    scored = [
        receipts.scored(client, _service_url(), s, learners.score(client, s)) for s in sessions
    ]
    return {"learner": query.learner, "sessions": scored}
