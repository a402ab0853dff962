"""`GET /metrics`: the service's numbers in the Prometheus text format (prometheus_client).

Gunicorn runs several API processes and the workers run elsewhere, so nothing is counted in a
process's memory: the counts live in Redis (worker/accounting.py), written by every API process
and worker, and a scrape of any API process shows the whole service. Queue depths are asked of
the broker at scrape time (a passive declare, which Redis and RabbitMQ both answer). Held
requests are the `?wait` requests and event streams open right now: each is an entry in a sorted
set whose score is when it expires, so a process that dies holding some stops counting them
after their horizon (a wait's own length and HOLD_MARGIN; a stream's HOLD_HORIZON between
refreshes).

With API keys set (API_KEYS), a scrape needs one of them, like a job request (Prometheus:
`authorization: {credentials: <key>}`); without keys it is open, like the jobs.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from celery import Celery
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
)
from redis import Redis

from worker import accounting, keyspace
from worker.queues import CLASSES

HOLD_HORIZON = 30.0  # seconds a held stream counts without a refresh
HOLD_MARGIN = 5.0  # seconds a held wait counts past its own length (it ends before that)
KINDS = ("wait", "stream")
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


@contextmanager
def held(client: Redis, kind: str, horizon: float = HOLD_HORIZON) -> Iterator[Callable[[], None]]:
    """Count one held request of `kind` while the block runs; yields a refresh function that a
    holder longer than `horizon` seconds (a stream) calls at least every `horizon` seconds."""
    token, key = secrets.token_hex(8), keyspace.held(kind)

    def refresh() -> None:
        client.zadd(key, {token: time.time() + horizon})

    refresh()
    try:
        yield refresh
    finally:
        client.zrem(key, token)


class ServiceCollector:
    """Reads the counts from Redis and the queue depths from the broker at each scrape."""

    def __init__(self, client: Redis, celery: Celery, queues: dict[str, str]):
        self.redis, self.celery, self.queues = client, celery, queues

    def collect(self):
        submitted = CounterMetricFamily(
            "backprop_lab_jobs_submitted", "Jobs accepted, by class.", labels=["class"]
        )
        for job_class, count in sorted(self.redis.hgetall(keyspace.SUBMITTED).items()):
            submitted.add_metric([job_class], float(count))
        yield submitted
        finished = CounterMetricFamily(
            "backprop_lab_jobs_finished",
            "Jobs that ended, by class and final status.",
            labels=["class", "status"],
        )
        for field, count in sorted(self.redis.hgetall(keyspace.FINISHED).items()):
            finished.add_metric(field.split(":", 1), float(count))
        yield finished
        yield self._run_seconds()
        passes = self.redis.get(keyspace.NAIVE_PASSES)
        yield CounterMetricFamily(
            "backprop_lab_naive_passes",
            "Passes done by all jobs as their progress counts them: naive "
            "passes, and a training job's passes.",
            value=float(passes or 0),
        )
        yield self._held()
        yield self._depths()

    def _run_seconds(self) -> HistogramMetricFamily:
        family = HistogramMetricFamily(
            "backprop_lab_job_run_seconds",
            "Seconds from a job's start to its end, by class.",
            labels=["class"],
        )
        for job_class in CLASSES:
            fields = self.redis.hgetall(keyspace.run_seconds(job_class))
            buckets = [
                (str(b), float(fields.get(accounting.bucket_field(b), 0)))
                for b in accounting.RUN_SECONDS_BUCKETS
            ]
            buckets.append(("+Inf", float(fields.get("+Inf", 0))))
            family.add_metric([job_class], buckets, float(fields.get("sum", 0)))
        return family

    def _held(self) -> GaugeMetricFamily:
        family = GaugeMetricFamily(
            "backprop_lab_held_requests",
            "?wait requests and event streams open now.",
            labels=["kind"],
        )
        now = time.time()
        for kind in KINDS:
            key = keyspace.held(kind)
            self.redis.zremrangebyscore(key, "-inf", now)  # their process died
            family.add_metric([kind], float(self.redis.zcard(key)))
        return family

    def _depths(self) -> GaugeMetricFamily:
        family = GaugeMetricFamily(
            "backprop_lab_queue_depth",
            "Messages waiting in each class's queue (not yet taken).",
            labels=["queue"],
        )
        with self.celery.connection_for_read() as connection:
            for name in self.queues.values():
                family.add_metric([name], float(_depth(connection, name)))
        return family


def _depth(connection, name: str) -> int:
    """A queue's waiting messages; 0 for a queue the broker has not declared yet."""
    channel = connection.channel()
    try:
        return channel.queue_declare(queue=name, passive=True).message_count
    except Exception:  # not declared yet (RabbitMQ closes the channel, Redis raises)
        return 0
    finally:
        try:
            channel.close()
        except Exception:
            pass


def exposition(collector: ServiceCollector) -> bytes:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(collector)
    return generate_latest(registry)
