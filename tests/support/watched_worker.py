"""The worker's own app (the one `celery -A worker` finds), started with
`worker_process(..., app="tests.support.watched_worker")`, with what a test watches from
outside added and nothing of the work changed:

- each part of a split job that stops (model.Cancelled) records in Redis how many passes it
  had done, so a test can count the passes a part did after the job ended;
- with BREAK_PARTS=1 in its environment, a part this worker runs fails (a RuntimeError from
  its next look for a stop) once a test sets BREAK, a fault the test injects when it chooses;
- with DIE_AFTER_TAKE=1, the worker SIGKILLs itself and its pool right after it has taken a
  message from its queue, before the message is written as unacked: the window that a death
  can hit between kombu's taking and its writing (worker/leased_redis.py);
- the task `tests.blas_kernels` answers the BLAS kernels the worker computes with, and
  `tests.runtime` those with the NumPy version, BLAS threads and host of the process that ran it.
"""

from __future__ import annotations

import json
import os
import signal

import redis
from celery.app.utils import find_app

import model

app = find_app("worker")
STOPPED = "test:stopped-parts"  # one JSON entry per stopped part: start, stop, passes
BREAK = "test:break-parts"
BREAK_HERE = os.environ.get("BREAK_PARTS") == "1"
_naive_part = model.naive_part


def _redis() -> redis.Redis:
    return redis.Redis.from_url(os.environ["REDIS_URL"])


def watched_naive_part(spec, start, stop, base_cost=None, progress=None, should_stop=None):
    def stop_or_break() -> bool:
        if BREAK_HERE and _redis().exists(BREAK):
            raise RuntimeError("a fault the test injected")
        return bool(should_stop and should_stop())

    try:
        return _naive_part(spec, start, stop, base_cost, progress, stop_or_break)
    except model.Cancelled as stopped:
        entry = {"start": start, "stop": stop, "passes": stopped.passes}
        _redis().rpush(STOPPED, json.dumps(entry))
        raise


model.naive_part = watched_naive_part


def die_after_take(qos, message, delivery_tag) -> None:
    os.killpg(os.getpgid(0), signal.SIGKILL)


if os.environ.get("DIE_AFTER_TAKE") == "1":
    from worker import leased_redis

    leased_redis.QoS.append = die_after_take


@app.task(name="tests.blas_kernels")
def blas_kernels() -> list[str]:
    from tests.support.blas import kernels

    return kernels()


@app.task(name="tests.runtime")
def runtime() -> dict:
    import socket

    import numpy as np
    from threadpoolctl import threadpool_info

    from tests.support.blas import kernels

    threads = sorted({i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"})
    return {
        "kernels": kernels(),
        "numpy": np.__version__,
        "threads": threads,
        "host": socket.gethostname(),
    }
