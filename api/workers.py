"""Is a worker alive? Asked with a Celery ping at most every CHECK_SECONDS, remembered between.

A job submitted while no worker is alive is still accepted (it waits in the queue and starts
when a worker does); the job then carries a `no-worker` warning so a client can say why it has
not started.
"""

from __future__ import annotations

import threading
import time

from celery import Celery

CHECK_SECONDS = 5.0
PING_SECONDS = 0.5


class Workers:
    def __init__(self, celery: Celery, every: float = CHECK_SECONDS):
        self.celery, self.every = celery, every
        self.lock = threading.Lock()
        self.checked_at, self.answered = -float("inf"), False

    def alive(self) -> bool:
        """Whether a worker answered the last ping (one ping at a time, at most every `every`
        seconds; a ping that fails counts as no answer)."""
        with self.lock:
            if time.monotonic() - self.checked_at >= self.every:
                self.answered = self._ping()
                self.checked_at = time.monotonic()
            return self.answered

    def _ping(self) -> bool:
        # A connection of its own, not one from kombu's process-wide pool: a pooled one that
        # Redis dropped (a restart) would fail the next user of the pool, not this ping.
        try:
            with self.celery.connection_for_write() as connection:
                return bool(
                    self.celery.control.ping(timeout=PING_SECONDS, limit=1, connection=connection)
                )
        except Exception:
            return False
