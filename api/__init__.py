"""The backprop-lab HTTP API: `gunicorn 'api:create_app()'`.

create_app wires the config (api.config), the job store and Celery client (api.jobs), the
/v1 routes (api.views), the problem documents (api.errors), API keys and rate limits
(api.clients), CORS, the OpenAPI document, its browsable page at /docs, and the teaching page
at /.
"""

from __future__ import annotations

from pathlib import Path

from flask import Flask, jsonify, send_from_directory
from flask_cors import CORS

from worker.config import make_celery
from worker.records import JobStore

from . import clients, errors, openapi
from .config import Config
from .jobs import Services
from .views import v1

STATIC = Path(__file__).resolve().parent / "static"


def create_app(config: Config | None = None) -> Flask:
    config = config or Config.from_env()
    app = Flask(__name__, static_folder=str(STATIC))
    app.config.update(MAX_CONTENT_LENGTH=config.max_body_bytes, JSON_SORT_KEYS=False)
    app.json.sort_keys = False
    app.extensions["backprop-lab"] = Services(
        config, JobStore.from_url(config.redis_url, config.job_ttl),
        make_celery(config.redis_url, config.queue))
    errors.register(app)
    clients.limit(app, config)
    app.register_blueprint(v1)
    CORS(app, origins=list(config.cors_origins), expose_headers=["Location"],
         allow_headers=["Content-Type", "Authorization", "X-API-Key"])
    spec = openapi.document(app, config)
    app.add_url_rule("/openapi.json", "openapi", lambda: jsonify(spec))
    app.add_url_rule("/docs", "docs", lambda: send_from_directory(STATIC, "docs.html"))
    app.add_url_rule("/", "index", lambda: send_from_directory(STATIC, "index.html"))
    return app

