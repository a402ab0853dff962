"""What the service holds over time: each process's resident memory and open files, Redis'
used memory and connections, sampled every few seconds (a process's role is its place in the
service: a new process in that place, after a kill, continues its row)."""

from __future__ import annotations

import os
import threading
import time
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
        self.settled: int | None = None  # Redis' used memory once the records expired

    def settle(self, seconds: float, baseline: int) -> None:
        """Wait up to `seconds` for Redis' used memory to come back within 2 MiB of
        `baseline` (the records and results expire: JOB_TTL), sampling on."""
        deadline = self.now() + seconds
        while self.now() < deadline:
            self.sample()
            used = self.rows[-1].get("used") if self.rows[-1]["role"] == "redis-info" else None
            if used is not None and used <= baseline + 2 * 2**20:
                break
            time.sleep(self.every)
        self.settled = next((r["used"] for r in reversed(self.rows) if "used" in r), None)

    def baseline(self) -> int:
        """Redis' used memory at the first sample."""
        return next(r["used"] for r in self.rows if "used" in r)

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
