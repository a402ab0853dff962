"""Celery settings from the environment (REDIS_URL, QUEUE, the job time limits, the split).

Late acknowledgement with requeue when a worker dies means the broker must not hand a running
job to another worker first: Redis' `visibility_timeout` is longer than the hard time limit, set
for the broker and the result store alike (Celery ignores the one without the other). A message
whose worker vanished (SIGKILL, a lost machine) is handed out again once that timeout has
passed; VISIBILITY_TIMEOUT shortens it (the tests kill workers), and the broker then looks for
such messages every third of it.

A naive job of at least NAIVE_SPLIT_PASSES passes runs as NAIVE_PARTS parts (worker/split.py).
"""

from __future__ import annotations

import os

from celery import Celery


def settings(env: dict[str, str] | None = None) -> dict:
    env = os.environ if env is None else env
    redis_url = env.get("REDIS_URL") or "redis://127.0.0.1:6379/0"
    soft = float(env.get("JOB_SOFT_TIME_LIMIT") or 300)
    hard = float(env.get("JOB_TIME_LIMIT") or soft + 30)
    # a message can wait unacked behind one running job (prefetch) and then run itself: 2 x hard
    seconds = float(env.get("VISIBILITY_TIMEOUT") or 2 * hard + 60)
    visibility = {"visibility_timeout": seconds,
                  "unacked_restore_interval": max(seconds / 3, 0.5),
                  "unacked_restore_throttle": 1}
    return {
        "broker_url": redis_url,
        "result_backend": redis_url,
        "task_serializer": "json",
        "result_serializer": "json",
        "accept_content": ["json"],
        "task_default_queue": env.get("QUEUE") or "backprop-lab",
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,
        "broker_transport_options": visibility,
        "result_backend_transport_options": visibility,
        "worker_prefetch_multiplier": 1,
        "task_track_started": True,
        "task_soft_time_limit": soft,
        "task_time_limit": hard,
        "result_expires": int(env.get("JOB_TTL") or 24 * 3600),
        "broker_connection_retry_on_startup": True,
        # a chord part's result reaches the backend even across a short Redis outage
        "result_backend_always_retry": True,
        "result_backend_max_retries": 30,
        "naive_split_passes": int(float(env.get("NAIVE_SPLIT_PASSES") or 10_000)),
        "naive_parts": int(env.get("NAIVE_PARTS") or 4),
    }


def make_celery(redis_url: str | None = None, queue: str | None = None) -> Celery:
    """The worker's app, or (with arguments) the API's client for the same broker and queue."""
    conf = settings()
    if redis_url:
        conf.update(broker_url=redis_url, result_backend=redis_url)
    if queue:
        conf["task_default_queue"] = queue
    # The API's client must not become the process' current app (the worker's own app is).
    app = Celery("backprop-lab", include=["worker.tasks"], set_as_current=redis_url is None)
    app.conf.update(conf)
    return app
