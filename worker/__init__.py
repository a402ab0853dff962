"""The Celery app, found by `celery -A worker worker`; configured from the environment.

One BLAS thread per worker process: the variables are set before NumPy is first imported (by
the tasks), so a prefork pool of N processes uses N cores, not N x cores.
"""

import os

for _name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, "1")

from . import recovery  # noqa: E402,F401 (connects the worker_init hook)
from .config import make_celery  # noqa: E402

app = make_celery()

__all__ = ["app", "make_celery"]
