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

A worker that takes one queue takes each message with BLMOVE into a list of its own,

    unacked_taken:<holder>   list: the message between its taking and its unacked write

and the transaction that writes the message to `unacked` removes it from that list, so a
message is always in its queue, in its taker's list, or in `unacked`: a worker killed between
the taking and the writing (with kombu's BRPOP the message was then in no key at all) leaves it
in its list, and the checks hand it out again with its holder's other messages. A worker that
takes both queues (one BLMOVE takes from one list) takes with kombu's BRPOP, and that window
stays open for it. One priority step: a queue is one list.

Used as Celery's `broker_transport` on a Redis broker (worker/celery_config.py); RabbitMQ hands
a message out again itself when the connection of the worker holding it drops.
"""

from __future__ import annotations

import time
from queue import Empty

from kombu.transport import redis as kombu_redis
from kombu.transport import virtual as kombu_virtual
from kombu.utils.encoding import bytes_to_str
from kombu.utils.json import dumps, loads
from redis.exceptions import WatchError

OWNERS = "unacked_owner"
LEASE = "unacked_lease:"
TAKEN = "unacked_taken:"
holder: dict[str, str | None] = {"name": None}  # set in a worker's main process (leases.py)


def lease_key(name: str | bytes) -> str:
    return LEASE + (name.decode() if isinstance(name, bytes) else name)


def taken_key(name: str) -> str:
    return TAKEN + name


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
            taken, self.channel.taken = self.channel.taken, None
            if taken is not None:
                pipe.lrem(*taken)  # (its list, 1, the message as taken)
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
        """Hand out again every message whose holder's lease has expired, unacked or taken;
        their tags."""
        restored = []
        with self.channel.conn_or_acquire() as client:
            for tag, name in client.hgetall(OWNERS).items():
                if not client.exists(lease_key(name)) and self._restore_if_dead(client, tag):
                    restored.append(tag.decode())
            for key in client.scan_iter(match=TAKEN + "*", count=1000):
                name = key.decode()[len(TAKEN) :]
                if not client.exists(lease_key(name)):
                    restored += self._restore_taken(client, key, name)
        return restored

    def taken_by(self, name: str) -> list[bytes]:
        with self.channel.conn_or_acquire() as client:
            return client.lrange(taken_key(name), 0, -1)

    def restore_taken(self, name: str) -> list[str]:
        """Put back a live holder's own taken messages: those a reply lost left there (Redis
        gone after the BLMOVE ran and before its answer came), seen unchanged for a lease."""
        with self.channel.conn_or_acquire() as client:
            return self._restore_taken(client, taken_key(name).encode(), name, alive=True)

    def _restore_taken(self, client, key: bytes, name: str, alive: bool = False) -> list[str]:
        """Put a dead holder's taken messages back in their queues, atomically: if the holder
        renews its lease meanwhile, nothing is put back (unless it is `alive`, and asks)."""
        with client.pipeline() as pipe:
            while True:
                try:
                    pipe.watch(key, lease_key(name))
                    if not alive and pipe.exists(lease_key(name)):
                        return []
                    raws = pipe.lrange(key, 0, -1)
                    pipe.multi()
                    tags = []
                    for raw in raws:
                        payload = loads(raw)
                        delivery = payload["properties"]["delivery_info"]
                        self.channel._do_restore_message(
                            payload, delivery["exchange"], delivery["routing_key"], pipe, True
                        )
                        tags.append(payload["properties"]["delivery_tag"])
                    pipe.delete(key)
                    pipe.execute()
                    return tags
                except WatchError:
                    continue

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
    priority_steps = [0]  # one list per queue (no priorities are sent): one key to take from
    taken: tuple[str, int, bytes] | None = None  # the message the last BLMOVE took, for LREM
    _moving: tuple[str, str] | None = None  # (queue, list) of a BLMOVE sent, not yet read

    def _brpop_start(self, timeout=None):
        name = holder["name"]
        if name is None or len(self.active_queues) != 1 or self.global_keyprefix:
            return super()._brpop_start(timeout)
        (queue,) = self.active_queues
        self._moving = (queue, taken_key(name))
        self._in_poll = self.client.connection
        self._brpop_sent_at = time.monotonic()
        wait = self.brpop_timeout if timeout is None else timeout
        self.client.connection.send_command(
            "BLMOVE", queue, taken_key(name), "RIGHT", "LEFT", wait or 0
        )

    def _brpop_read(self, **options):
        moving, self._moving = self._moving, None
        if moving is None:
            return super()._brpop_read(**options)
        queue, taken = moving
        try:
            try:
                raw = self.client.parse_response(self.client.connection, "BLMOVE", **options)
            except self.connection_errors:
                self.client.connection.disconnect()
                raise
            if raw is None:
                raise Empty()
            self.taken = (taken, 1, raw)
            self.connection._deliver(loads(bytes_to_str(raw)), queue)
            return True
        finally:
            self._in_poll = None
            flush = getattr(self, "_flush_brpop_reauth", None)
            if flush is not None:
                flush()


class Transport(kombu_redis.Transport):
    Channel = Channel
