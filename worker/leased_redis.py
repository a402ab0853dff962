"""kombu's Redis transport, with each unacknowledged message's holder written beside it.

On a Redis broker a message a worker has taken waits in kombu's `unacked` hash (delivery tag ->
message), indexed by time in `unacked_index`, until the worker acknowledges it; kombu hands it
out again only after the visibility timeout (minutes: it must outlast the longest job). This
transport adds, in the same transaction as kombu's own writes, the holder of each tag:

    unacked_owner            hash: delivery tag -> the holder (a worker's lease name)
    unacked_lease:<holder>   string with an expiry: the holder is alive (worker/leases.py)

so that a holder whose lease has expired is known dead and exactly its messages go back to
their queues (`restore_dead`), within seconds, whatever other workers run. The restore of one
tag is one WATCH/MULTI transaction on the message, its holder and the holder's lease: if a
live worker takes the message again, or a second checker restores it first, or the holder
renews its lease meanwhile, the transaction is void and is read again, so a message is never
pushed twice. A process that only sends (the API) never takes a message and writes no holder.

Used as Celery's `broker_transport` on a Redis broker (worker/celery_config.py); RabbitMQ hands
a message out again itself when the connection of the worker holding it drops.
"""

from __future__ import annotations

import time

from kombu.transport import redis as kombu_redis
from kombu.transport import virtual as kombu_virtual
from kombu.utils.json import dumps, loads
from redis.exceptions import WatchError

OWNERS = "unacked_owner"
LEASE = "unacked_lease:"
holder: dict[str, str | None] = {"name": None}  # set in a worker's main process (leases.py)


def lease_key(name: str | bytes) -> str:
    return LEASE + (name.decode() if isinstance(name, bytes) else name)


class QoS(kombu_redis.QoS):
    def append(self, message, delivery_tag):
        """kombu's writes of an unacked message and its holder, in one transaction: one round
        trip after the BRPOP that took it (the window in which a worker's death loses it)."""
        delivery = message.delivery_info
        raw = dumps([message._raw, delivery["exchange"], delivery["routing_key"]])
        with self.pipe_or_acquire() as pipe:
            pipe.zadd(self.unacked_index_key, {delivery_tag: time.time()})
            pipe.hset(self.unacked_key, delivery_tag, raw)
            if holder["name"] is not None:
                pipe.hset(OWNERS, delivery_tag, holder["name"])
            pipe.execute()
        kombu_virtual.QoS.append(self, message, delivery_tag)  # kombu's own bookkeeping

    def _remove_from_indices(self, delivery_tag, pipe=None):
        return super()._remove_from_indices(delivery_tag, pipe).hdel(OWNERS, delivery_tag)

    def renew(self, name: str, seconds: float) -> None:
        with self.channel.conn_or_acquire() as client:
            client.set(lease_key(name), int(time.time()), px=int(seconds * 1000))

    def release(self, name: str) -> None:
        with self.channel.conn_or_acquire() as client:
            client.delete(lease_key(name))

    def restore_dead(self) -> list[str]:
        """Hand out again every unacked message whose holder's lease has expired; their tags."""
        restored = []
        with self.channel.conn_or_acquire() as client:
            for tag, name in client.hgetall(OWNERS).items():
                if not client.exists(lease_key(name)) and self._restore_if_dead(client, tag):
                    restored.append(tag.decode())
        return restored

    def _restore_if_dead(self, client, tag: bytes) -> bool:
        """Restore `tag` if its holder's lease is gone, atomically (see the module's text)."""
        with client.pipeline() as pipe:
            while True:
                try:
                    pipe.watch(OWNERS, self.unacked_key)
                    name = pipe.hget(OWNERS, tag)
                    if name is None:
                        return False  # acknowledged, or restored by another checker
                    pipe.watch(lease_key(name))
                    if pipe.exists(lease_key(name)):
                        return False  # taken again by a live worker, or its holder is back
                    raw = pipe.hget(self.unacked_key, tag)
                    pipe.multi()
                    self._remove_from_indices(tag, pipe)
                    if raw:
                        payload, exchange, routing_key = loads(raw)
                        self.channel._do_restore_message(
                            payload, exchange, routing_key, pipe, leftmost=True
                        )
                    pipe.execute()
                    return raw is not None
                except WatchError:
                    continue


class Channel(kombu_redis.Channel):
    QoS = QoS


class Transport(kombu_redis.Transport):
    Channel = Channel
