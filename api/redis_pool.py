"""The API process's Redis connections: a bounded pool that closes the ones left idle.

At most API_REDIS_CONNECTIONS connections per process (a request that finds none free waits up
to REDIS_WAIT_SECONDS for one, as it would for the server): held requests park on an event of
api/wakeups.py, not on a connection, so a pool of tens serves a thousand of them. A burst still
opens connections up to the bound; each one idle for API_REDIS_IDLE_SECONDS is then closed by a
reaper (a thread, a greenlet under gevent), so a process that served a burst of streams goes
back to the few connections it uses. A closed connection stays in the pool and connects again
when a request next takes it.
"""

from __future__ import annotations

import logging
import threading
import time
from queue import Empty

import redis

log = logging.getLogger(__name__)
REDIS_WAIT_SECONDS = 5.0  # the longest a request waits for a free connection


class IdlePool(redis.BlockingConnectionPool):
    """A BlockingConnectionPool whose connections idle for `idle_seconds` are closed."""

    def __init__(self, idle_seconds: float = 30.0, **kwargs):
        self.idle_seconds = idle_seconds
        self._reaper: threading.Thread | None = None
        self._reaper_pid: int | None = None
        super().__init__(timeout=REDIS_WAIT_SECONDS, **kwargs)

    def twin(self, **overrides) -> IdlePool:
        """A pool of its own to the same server, with its bounds (e.g. decode_responses off)."""
        return IdlePool(
            idle_seconds=self.idle_seconds,
            max_connections=self.max_connections,
            connection_class=self.connection_class,
            **(self.connection_kwargs | overrides),
        )

    def get_connection(self, *args, **kwargs):
        self._start_reaper()
        return super().get_connection(*args, **kwargs)

    def release(self, connection) -> None:
        connection.idle_since = time.monotonic()
        super().release(connection)

    def connected(self) -> int:
        """Connections of this pool with an open socket, in use or idle."""
        return sum(1 for c in list(self._connections) if getattr(c, "_sock", None) is not None)

    def close_idle(self, seconds: float | None = None) -> int:
        """Close the free connections idle for `seconds` (idle_seconds); how many were closed."""
        cutoff = time.monotonic() - (self.idle_seconds if seconds is None else seconds)
        free = []
        try:  # the free connections, newest first; a request meanwhile waits for one
            while True:
                free.append(self.pool.get_nowait())
        except Empty:
            pass
        closed = 0
        try:
            for connection in free:
                if (
                    connection is not None
                    and getattr(connection, "_sock", None) is not None
                    and getattr(connection, "idle_since", 0.0) <= cutoff
                ):
                    connection.disconnect()
                    closed += 1
        finally:
            for connection in reversed(free):  # back in their order (the queue is LIFO)
                self.pool.put_nowait(connection)
        return closed

    def _start_reaper(self) -> None:
        if self._reaper_pid == self.pid and self._reaper is not None:
            return
        self._reaper_pid = self.pid  # after a fork, the child's own reaper
        self._reaper = threading.Thread(target=self._reap, name="redis-idle-reaper", daemon=True)
        self._reaper.start()

    def _reap(self) -> None:
        while True:
            time.sleep(max(0.1, min(self.idle_seconds / 2, 5.0)))
            try:
                self.close_idle()
            except Exception:  # a reaper never takes the process down
                log.exception("closing idle Redis connections failed")


def client(url: str, connections: int, idle_seconds: float, timeout: float) -> redis.Redis:
    """A client on the Redis at `url`, decoding answers, through an IdlePool."""
    pool = IdlePool.from_url(
        url,
        idle_seconds=idle_seconds,
        max_connections=connections,
        socket_timeout=timeout,
        socket_connect_timeout=timeout,
        decode_responses=True,
    )
    return redis.Redis(connection_pool=pool)
