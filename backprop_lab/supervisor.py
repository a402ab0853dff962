"""The supervisor behind `backprop-lab run`: Redis (found or embedded), two Celery workers
(one per job class: `interactive` and `batch`) and the API, started and watched in one process.

Each child runs in its own process group (so a Ctrl-C in the terminal reaches only us, and we
stop the children in order: API, worker, Redis) and gets SIGTERM if we die without cleaning up
(Linux's parent-death signal), so no process outlives the command. A worker that dies (killed,
out of memory) is replaced, and its jobs resume on the new one (worker/recovery.py); the API or
Redis dying stops everything.
"""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import requests
from kombu.utils.url import maybe_sanitize_url  # the password as ** in what is logged

from . import embedded
from .commands import api_command, executable, gunicorn_config, worker_command

WORKERS = {f"worker-{c}": c for c in ("interactive", "batch")}  # child name -> its job class

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
GRACE = 10.0
WORKER_RESTARTS = 5  # in RESTART_WINDOW seconds; past that the worker is failing, not unlucky
RESTART_WINDOW = 60.0


class Stop(Exception):
    """A stop signal arrived."""


def _die_with_parent() -> None:
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (AttributeError, OSError):
        pass


class Children:
    """Started processes, each the leader of its own process group, stopped in reverse order."""

    def __init__(self, log=print):
        self.procs: list[tuple[str, subprocess.Popen]] = []
        self.umasks: dict[str, int] = {}
        self.log = log

    def start(
        self, name: str, argv: Sequence[str], env: dict[str, str], umask: int = -1
    ) -> subprocess.Popen:
        argv = [executable(argv[0]), *argv[1:]]
        proc = subprocess.Popen(  # noqa: S603  argv of commands.py, no shell
            argv,
            env=env,
            start_new_session=True,
            preexec_fn=_die_with_parent if sys.platform == "linux" else None,
            umask=umask,
        )
        self.procs.append((name, proc))
        self.umasks[name] = umask
        self.log(f"started {name} (pid {proc.pid})")
        return proc

    def dead(self) -> str | None:
        """The name of a child that exited, if any."""
        return next((name for name, p in self.procs if p.poll() is not None), None)

    def replace(self, name: str, argv: Sequence[str], env: dict[str, str]) -> subprocess.Popen:
        """Start `name` again after it exited, clearing what is left of its process group."""
        index, (_, old) = next((i, p) for i, p in enumerate(self.procs) if p[0] == name)
        _signal_group(old, signal.SIGKILL)  # pool processes orphaned by their leader's death
        del self.procs[index]
        return self.start(name, argv, env, self.umasks[name])

    def stop(self) -> None:
        for name, proc in reversed(self.procs):
            _signal_group(proc, signal.SIGTERM)
            try:
                proc.wait(GRACE)
            except subprocess.TimeoutExpired:
                self.log(f"{name} did not stop in {GRACE:g} s; killing it")
                _signal_group(proc, signal.SIGKILL)
                proc.wait()
            # the group may hold children of the leader (pool processes) that outlive it
            _signal_group(proc, signal.SIGKILL)
            self.log(f"stopped {name}")
        self.procs.clear()


def _signal_group(proc: subprocess.Popen, sig: int) -> None:
    try:
        os.killpg(proc.pid, sig)
    except ProcessLookupError:
        pass


def wait_ready(url: str, children: Children, timeout: float = 90.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if children.dead():
            return False
        try:
            if requests.get(url + "/v1/ready", timeout=2).status_code == 200:
                return True
        except requests.RequestException:
            pass
        time.sleep(0.5)
    return False


def supervise(host: str, port: int, var_dir: Path, redis_url: str, queue_prefix: str = "") -> int:
    """Start everything, print where to look, and supervise until a signal or a death."""

    def on_signal(signum, frame):
        raise Stop(signal.Signals(signum).name)

    for sig in STOP_SIGNALS:
        signal.signal(sig, on_signal)
    children = Children(log=lambda text: print(f"backprop-lab: {text}", flush=True))
    env = dict(os.environ)
    try:
        if embedded.answers(redis_url):
            children.log(f"using the Redis at {maybe_sanitize_url(redis_url)}")
        else:
            data = (var_dir / "redis").resolve()
            embedded.prepare_data_dir(data)
            redis_port = embedded.free_port(embedded.port_of(redis_url))
            command = embedded.server_command(redis_port, data)
            children.start("redis", command, env, umask=embedded.PRIVATE_FILES)
            redis_url = embedded.local_url(redis_port, redis_url)
            deadline = time.monotonic() + 15
            while not embedded.answers(redis_url):
                if children.dead() or time.monotonic() > deadline:
                    children.log(f"embedded Redis did not start; see {data / 'redis.log'}")
                    return 1
                time.sleep(0.1)
            children.log(f"embedded Redis at {maybe_sanitize_url(redis_url)}, data in {data}")
        env["REDIS_URL"] = redis_url
        for name, job_class in WORKERS.items():
            children.start(name, worker_command(job_class, queue_prefix), env)
        children.start("api", api_command(f"{host}:{port}") + gunicorn_config(), env)
        url = f"http://{host}:{port}"
        if wait_ready(url, children):
            print(banner(url), flush=True)
        elif not children.dead():
            children.log(f"{url}/v1/ready does not answer 200 yet; still waiting")
        restarts: list[float] = []
        while True:
            while (name := children.dead()) is None:
                time.sleep(0.5)
            restarts = [t for t in restarts if time.monotonic() - t < RESTART_WINDOW]
            if name not in WORKERS or len(restarts) >= WORKER_RESTARTS:
                children.log(f"{name} exited; stopping the others")
                return 1
            restarts.append(time.monotonic())
            children.log(f"{name} exited; starting a new one (its jobs resume there)")
            children.replace(name, worker_command(WORKERS[name], queue_prefix), env)
    except Stop as stop:
        children.log(f"{stop}: stopping")
        return 0
    finally:
        for sig in STOP_SIGNALS:
            signal.signal(sig, signal.SIG_IGN)
        children.stop()


def banner(url: str) -> str:
    return f"""
backprop-lab is running (Ctrl-C stops everything)
  page           {url}/
  API docs       {url}/docs   (OpenAPI: {url}/openapi.json)
  readiness      {url}/v1/ready

  try one job:
    curl -s -X POST '{url}/v1/jobs?wait=10' -H 'Content-Type: application/json' \\
         -d @examples/tiny-2-3-2.json
  or from another terminal:
    .venv/bin/backprop-lab --url {url} submit examples/tiny-2-3-2.json --wait
"""
