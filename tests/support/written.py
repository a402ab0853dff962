"""What a submit leaves behind, read from the outside: the messages in the job queues (as the
broker counts them) and the job records and index entries in Redis. A request refused before
queueing leaves both as they were."""

from __future__ import annotations

import redis
from kombu.exceptions import ChannelError

from tests.support.processes import sender_app
from worker.queues import names
from worker.records import JobStore


def queued(redis_url: str, queue_prefix: str, broker_url: str = "") -> dict[str, int]:
    """Queue name -> the messages waiting in it, by the broker's own count (a queue never
    declared holds none)."""
    app = sender_app(redis_url, queue_prefix, broker_url)
    counts = {}
    with app.connection_for_read() as connection:
        for name in names(queue_prefix).values():
            try:
                declared = connection.default_channel.queue_declare(queue=name, passive=True)
                counts[name] = declared.message_count
            except ChannelError:
                counts[name] = 0
    return counts


def stored(redis_url: str) -> dict:
    """The job records' keys, and the entries of the job index and of every owner's."""
    client = redis.Redis.from_url(redis_url)
    return {
        "records": set(client.scan_iter(match=JobStore.key("*"))),
        "index": {
            key: client.zcard(key)
            for key in client.scan_iter(match=JobStore.index() + "*")
            if client.type(key) == b"zset"
        },
    }


def written(redis_url: str, queue_prefix: str, broker_url: str = "") -> dict:
    return {"queued": queued(redis_url, queue_prefix, broker_url), **stored(redis_url)}


def unqueue(redis_url: str, queue: str, job_id: str) -> None:
    """Take a job's message out of a queue on the Redis broker that no worker takes."""
    client = redis.Redis.from_url(redis_url)
    for key in client.scan_iter(match=f"{queue}*"):
        if client.type(key) == b"list":
            for message in client.lrange(key, 0, -1):
                if job_id.encode() in message:
                    client.lrem(key, 1, message)
