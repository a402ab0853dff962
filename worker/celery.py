"""The worker's Celery app, found by `celery -A worker worker` (Celery's project layout: the
app in `<package>/celery.py`, which `-A <package>` looks for).

Importing this module does nothing. `app` is made on first use (a module `__getattr__`): Celery
asks for it when it loads the worker, and then `make_app` sets one BLAS thread per process
before the tasks first import NumPy (so a prefork pool of N processes uses N cores, not N x
cores) and connects the worker's signal hooks: a Redis that will evict job records makes the
worker exit at once (redis_check.py), a lone new worker hands out again what a vanished one
had taken (recovery.py), each worker keeps a lease and hands out again the messages of the
workers whose lease lapsed (leases.py), the model's BLAS product forms are chosen once for the
whole pool (products_at_start.py), and a batch-only worker lowers its CPU priority (priority.py).
"""

from __future__ import annotations

import os
from typing import Any

from celery.signals import worker_init, worker_process_init, worker_ready, worker_shutdown

from . import leases, priority, products_at_start, recovery, redis_check
from .celery_config import App
from .settings import Settings

BLAS_THREADS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")

app: App  # made by __getattr__ on first use


def make_app(settings: Settings) -> App:
    """The worker's app for `settings`, with the tasks; it becomes the current app. Made before
    the tasks are imported, so the BLAS variables it sets (unless given) precede NumPy."""
    for name in BLAS_THREADS:
        os.environ.setdefault(name, "1")
    made = App(settings, include=["worker.tasks", "worker.score_tasks"])
    worker_init.connect(redis_check.at_worker_start)  # an evicting Redis: the worker exits
    worker_init.connect(recovery.note_start)
    worker_init.connect(leases.keep_lease)  # on Redis: a lease, and the dead workers' messages
    worker_shutdown.connect(leases.give_up_lease)
    worker_init.connect(products_at_start.choose)  # before the pool forks: one choice for all
    worker_ready.connect(recovery.restore_at_ready)
    worker_process_init.connect(priority.lower_batch_priority)
    return made


def __getattr__(name: str) -> Any:
    if name != "app":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    global app
    app = make_app(Settings())
    return app
