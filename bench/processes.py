"""The service for a benchmark, started the way its users start it: `backprop-lab run` (Redis
found or embedded, the interactive and the batch worker, the API), or its parts alone
(`backprop-lab serve`, `backprop-lab worker`, the embedded redis-server), each configured by its
environment only (REDIS_URL, BROKER_URL, QUEUE_PREFIX, PORT, ...; see docs/settings.md).

Each process runs in a process group of its own with its output in a log file of the run's
folder; on the way out the group gets SIGTERM (the run command then stops its own children in
order), and SIGKILL past a grace.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import requests

from backprop_lab import embedded

PATIENCE = 180  # seconds for a process to be ready: two shared cores can be very busy
GRACE = 20  # seconds for a process group to stop before SIGKILL


def backprop_lab(*args: str) -> list[str]:
    """The project's command from this Python's environment."""
    return [str(Path(sys.executable).with_name("backprop-lab")), *args]


def free_port() -> int:
    return embedded.free_port(0)


@contextmanager
def started(
    argv: Sequence[str], log: Path, ready: Callable[[], bool], **env: str
) -> Iterator[subprocess.Popen]:
    """`argv` with `env` added to this environment, once `ready()` holds."""
    with log.open("ab") as out:
        process = subprocess.Popen(  # noqa: S603  our commands, no shell
            list(argv),
            env=os.environ | env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + PATIENCE
        while not ready():
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{argv[0]} did not start; its log:\n{log.read_text()[-3000:]}")
            time.sleep(0.2)
        yield process
    finally:
        for sig in (signal.SIGTERM, signal.SIGKILL):
            try:
                os.killpg(process.pid, sig)
                process.wait(GRACE)
                break
            except ProcessLookupError:
                break
            except subprocess.TimeoutExpired:
                continue


def answers(url: str) -> bool:
    """GET `url` answers 200."""
    try:
        return requests.get(url, timeout=5).status_code == 200
    except requests.RequestException:
        return False


@contextmanager
def service(folder: Path, **env: str) -> Iterator[str]:
    """`backprop-lab run` on a free port, starting an embedded Redis of its own (on a free
    port, its data under `folder`); yields the URL once /v1/ready answers 200. `env` adds
    settings (RESULT_STORE_BYTES=..., BROKER_URL=...); REDIS_URL names the Redis it
    started."""
    with service_process(folder, **env) as (url, _):
        yield url


@contextmanager
def service_process(folder: Path, **env: str) -> Iterator[tuple[str, subprocess.Popen]]:
    """`service`, yielding the run command's process too (its descendants are the service's
    processes: a benchmark reads their CPU counters)."""
    port = free_port()
    env = {
        "PORT": str(port),
        "REDIS_URL": f"redis://127.0.0.1:{free_port()}/0",
        "BACKPROP_LAB_VAR": str(folder / f"var-{port}"),
    } | env
    url = f"http://127.0.0.1:{port}"
    with started(
        backprop_lab("run"), folder / f"run-{port}.log", lambda: answers(f"{url}/v1/ready"), **env
    ) as process:
        yield url, process


@contextmanager
def redis_server(folder: Path, bind: Sequence[str] = ("127.0.0.1",)) -> Iterator[str]:
    """The embedded redis-server (the `embedded-redis` extra's) on a free port, listening on
    `bind`, its data in `folder`; yields its URL on loopback."""
    port = free_port()
    argv = embedded.server_command(port, folder)
    argv[argv.index("--bind") + 1 : argv.index("--bind") + 2] = bind
    url = f"redis://127.0.0.1:{port}/0"
    with started(argv, folder / f"redis-{port}.log", lambda: embedded.answers(url)):
        yield url


@contextmanager
def api(folder: Path, **env: str) -> Iterator[str]:
    """`backprop-lab serve` (gunicorn with the project's gunicorn.conf.py) on a free port;
    yields its URL once /v1/health answers."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with started(
        backprop_lab("serve"),
        folder / f"api-{port}.log",
        lambda: answers(f"{url}/v1/health"),
        PORT=str(port),
        **env,
    ):
        yield url


@contextmanager
def worker(
    folder: Path, name: str, prefix: Sequence[str] = (), celery: Sequence[str] = (), **env: str
) -> Iterator[str]:
    """`backprop-lab worker` with one pool process, named `name`@host (`celery` adds options;
    `prefix` runs it elsewhere: `ip netns exec NS`); yields its node name once it is ready."""
    log = folder / f"worker-{name}.log"
    argv = [*prefix, *backprop_lab("worker"), "-c", "1", "-n", f"{name}@%h", *celery]
    node = f"{name}@{socket.gethostname()}"  # a namespace shares the host's name
    with started(argv, log, lambda: f"{node} ready." in log.read_text(errors="replace"), **env):
        yield node
