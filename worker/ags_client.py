"""Sending one score to a platform's gradebook (LTI AGS 2.0), server to server.

The access token comes from the platform's token URL by OAuth2 client credentials with the
tool's signed client assertion (RFC 7523: a JWT, RS256, the tool's current key's `kid`, `iss`
and `sub` the client id, `aud` the token URL or the registered audience, a `jti` of its own),
and is kept in Redis until shortly before it expires. The score is POSTed to the line item's
`/scores` as application/vnd.ims.lis.v1.score+json.

`send` answers what happened, for the task to act on: `Sent`, `Retry` (429 or 5xx, or no
answer: after Retry-After when given), or `Failed` (anything else). A 401 to the score drops
the kept token and tries once more with a new one.
"""

from __future__ import annotations

import email.utils
import hashlib
import json
import secrets
import time
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

import requests
from redis import Redis

from . import tool_keys
from .keyspace import PREFIX
from .score_records import ScoreRecord

SCORE_TYPE = "application/vnd.ims.lis.v1.score+json"
SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
TIMEOUT = 10.0
ASSERTION_SECONDS = 300
MARGIN = 60  # seconds before its expiry a kept token is no longer used


@dataclass(frozen=True)
class Sent:
    status: int


@dataclass(frozen=True)
class Retry:
    reason: str
    after: float | None  # Retry-After, in seconds, when the platform gave one


@dataclass(frozen=True)
class Failed:
    reason: str


Outcome = Sent | Retry | Failed


def retry_after(value: str | None) -> float | None:
    """Retry-After in seconds: a number of seconds or an HTTP date (RFC 9110)."""
    if not value:
        return None
    if value.strip().isdigit():
        return float(value.strip())
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def scores_url(lineitem: str) -> str:
    """The line item's scores endpoint: `/scores` after its path, its query kept."""
    parts = urlsplit(lineitem)
    return urlunsplit(parts._replace(path=parts.path.rstrip("/") + "/scores"))


def client_assertion(redis: Redis, client_id: str, audience: str) -> str:
    now = int(time.time())
    claims = {
        "iss": client_id,
        "sub": client_id,
        "aud": audience,
        "iat": now,
        "exp": now + ASSERTION_SECONDS,
        "jti": secrets.token_urlsafe(16),
    }
    return tool_keys.sign(redis, claims)


def _token_key(record: ScoreRecord) -> str:
    name = hashlib.sha256(f"{record.token_url} {record.client_id}".encode()).hexdigest()[:32]
    return f"{PREFIX}lti:ags-token:{name}"


def _answer(reply: requests.Response, what: str) -> Retry | Failed:
    reason = f"{what} answered {reply.status_code}"
    if reply.status_code == 429 or reply.status_code >= 500:
        return Retry(reason, retry_after(reply.headers.get("Retry-After")))
    return Failed(reason)


def access_token(redis: Redis, record: ScoreRecord, fresh: bool = False) -> str | Outcome:
    """A bearer token for the score scope (kept, unless `fresh`), or why there is none."""
    kept = None if fresh else redis.get(_token_key(record))
    if kept:
        return kept.decode()
    form = {
        "grant_type": "client_credentials",
        "client_assertion_type": ASSERTION_TYPE,
        "client_assertion": client_assertion(redis, record.client_id, record.audience),
        "scope": SCOPE,
    }
    try:
        reply = requests.post(record.token_url, data=form, timeout=TIMEOUT)
    except requests.RequestException as error:
        return Retry(f"the token URL did not answer: {error}", None)
    if reply.status_code != 200:
        return _answer(reply, "the token URL")
    try:
        body = reply.json()
        token, seconds = body["access_token"], int(body.get("expires_in", 3600))
    except (ValueError, KeyError, TypeError):
        return Failed("the token URL's answer has no access_token")
    if seconds > MARGIN:
        redis.set(_token_key(record), token, ex=seconds - MARGIN)
    return token


def send(redis: Redis, record: ScoreRecord) -> Outcome:
    """POST the record's score once (and once more with a new token after a 401)."""
    for fresh in (False, True):
        token = access_token(redis, record, fresh)
        if not isinstance(token, str):
            return token
        try:
            reply = requests.post(
                scores_url(record.lineitem),
                data=json.dumps(record.score()).encode(),
                headers={"Authorization": f"Bearer {token}", "Content-Type": SCORE_TYPE},
                timeout=TIMEOUT,
            )
        except requests.RequestException as error:
            return Retry(f"the score URL did not answer: {error}", None)
        if reply.status_code in (200, 201, 202, 204):
            return Sent(reply.status_code)
        if reply.status_code != 401:
            return _answer(reply, "the score URL")
        redis.delete(_token_key(record))
    return Failed("the score URL answered 401 to a new token too")
