"""One Redis subscriber per API process, waking the waits and event streams it holds when their
job ends.

The scripts that end a job (worker/lua: finish, cancel, delete, a result cache hit) publish on
the job's ended key. The process subscribes to all of them once (PSUBSCRIBE, one connection)
and sets the events of the requests that watch that job, so a held request parks on an event
of its process, not on a Redis connection of its own: a thousand streams cost one subscriber
connection and the short reads of their ticks. A message lost to a reconnect costs nothing but
promptness: every watcher also looks at its job at each tick (at most a second).

Under gunicorn's gevent worker the thread and the events are greenlets (gevent patches
threading); under a threaded server they are threads.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import redis

from worker import keyspace

RECONNECT_SECONDS = 1.0
_ENDED = keyspace.ended("")


class Wakeups:
    """The process's subscriber and the events of the jobs its requests watch."""

    def __init__(self, client: redis.Redis):
        self.client = client
        self._lock = threading.Lock()
        self._watchers: dict[str, set[threading.Event]] = {}
        self._thread: threading.Thread | None = None

    @contextmanager
    def watch(self, job_id: str) -> Iterator[threading.Event]:
        """An event set when the job ends (from now on), for as long as the block runs."""
        self._start()
        event = threading.Event()
        with self._lock:
            self._watchers.setdefault(job_id, set()).add(event)
        try:
            yield event
        finally:
            with self._lock:
                events = self._watchers.get(job_id, set())
                events.discard(event)
                if not events:
                    self._watchers.pop(job_id, None)

    def _start(self) -> None:
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._listen, name="backprop-lab-wakeups", daemon=True
                )
                self._thread.start()

    def _listen(self) -> None:
        while True:
            pubsub = self.client.pubsub(ignore_subscribe_messages=True)
            try:
                pubsub.psubscribe(_ENDED + "*")
                while True:
                    message = pubsub.get_message(timeout=5.0)
                    if message is not None:
                        self._wake(message["channel"])
            except (redis.RedisError, OSError):
                time.sleep(RECONNECT_SECONDS)  # the watchers' ticks cover the gap
            finally:
                try:
                    pubsub.close()
                except (redis.RedisError, OSError):
                    pass

    def _wake(self, channel: str | bytes) -> None:
        if isinstance(channel, bytes):
            channel = channel.decode()
        job_id = channel[len(_ENDED) :]
        with self._lock:
            events = list(self._watchers.get(job_id, ()))
        for event in events:
            event.set()
