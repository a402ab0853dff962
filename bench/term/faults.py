"""The term's faults: drawn from the seed, printed as they happen, overlapping.

Faults come in bursts of one to three, a few seconds apart, and bursts `gap` seconds apart
on average; the long ones (Redis down, a worker paused) run in a thread of their own, so the
next fault comes while they last. A fault whose target is not there (Redis already down, no
pool process yet) is passed for the next. The kinds are dealt from a shuffled deck of one of
each, so every kind comes once in each five faults.
"""

from __future__ import annotations

import os
import random
import signal
import threading
import time
from collections.abc import Callable

from bench.term.stack import Service

KINDS = ("kill-pool", "kill-worker", "kill-api", "redis-restart", "pause-worker")


class Faults:
    def __init__(self, service: Service, seed: int, gap: float, lease: float, now: Callable):
        self.service, self.gap, self.lease, self.now = service, gap, lease, now
        self.rng = random.Random(seed)  # noqa: S311  a schedule drawn from a seed, no secret
        self.log: list[tuple[float, str, str]] = []  # (t, kind, what)
        self.stop = threading.Event()
        self.redis_down = threading.Event()
        self.paused: set[int] = set()
        self.deck: list[str] = []
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.helpers: list[threading.Thread] = []

    def note(self, kind: str, what: str) -> None:
        t = self.now()
        self.log.append((t, kind, what))
        print(f"t={t:7.1f} s  fault {kind:14s} {what}", flush=True)

    def run(self) -> None:
        """Bursts of one to three faults a few seconds apart (overlapping), `gap` seconds
        apart on average, with quiet between them."""
        while not self.stop.wait(self.rng.uniform(0.5, 1.5) * self.gap):
            for n in range(self.rng.randint(1, 3)):
                if n and self.stop.wait(self.rng.uniform(0, 5)):
                    return
                for _ in range(10):
                    if getattr(self, self.deal().replace("-", "_"))():
                        break

    def deal(self) -> str:
        """The next kind from a shuffled deck of every kind: each comes once in turn."""
        if not self.deck:
            self.deck = self.rng.sample(KINDS, len(KINDS))
        return self.deck.pop()

    def join(self) -> None:
        self.stop.set()
        self.thread.join()
        for helper in self.helpers:
            helper.join()

    def aside(self, target: Callable, *args) -> None:
        helper = threading.Thread(target=target, args=args, daemon=True)
        helper.start()
        self.helpers.append(helper)

    def pick(self, prefix: str, pool: bool) -> tuple[int, str] | None:
        """A live process of the service whose role starts with `prefix` (a pool process, or
        a worker's main process), not paused."""
        roles = self.service.roles()
        found = [
            (pid, role)
            for pid, role in roles.items()
            if role.startswith(prefix)
            and (role.count("-") == 2) == pool
            and pid not in self.paused
            and not (prefix == "api" and role == "api")
        ]
        return self.rng.choice(sorted(found)) if found else None

    def kill_pool(self) -> bool:
        found = self.pick("worker-", pool=True)
        if found is None:
            return False
        os.kill(found[0], signal.SIGKILL)
        self.note("kill-pool", f"{found[1]} pid {found[0]}")
        return True

    def kill_worker(self) -> bool:
        found = self.pick("worker-", pool=False)
        if found is None:
            return False
        os.killpg(found[0], signal.SIGKILL)  # its pool too: the run command starts a new one
        self.note("kill-worker", f"{found[1]} pid {found[0]} and its pool")
        return True

    def kill_api(self) -> bool:
        found = self.pick("api-", pool=False)
        if found is None:
            return False
        os.kill(found[0], signal.SIGKILL)  # a gunicorn worker: gunicorn starts another
        self.note("kill-api", f"{found[1]} pid {found[0]}")
        return True

    def redis_restart(self) -> bool:
        if self.redis_down.is_set():
            return False
        self.redis_down.set()
        how = self.rng.choice(["SIGTERM", "SIGKILL"])
        down = self.rng.uniform(2, 8)
        self.note("redis-restart", f"{how}, down {down:.1f} s")
        self.aside(self._redis_down, getattr(signal, how), down)
        return True

    def _redis_down(self, sig: int, seconds: float) -> None:
        self.service.redis.stop(sig)
        time.sleep(seconds)
        self.service.redis.start()
        self.redis_down.clear()

    def pause_worker(self) -> bool:
        found = self.pick("worker-", pool=False)
        if found is None:
            return False
        seconds = self.lease * self.rng.uniform(1.5, 3)
        self.paused.add(found[0])
        self.note("pause-worker", f"{found[1]} pid {found[0]} and its pool, {seconds:.1f} s")
        self.aside(self._paused, found[0], seconds)
        return True

    def _paused(self, pid: int, seconds: float) -> None:
        try:
            os.killpg(pid, signal.SIGSTOP)
            time.sleep(seconds)
            os.killpg(pid, signal.SIGCONT)
        except ProcessLookupError:
            pass
        self.paused.discard(pid)
