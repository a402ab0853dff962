"""The Celery configuration made from the settings, for the worker's app and the API's sender.

Late acknowledgement with requeue when a worker dies means the broker must not hand a running
job to another worker first: Redis' `visibility_timeout` is longer than the hard time limit, set
for the broker and the result store alike (Celery ignores the one without the other). A message
whose worker vanished (SIGKILL, a lost machine) is handed out again once that timeout has
passed; VISIBILITY_TIMEOUT shortens it (the tests kill workers), and the broker then looks for
such messages every third of it.
"""

from __future__ import annotations

from typing import Any

from celery import Celery

from .settings import Settings


def celery_config(settings: Settings) -> dict[str, Any]:
    seconds = settings.visibility_seconds
    visibility = {"visibility_timeout": seconds,
                  "unacked_restore_interval": max(seconds / 3, 0.5),
                  "unacked_restore_throttle": 1}
    return {
        "broker_url": settings.broker,
        "result_backend": settings.redis_url,
        "task_serializer": "json",
        "result_serializer": "json",
        "accept_content": ["json"],
        "task_default_queue": settings.queue,
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,
        "broker_transport_options": visibility,
        "result_backend_transport_options": visibility,
        "worker_prefetch_multiplier": 1,
        "task_track_started": True,
        "task_soft_time_limit": settings.job_soft_time_limit,
        "task_time_limit": settings.hard_time_limit,
        "result_expires": settings.job_ttl,
        "broker_connection_retry_on_startup": True,
        # a chord part's result reaches the backend even across a short Redis outage
        "result_backend_always_retry": True,
        "result_backend_max_retries": 30,
        # ours, read by the tasks through their app: where the job records are, and the split
        "job_store_url": settings.redis_url,
        "naive_split_passes": settings.naive_split_passes,
        "naive_parts": settings.naive_parts,
    }


def sender(settings: Settings) -> Celery:
    """A Celery app that only sends and controls (the API, the tests' pings): it registers no
    task and never becomes the process' current app."""
    app = Celery("backprop-lab", set_as_current=False)
    app.conf.update(celery_config(settings))
    return app
