"""Every worker's lease on a Redis broker: renewed while it lives, checked by all the others.

A worker's main process holds a lease in the broker (worker/leased_redis.py), renewed every
fifth of WORKER_LEASE_SECONDS by a thread of its own, and writes its lease name beside every
message it takes. The same thread restores the messages of every holder whose lease has
expired: a worker SIGKILLed, its machine gone, or paused (SIGSTOP) past its lease. So a dead
worker's messages go back to their queues within about WORKER_LEASE_SECONDS of its death, with
any number of other workers alive, instead of after the visibility timeout (which still
applies to a message no lease names, e.g. one taken by a worker of an older version).

A worker also hands out again its own taken messages (worker/leased_redis.py) that stayed
there unchanged for a whole lease: a BLMOVE that ran in Redis while its answer was lost (Redis
gone in between) leaves the message in the taker's list and nowhere else.

A checker restores only after its own lease has been renewed without a failure for a whole
lease: after a broker outage every lease has lapsed, and the live workers must have had the time
to renew theirs before anyone counts them dead.

A job whose message comes back while its first run goes on (a paused worker resumed) runs
twice; its end is recorded once (worker/records.py), as after a visibility timeout.
"""

from __future__ import annotations

import logging
import os
import threading
import time
import uuid

from celery import Celery

from . import leased_redis
from .settings import is_redis

log = logging.getLogger(__name__)
_stop = threading.Event()


def lease_name(hostname: str) -> str:
    """One per worker start: a worker restarted under the same name is a new holder."""
    return f"{hostname}/{os.getpid()}/{uuid.uuid4().hex[:8]}"


def keep(app: Celery, name: str, seconds: float, stop: threading.Event) -> None:
    """Renew `name`'s lease and restore the dead holders' messages until `stop` is set."""
    connection, since = None, None
    mine, mine_since = [], 0.0  # this worker's own taken messages, and since when unchanged
    while True:
        try:
            if connection is None:
                connection = app.connection_for_write()
                connection.ensure_connection(max_retries=1)
            qos = connection.default_channel.qos
            qos.renew(name, seconds)
            since = since or time.monotonic()
            if time.monotonic() - since >= seconds:
                restored = qos.restore_dead()
                if restored:
                    log.warning("handed out again %d message(s) of dead workers", len(restored))
            taken = qos.taken_by(name)  # a message stays there for milliseconds, unless lost
            if not taken or taken != mine:
                mine, mine_since = taken, time.monotonic()
            elif time.monotonic() - mine_since >= seconds:
                log.warning("handed out again %d message(s) a lost reply left", len(mine))
                qos.restore_taken(name)
                mine = []
        except Exception as exc:  # the broker is away: try again, and wait a lease to restore
            log.warning("worker lease: %s", exc)
            if connection is not None:
                connection.release()
            connection, since = None, None
        if stop.wait(seconds / 5):
            break
    if connection is not None:
        try:
            connection.default_channel.qos.release(name)
        finally:
            connection.release()


def keep_lease(sender=None, **_) -> None:
    """Celery's worker_init hook: on a Redis broker, name this worker's lease and keep it."""
    app = sender.app
    if not is_redis(app.settings.broker):
        return
    name = lease_name(sender.hostname)
    leased_redis.holder["name"] = name
    seconds = app.settings.worker_lease_seconds
    _stop.clear()
    threading.Thread(
        target=keep, args=(app, name, seconds, _stop), name="worker-lease", daemon=True
    ).start()


def give_up_lease(**_) -> None:
    """Celery's worker_shutdown hook: stop renewing and give the lease up."""
    _stop.set()
