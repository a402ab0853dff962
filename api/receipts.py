"""Score receipts: a learner session's score as a JWT signed with the service's key.

The framed page posts a receipt with each score message; a platform's backend verifies it with
the keys at /.well-known/jwks.json (RS256, the `kid` in its header) and trusts its claims, not
the message's numbers: `iss` is the service's URL, `sub` the learner, `aud` the origin the
session was opened for, `sid` the session, `scope` what it practised, `correct`, `total` and
`count` the round, `finished` whether it is done, `answers` the ids of the counted answers
(`<job id>/<exercise id>`, in the order answered), `iat` when, and `jti` a unique id.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import asdict
from typing import Any

import redis

from worker import tool_keys

from .learners import Score, Session


def claims(issuer: str, session: Session, score: Score) -> dict[str, Any]:
    return {
        "iss": issuer,
        "sub": session.learner,
        "aud": session.origin,
        "sid": session.sid,
        "scope": session.scope.model_dump(exclude_none=True),
        "correct": score.correct,
        "total": score.total,
        "count": score.count,
        "finished": score.finished,
        "answers": [f"{a['job_id']}/{a['exercise']}" for a in score.answers],
        "iat": int(time.time()),
        "jti": secrets.token_urlsafe(16),
    }


def scored(client: redis.Redis, issuer: str, session: Session, score: Score) -> dict[str, Any]:
    """The session's score as the API answers it, with its receipt."""
    return {
        **{k: v for k, v in session.public().items() if k in ("sid", "learner", "origin")},
        "scope": session.scope.model_dump(),
        **asdict(score),
        "finished": score.finished,
        "receipt": tool_keys.sign(client, claims(issuer, session, score)),
    }
