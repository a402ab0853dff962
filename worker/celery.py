"""The worker's Celery app, found by `celery -A worker worker` (Celery's project layout: the
app in `<package>/celery.py`, which `-A <package>` looks for).

Only the worker process imports this module; the API imports `worker.settings`,
`worker.names` and `worker.records`, which configure nothing. Importing it sets one BLAS thread
per process before NumPy is first imported (by the tasks), so a prefork pool of N processes uses
N cores, not N x cores; connects the recovery of a vanished worker's jobs (recovery.py); and
checks at start that Redis will not evict job records or queued jobs (redis_check.py).
"""

import os

for _name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, "1")

from celery import Celery  # noqa: E402
from celery.signals import worker_init  # noqa: E402

from . import priority, recovery  # noqa: E402,F401 (connect the worker's signal hooks)
from .celery_config import celery_config  # noqa: E402
from .redis_check import at_worker_start  # noqa: E402
from .settings import Settings  # noqa: E402


def make_app(settings: Settings) -> Celery:
    """The worker's app for `settings`, with the tasks; it becomes the current app."""
    app = Celery("backprop-lab", include=["worker.tasks"])
    app.conf.update(celery_config(settings))
    return app


app = make_app(Settings())
worker_init.connect(at_worker_start)  # a worker on a Redis that evicts keys exits at once
