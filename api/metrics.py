"""`GET /metrics`: the service's numbers in the Prometheus text format (prometheus_client).

Gunicorn runs several API processes and the workers run elsewhere, so nothing is counted in a
process's memory: the counts live in Redis (worker/accounting.py), written by every API process
and worker, and a scrape of any API process shows the whole service. Queue depths are asked of
the broker at scrape time (a passive declare, which Redis and RabbitMQ both answer); when the
broker cannot be asked, the depths are absent from that scrape (an outage is not an empty
queue) and `backprop_lab_queue_depth_up` is 0 with the reason. Held
requests are the `?wait` requests and event streams open right now: each is an entry in a sorted
set whose score is when its lease ends (api/holds.py, which writes them), so a process that
dies holding some stops counting them after their lease (a wait's own length and HOLD_MARGIN;
a stream's HOLD_HORIZON between renewals).

With API keys set (API_KEYS), a scrape needs one of them, like a job request (Prometheus:
`authorization: {credentials: <key>}`); without keys it is open, like the jobs.
"""

from __future__ import annotations

import time

import redis
from amqp.exceptions import AccessRefused, ChannelError, NotAllowed
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

KINDS = ("wait", "stream")
# why the broker could not be asked: no connection (refused, timed out, no such host); it
# refused us (credentials, a virtual host that does not exist); anything else
REASONS = ("unreachable", "refused", "error")
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


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
        made = CounterMetricFamily(
            "backprop_lab_results",
            "Results made: computed by model.run, or served from the result cache.",
            labels=["source"],
        )
        for source, count in sorted(self.redis.hgetall(keyspace.RESULTS_MADE).items()):
            made.add_metric([source], float(count))
        yield made
        yield self._held()
        depths, reason = self._depths()
        up = GaugeMetricFamily(
            "backprop_lab_queue_depth_up",
            "1 when the broker answered this scrape's queue depths; 0 when it could not be "
            "asked (reason: unreachable, refused or error), and the depths are then absent.",
            labels=["reason"],
        )
        up.add_metric([reason or ""], 0.0 if reason else 1.0)
        yield up
        if depths is not None:
            yield depths

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

    def _depths(self) -> tuple[GaugeMetricFamily | None, str | None]:
        """The queues' depths, or None and why the broker could not be asked (one connection,
        tried once: a scrape answers at once, and the next one asks again)."""
        try:
            with self.celery.connection_for_read() as connection:
                connection.ensure_connection(max_retries=0)
                depths = {name: _depth(connection, name) for name in self.queues.values()}
        except Exception as exc:
            return None, _reason(exc)
        family = GaugeMetricFamily(
            "backprop_lab_queue_depth",
            "Messages waiting in each class's queue (not yet taken).",
            labels=["queue"],
        )
        for name, depth in depths.items():
            family.add_metric([name], float(depth))
        return family, None


def _depth(connection, name: str) -> int:
    """A queue's waiting messages: 0 for a queue the broker has not declared yet (404, which
    RabbitMQ and kombu's Redis transport both answer); any other error is raised."""
    channel = connection.channel()
    try:
        return channel.queue_declare(queue=name, passive=True).message_count
    except ChannelError as exc:
        if str(exc.reply_code) == "404":
            return 0
        raise
    finally:
        try:
            channel.close()  # RabbitMQ has closed it after a 404
        except Exception:  # noqa: S110  it is closed already
            pass


def _reason(exc: BaseException) -> str:
    """Why the broker could not be asked, one of REASONS (kombu wraps the cause)."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, AccessRefused | NotAllowed | redis.AuthenticationError):
            return "refused"
        if isinstance(seen, OSError | redis.ConnectionError | redis.TimeoutError):
            return "unreachable"
        seen = seen.__cause__ or seen.__context__
    return "error"


def exposition(collector: ServiceCollector) -> bytes:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(collector)
    return generate_latest(registry)
