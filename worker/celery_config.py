"""The Celery configuration made from the settings, for the worker's app and the API's sender.

Redis at REDIS_URL always holds the job records and Celery's results (a split job's chord
counts its parts there). The queues are in the broker: the same Redis unless BROKER_URL names
another, e.g. `amqp://user:password@host:5672/vhost` for RabbitMQ.

Late acknowledgement with requeue when a worker dies, one message per worker process at a time
(prefetch 1), on both brokers. How a vanished worker's message (SIGKILL, a lost machine) comes
back differs:

- RabbitMQ hands it out again as soon as the worker's connection drops (at once for a killed
  process; after the heartbeat timeout for a lost machine). Queues are durable and messages
  persistent, so queued jobs outlive a broker restart.
- Redis hands it out again only after the `visibility_timeout`, which must be longer than the
  hard time limit, set for the broker and the result store alike (Celery ignores the one
  without the other). VISIBILITY_TIMEOUT shortens it (the tests kill workers), and the broker
  then looks for such messages every third of it. Sooner than that, every worker keeps a lease
  and restores the messages of the workers whose lease lapsed (leases.py, leased_redis.py);
  recovery.py also hands out at once what was taken before a lone worker restarted.
"""

from __future__ import annotations

from typing import Any

from celery import Celery

from . import queues
from .settings import Settings, is_redis


def celery_config(settings: Settings) -> dict[str, Any]:
    seconds = settings.visibility_seconds
    visibility = {
        "visibility_timeout": seconds,
        "unacked_restore_interval": max(seconds / 3, 0.5),
        "unacked_restore_throttle": 1,
    }
    return {
        **broker_options(settings.broker, visibility),
        "result_backend": settings.redis_url,
        "task_serializer": "json",
        "result_serializer": "json",
        "accept_content": ["json"],
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,
        "result_backend_transport_options": visibility,
        "worker_prefetch_multiplier": 1,
        "task_track_started": True,
        "task_soft_time_limit": settings.job_soft_time_limit,
        "task_time_limit": settings.hard_time_limit,
        "result_expires": settings.job_ttl,
        "broker_connection_retry_on_startup": True,
        # a job running when the broker connection drops runs on; its message comes back and
        # the second run finds the job ended, or runs beside it (the end is recorded once)
        "worker_cancel_long_running_tasks_on_connection_loss": False,
        # a chord part's result reaches the backend even across a short Redis outage
        "result_backend_always_retry": True,
        "result_backend_max_retries": 30,
    } | queues.celery_settings(settings.queue_prefix)


def broker_options(url: str, visibility: dict[str, float]) -> dict[str, Any]:
    """The broker's own settings: Redis' visibility timeout, or RabbitMQ's durability."""
    if is_redis(url):
        return {
            "broker_url": url,
            "broker_transport": "worker.leased_redis:Transport",  # each message's holder
            "broker_transport_options": visibility,
        }
    # Persistent messages (Celery's default, stated: a lost job would follow from a change) in
    # durable queues (kombu's default); the API answers 202 only once RabbitMQ has confirmed
    # that it holds the message.
    return {
        "broker_url": url,
        "task_default_delivery_mode": "persistent",
        "broker_transport_options": {"confirm_publish": True},
    }


class App(Celery):
    """A Celery app configured from `settings`, which it carries: the tasks and the worker's
    signal hooks read the service's own settings there (`task.app.settings`), and Celery's
    configuration holds only Celery's."""

    def __init__(self, settings: Settings, main: str = "backprop-lab", **options: Any):
        super().__init__(main, **options)
        self.settings = settings
        self.conf.update(celery_config(settings))

    def __reduce_keys__(self) -> dict[str, Any]:
        return super().__reduce_keys__() | {"settings": self.settings}  # pickled with the app


def sender(settings: Settings) -> App:
    """A Celery app that only sends and controls (the API, the tests' pings): it registers no
    task and never becomes the process' current app."""
    return App(settings, set_as_current=False)
