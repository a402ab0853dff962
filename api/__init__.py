"""The backprop-lab HTTP API: `gunicorn 'api:create_app()'`.

create_app wires the settings (worker.settings), the job store and Celery client (api.jobs), the
routes (api.views, each declared once), the problem documents (api.errors), API keys and rate
limits (api.clients), CORS, the OpenAPI document (api.openapi, from the routes' declarations),
its browsable page at /docs, and the teaching page at /.
"""

from __future__ import annotations

from pathlib import Path

import redis
from flask import Flask, Response, jsonify, request, send_from_directory
from flask_cors import CORS

from worker import queues
from worker.celery_config import sender
from worker.records import JobStore
from worker.redis_check import eviction_problems
from worker.settings import Settings

from . import (
    clients,
    compression,
    embed_views,  # noqa: F401 (its routes)
    errors,
    learner_access,
    lti,
    openapi,
    redis_pool,
    security_headers,
    signing_views,  # noqa: F401 (its routes)
)
from .jobs import Services
from .public_url import public_url
from .sweep_views import v1  # the sweep routes join the blueprint before it is registered
from .views import site
from .wakeups import Wakeups
from .workers import Workers

STATIC = Path(__file__).resolve().parent / "static"


def create_app(settings: Settings | None = None) -> Flask:
    """The app for `settings` (by default read from the environment)."""
    settings = settings or Settings()
    app = Flask(__name__, static_folder=str(STATIC))
    app.config.update(MAX_CONTENT_LENGTH=settings.max_body_bytes, JSON_SORT_KEYS=False)
    app.json.sort_keys = False
    # held requests park on api.wakeups, not on a connection: a small pool with idle release
    client = redis_pool.client(
        settings.redis_url,
        settings.api_redis_connections,
        settings.api_redis_idle_seconds,
        timeout=2.0,
    )
    binary = redis.Redis(connection_pool=client.connection_pool.twin(decode_responses=False))
    store = JobStore(
        client, settings.job_ttl, settings.budget, settings.hard_time_limit, binary=binary
    )
    for warning in eviction_problems(store.redis, settings.budget):  # raises if Redis evicts
        app.logger.warning("%s", warning)
    celery = sender(settings)
    services = Services(
        settings,
        store,
        celery,
        Workers(celery),
        queues.names(settings.queue_prefix),
        Wakeups(client),
    )
    app.extensions["backprop-lab"] = services
    errors.register(app)
    clients.limit(app, settings)
    learner_access.init(app)  # a learner session stands for its platform's key
    app.before_request(clients.require_key)  # after the limits: refused keys count too
    app.register_blueprint(v1)
    app.register_blueprint(site)
    lti.init(app, settings, store.redis)
    app.after_request(_untyped_when_empty)
    compression.init(app, settings.compress_max_bytes)
    security_headers.init(app)
    app.wsgi_app = public_url(app.wsgi_app, settings)  # links never from a Host header
    CORS(
        app,
        origins=list(settings.cors_origins),
        methods=["GET", "POST", "DELETE"],
        expose_headers=["Location", "Retry-After", "WWW-Authenticate"],
        allow_headers=["Content-Type", "Authorization", "X-API-Key"],
    )

    spec = openapi.document(app, settings)  # after every route it documents
    app.add_url_rule("/openapi.json", "openapi", lambda: jsonify(spec))
    app.add_url_rule("/docs", "docs", lambda: send_from_directory(STATIC, "docs.html"))
    app.add_url_rule("/", "index", lambda: send_from_directory(STATIC, "index.html"))
    return app


def _untyped_when_empty(response: Response) -> Response:
    """No Content-Type on an answer without a body (DELETE's 204, an OPTIONS' 200): Flask would
    give it text/html. A HEAD answer keeps the type of the GET it stands for; a streamed one is
    left unread (measuring it would buffer it whole)."""
    if (
        request.method != "HEAD"
        and response.is_sequence
        and response.calculate_content_length() == 0
    ):
        del response.headers["Content-Type"]
    return response
