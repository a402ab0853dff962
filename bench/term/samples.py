"""What the service holds over time: each process's resident memory and open files, Redis'
used memory and connections, sampled every few seconds (a process's role is its place in the
service: a new process in that place, after a kill, continues its row)."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from pathlib import Path

import redis

from bench.term.stack import Service


def rss_and_fds(pid: int) -> tuple[int, int] | None:
    """(resident bytes, open file descriptors) of a process, or None once it is gone."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
        rss = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS"))
        return rss * 1024, len(os.listdir(f"/proc/{pid}/fd"))
    except (OSError, StopIteration):
        return None


class Sampler:
    def __init__(self, service: Service, every: float, now: Callable[[], float]):
        self.service, self.every, self.now = service, every, now
        self.redis = redis.Redis.from_url(service.redis.url, socket_timeout=2)
        self.rows: list[dict] = []  # t, role, rss, fds; role "redis-info": used, clients
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def run(self) -> None:
        while True:
            self.sample()
            if self.stop.wait(self.every):
                return

    def sample(self) -> None:
        t = self.now()
        for pid, role in self.service.roles().items():
            if (found := rss_and_fds(pid)) is not None:
                self.rows.append({"t": t, "role": role, "rss": found[0], "fds": found[1]})
        try:
            info = self.redis.info()
            self.rows.append(
                {
                    "t": t,
                    "role": "redis-info",
                    "used": info["used_memory"],
                    "clients": info["connected_clients"],
                }
            )
        except redis.RedisError:
            pass  # Redis is down: a fault

    def at(self, role: str, t: float) -> dict | None:
        """The role's sample nearest to `t`."""
        rows = [r for r in self.rows if r["role"] == role]
        return min(rows, key=lambda r: abs(r["t"] - t)) if rows else None
