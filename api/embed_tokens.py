"""Embed tokens: a platform's short-lived, single-use ticket for one learner's framed page.

`issue` (for POST /v1/embed-tokens, with the platform's API key) stores what the token grants:
the learner id the platform chose, the one origin that frames the page, the scope
(api.learners.Scope) and the platform's key. The framed page presents the token once
(`exchange`, for POST /v1/embed-sessions) and gets a learner session limited to that: a token
that is unknown, expired, used before, presented for another origin or asked for another scope
is refused (`Refused`, with its HTTP status). Redis keeps a token's record under its SHA-256,
past its expiry by GRACE seconds, so that an expired token is told from an unknown one, and so
that the page a token opened keeps its frame-ancestors on reload (`framing_origin`).
"""

from __future__ import annotations

import hashlib
import json
import secrets
import time
from typing import Any

import redis

from worker.keyspace import PREFIX

from . import learners

GRACE = 3600  # seconds a token's record outlives its expiry


class Refused(Exception):
    def __init__(self, status: int, detail: str):
        super().__init__(detail)
        self.status, self.detail = status, detail


def _key(token: str, part: str = "") -> str:
    digest = hashlib.sha256(token.encode()).hexdigest()
    return f"{PREFIX}embed-token:{digest}{':' + part if part else ''}"


def issue(
    client: redis.Redis,
    *,
    learner: str,
    origin: str,
    scope: learners.Scope,
    owner: str | None,
    expires_in: int,
    issuer: dict[str, Any] | None = None,
) -> str:
    """A new token; the caller gives it to the platform, which puts it in the frame's URL."""
    token = secrets.token_urlsafe(32)
    record = {
        "learner": learner,
        "origin": origin,
        "scope": scope.model_dump(),
        "owner": owner,
        "issuer": issuer or {"kind": "embed"},
        "expires": time.time() + expires_in,
    }
    client.set(_key(token), json.dumps(record), ex=expires_in + GRACE)
    return token


def _record(client: redis.Redis, token: str) -> dict[str, Any] | None:
    raw = client.get(_key(token)) if token else None
    return json.loads(raw) if raw else None


def framing_origin(client: redis.Redis, token: str) -> str | None:
    """The origin a token (live, or used or expired within GRACE) lets frame the page."""
    record = _record(client, token)
    return record["origin"] if record else None


def exchange(
    client: redis.Redis,
    token: str,
    origin: str,
    asked: dict[str, Any],
    session_ttl: int,
) -> tuple[str, learners.Session]:
    """Use a token once: the learner session it grants, as (credential, session). `origin` is
    where the page says it is framed, `asked` the scope fields it asks for (job_id, preset...):
    each must be the token's."""
    record = _record(client, token)
    if record is None:
        raise Refused(403, "this embed token is unknown: have the platform mint one")
    if time.time() > record["expires"]:
        raise Refused(403, "this embed token has expired: have the platform mint a new one")
    if origin != record["origin"]:
        raise Refused(
            403,
            f"this embed token is for pages framed by {record['origin']}, not {origin} "
            "(an origin is scheme, host and port, exactly)",
        )
    scope = learners.Scope(**record["scope"])
    differs = [k for k, v in asked.items() if v is not None and getattr(scope, k, None) != v]
    if differs:
        raise Refused(
            403, f"this embed token's scope has another {', '.join(sorted(differs))} than asked"
        )
    if not client.set(
        _key(token, "used"), "1", nx=True, ex=int(record["expires"] - time.time()) + GRACE
    ):
        raise Refused(409, "this embed token was used already: each opens one session")
    return learners.open_session(
        client,
        learner=record["learner"],
        origin=record["origin"],
        scope=scope,
        issuer=record["issuer"],
        owner=record["owner"],
        ttl=session_ttl,
    )
