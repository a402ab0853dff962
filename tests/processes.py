"""Helpers for the tests that start processes: free ports, waiting, stopping process groups."""

from __future__ import annotations

import os
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


@contextmanager
def celery_worker(redis_url: str, queue: str, folder: Path, **env: str) -> Iterator[str]:
    """`celery -A worker worker` (prefork, one child) on `queue`, started and answering a ping;
    yields its name. `env` adds settings (JOB_SOFT_TIME_LIMIT=...)."""
    from worker.config import make_celery

    name = f"{queue}@{socket.gethostname()}"
    env = os.environ | {"REDIS_URL": redis_url, "QUEUE": queue, "PYTHONUNBUFFERED": "1"} | env
    log = folder / "worker.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "worker", "worker", "--pool=prefork",
             "--concurrency=1", "-l", "warning", "-n", name, "--without-gossip",
             "--without-mingle"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    control = make_celery(redis_url, queue).control
    try:
        try:
            wait_until(lambda: process.poll() is not None or control.ping([name], timeout=0.5),
                       "the Celery worker")
            if process.poll() is not None:
                raise RuntimeError("the Celery worker exited")
        except RuntimeError as exc:
            raise RuntimeError(f"{exc}; its log:\n{log.read_text()[-3000:]}") from None
        yield name
    finally:
        stop(process)
