"""Hand out again, at once, the messages that a vanished worker had taken.

With late acknowledgement on Redis, a message a worker has taken waits in the broker's
`unacked` hash until it is acknowledged. If the worker is SIGKILLed, Redis hands the message out
again only after the visibility timeout, which must outlast the longest job (minutes). A worker
that starts while no other worker answers a ping knows that every unacked message is an orphan,
and restores them all before it starts consuming, so the job resumes on it now.
"""

from __future__ import annotations

import logging

from celery.signals import worker_init

log = logging.getLogger(__name__)


def restore_orphans(app, ping_timeout: float = 1.0) -> int:
    """Restore every unacked message if no other worker is alive; how many were restored."""
    if app.control.ping(timeout=ping_timeout):
        return 0  # another worker may hold them: the visibility timeout decides
    with app.connection_for_write() as connection:
        channel = connection.default_channel
        client = channel.client
        tags = client.hkeys(channel.unacked_key)
        for tag in tags:
            channel.qos.restore_by_tag(tag, client=client, leftmost=True)
    return len(tags)


@worker_init.connect
def _on_worker_init(sender=None, **_) -> None:
    if not sender.app.conf.broker_url.startswith("redis"):
        return
    try:
        restored = restore_orphans(sender.app)
    except Exception:  # recovery is a shortcut; the visibility timeout still works without it
        log.exception("could not look for orphaned messages")
        return
    if restored:
        log.warning("no other worker is alive: handed out again %d message(s) that a "
                    "vanished worker had taken", restored)
