"""Hand out again, at once, the messages that a vanished worker had taken (Redis broker only).

With late acknowledgement on Redis, a message a worker has taken waits in the broker's
`unacked` hash until it is acknowledged. If the worker is SIGKILLed, Redis hands the message out
again only after the visibility timeout, which must outlast the longest job (minutes). A worker
that has just started, while no other worker answers a ping, knows that every message taken
before it started is an orphan, and restores them now, so the job resumes on it.

This reads kombu's Redis transport internals (the `unacked` hash and its index), so it runs
only on a Redis broker. RabbitMQ needs no such help: it hands a message out again as soon as
the connection of the worker that took it drops.
"""

from __future__ import annotations

import logging
import time

from celery import Celery

from .settings import is_redis

log = logging.getLogger(__name__)
_started = {"at": time.time()}


def restore_orphans(app: Celery, hostname: str, before: float, ping_timeout: float = 1.0) -> int:
    """Restore the unacked messages taken before `before` if no worker but `hostname` is alive;
    how many were restored. (Messages this worker took since it started are its own.)"""
    probe = Celery(broker=app.conf.broker_url, set_as_current=False)
    probe.conf.broker_transport_options = app.conf.broker_transport_options
    try:
        others = [r for r in probe.control.ping(timeout=ping_timeout) if hostname not in r]
        if others:
            return 0  # another worker may hold them: the visibility timeout decides
        with probe.connection_for_write() as connection:
            channel = connection.default_channel
            client = channel.client
            tags = client.zrangebyscore(channel.unacked_index_key, 0, before)
            for tag in tags:
                channel.qos.restore_by_tag(tag, client=client, leftmost=True)
        return len(tags)
    finally:
        probe.close()


def note_start(**_) -> None:
    """Celery's worker_init hook (connected by worker/celery.py's make_app)."""
    _started["at"] = time.time()


def restore_at_ready(sender=None, **_) -> None:
    """Celery's worker_ready hook: on a Redis broker, restore the orphans (restore_orphans)."""
    app = sender.app
    if not is_redis(app.settings.broker):
        return
    try:
        restored = restore_orphans(app, sender.hostname, _started["at"])
    except Exception:  # recovery is a shortcut; the visibility timeout still works without it
        log.exception("could not look for orphaned messages")
        return
    if restored:
        log.warning(
            "no other worker is alive: handed out again %d message(s) that a "
            "vanished worker had taken",
            restored,
        )
