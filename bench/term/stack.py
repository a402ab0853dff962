"""The service under the term run: a redis-server the run can stop and restart, and
`backprop-lab run` on it; the service's processes found by their role."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from backprop_lab import embedded
from bench import processes
from bench.classroom import family


class Redis:
    """The embedded redis-server with the production settings (append-only, fsync always) on
    one port and folder, so that a restart finds its files."""

    def __init__(self, folder: Path):
        self.folder, self.port = folder, processes.free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None
        folder.mkdir(parents=True, exist_ok=True)

    def start(self) -> None:
        with (self.folder / "redis.out").open("ab") as out:
            self.process = subprocess.Popen(  # noqa: S603  the embedded redis-server, fixed argv
                embedded.server_command(self.port, self.folder),
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + processes.PATIENCE
        while not embedded.answers(self.url):
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("redis-server did not start")
            time.sleep(0.1)

    def stop(self, sig: int | None = None) -> None:
        """SIGTERM (Redis writes its file and exits) or `sig`, and wait for the exit."""
        if self.process is None or self.process.poll() is not None:
            return
        if sig is None:
            self.process.terminate()
        else:
            self.process.send_signal(sig)
        self.process.wait(processes.GRACE)


@dataclass
class Service:
    url: str  # the API
    run: subprocess.Popen  # `backprop-lab run`
    redis: Redis
    broker_url: str  # empty: the Redis
    env: dict[str, str] = field(default_factory=dict)

    def roles(self) -> dict[int, str]:
        """pid -> role of every process of the service now: `api`, `api-N` (gunicorn's
        processes), `worker-<class>` and `worker-<class>-N` (a worker and its pool), `redis`."""
        found = {}
        kids = sorted(family(self.run.pid))
        argv = {pid: _argv(pid) for pid in kids}
        parents = {pid: _parent(pid) for pid in kids}
        for pid in kids:
            words = argv[pid]
            if "gunicorn" in words:
                main = parents[pid] == self.run.pid
                found[pid] = "api" if main else "api-"
            elif "celery" in words:
                job_class = "interactive" if "interactive" in words else "batch"
                main = parents[pid] == self.run.pid
                found[pid] = f"worker-{job_class}" if main else f"worker-{job_class}-"
        numbered = {}
        for pid, role in sorted(found.items()):
            if role.endswith("-"):
                n = sum(1 for r in numbered.values() if r.startswith(role))
                role = f"{role}{n}"
            numbered[pid] = role
        if self.redis.process is not None and self.redis.process.poll() is None:
            numbered[self.redis.process.pid] = "redis"
        return numbered

    def pids(self, prefix: str) -> list[int]:
        return [pid for pid, role in self.roles().items() if role.startswith(prefix)]


def _argv(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def _parent(pid: int) -> int:
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except OSError:
        return 0


@contextmanager
def service(folder: Path, broker_url: str = "", **env: str) -> Iterator[Service]:
    """Redis, then `backprop-lab run` on it with `env` added; stopped in reverse order."""
    redis = Redis(folder / "redis")
    redis.start()
    settings = {"REDIS_URL": redis.url, "BROKER_URL": broker_url} | env
    try:
        with processes.service_process(folder, **settings) as (url, run):
            yield Service(url, run, redis, broker_url, settings)
    finally:
        redis.stop()
