"""Who is calling: API keys (API_KEYS) and rate limits (RATE_LIMIT, RATE_LIMIT_READ).

With keys set, every route declared `key="required"` (the job requests, /metrics) needs one,
and one declared `key="with-job"` (/v1/flashcards) when its query names a job (?job=), as
`Authorization: Bearer <key>` or `X-API-Key: <key>`. A job belongs to the key that made it: its
record keeps the key's owner id (the first 128 bits of the key's SHA-256, never the key), and a
request with another key finds no such job (404) and lists only its own. The rest (health,
readiness, data sets, examples, flashcards without a job, the documents and the page) stays open.

Rate limits count requests to the routes declared `limit="writes"` (RATE_LIMIT; by default the
POSTs and DELETEs) or `limit="reads"` (RATE_LIMIT_READ; the GETs) per key, or per client address
when no valid key comes with the request, in a moving window kept in the same Redis, so every
API process shares one count. If that Redis does not answer, the counts fall back to each
process' memory: a limiter never turns a request into an error of its own.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import time

from flask import Flask, Response, current_app, g, request
from flask_limiter import Limit, Limiter, RateLimitExceeded
from limits import parse_many

from worker.settings import Settings

from .errors import Problem, problem_response
from .routes import Route, this_route

REDIS_SECONDS = 1.0  # a limiter that waits longer on Redis than this counts in memory instead


def owner_id(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()[:32]


def presented_keys() -> set[str]:
    """What the request presents as keys in X-API-Key and `Authorization: Bearer` (other
    schemes are a proxy's business): one key if it sends one, or both headers alike."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    given = {request.headers.get("X-API-Key"), token if scheme.lower() == "bearer" else None}
    return {value.strip() for value in given if value is not None}


def owner() -> str | None:
    """The caller's owner id when it presents a configured key; None with keys off, with no key,
    a wrong or empty one, or two different ones (one in each header)."""
    if "owner" not in g:
        given = presented_keys()
        keys = current_app.extensions["backprop-lab"].settings.api_keys
        g.owner = _match(given.pop(), keys) if len(given) == 1 else None
    return g.owner


def _match(given: str, keys: tuple[str, ...]) -> str | None:
    if not keys or not given:
        return None
    # Equal-length digests compared in constant time, against every key: the time taken tells
    # neither which key nor how much of one matched.
    digest, found = hashlib.sha256(given.encode()).digest(), False
    for key in keys:
        found |= hmac.compare_digest(digest, hashlib.sha256(key.encode()).digest())
    return owner_id(given) if found else None


def needs_key(route: Route | None) -> bool:
    """Whether a request to this route needs a key (when API_KEYS is set)."""
    if route is None or request.method == "OPTIONS":
        return False
    return route.key == "required" or (route.key == "with-job" and bool(request.args.get("job")))


def require_key() -> None:
    """With API_KEYS set, a job request without a valid key is refused (401)."""
    keys = current_app.extensions["backprop-lab"].settings.api_keys
    if not keys or not needs_key(this_route()):
        return
    if owner() is None:
        wrong = bool(presented_keys())
        raise Problem(
            401,
            "Unauthorized",
            ("this API key is not valid" if wrong else "job requests need an API key")
            + " (send it as Authorization: Bearer "
            "<key> or X-API-Key: <key>)",
            "api-key",
            headers={
                "WWW-Authenticate": 'Bearer realm="backprop-lab"'
                + (', error="invalid_token"' if wrong else "")
            },
        )


def rate_key() -> str:
    """Whom a request counts against, for rate limits and the quota of jobs in flight: its key's
    owner id, else its address."""
    key = owner()
    return f"key:{key}" if key else f"address:{request.remote_addr}"


def _exempt(limit: str) -> bool:
    route = this_route()
    return request.method == "OPTIONS" or route is None or route.limit != limit


def limit(app: Flask, settings: Settings) -> Limiter | None:
    """Rate limits: RATE_LIMIT for the routes that write, RATE_LIMIT_READ for those that read."""
    if not (settings.rate_limit or settings.rate_limit_read):
        return None
    for value in (settings.rate_limit, settings.rate_limit_read):
        if value:
            parse_many(value)  # a typo fails at start, not at each request
    limiter = Limiter(
        rate_key,
        app=app,
        strategy="moving-window",
        key_prefix="backprop-lab",
        storage_uri=settings.redis_url,
        storage_options={"socket_timeout": REDIS_SECONDS, "socket_connect_timeout": REDIS_SECONDS},
        swallow_errors=True,
        in_memory_fallback_enabled=True,
        headers_enabled=False,
        default_limits=[
            Limit(value, scope=scope, shared=True, exempt_when=lambda scope=scope: _exempt(scope))
            for scope, value in (
                ("writes", settings.rate_limit),
                ("reads", settings.rate_limit_read),
            )
        ],
    )
    app.register_error_handler(RateLimitExceeded, lambda exc: _too_many(limiter, exc))
    return limiter


def _too_many(limiter: Limiter, exc: RateLimitExceeded) -> Response:
    window = limiter.current_limit.window if limiter.current_limit else (time.time(), 0)
    seconds = max(1, math.ceil(window[0] - time.time()))  # when the oldest request counted ends
    route = this_route()
    kind = "job submissions and cancels" if route and route.limit == "writes" else "reads"
    return problem_response(
        Problem(
            429,
            "Too Many Requests",
            f"over the rate limit for {kind} of {exc.limit.limit} per "
            f"{'key' if rate_key().startswith('key:') else 'address'}; retry after {seconds} s",
            "rate-limit",
            headers={"Retry-After": str(seconds)},
        )
    )
