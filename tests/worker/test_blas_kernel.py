"""A worker the tests start computes with this process's BLAS kernel (it inherits the
environment, OPENBLAS_CORETYPE included), so the tests that compare a worker's numbers with
this process's bit for bit compare one kernel's rounding with itself (tests/support/blas.py)."""

from __future__ import annotations

import os

from tests.support.blas import kernels
from tests.support.processes import sender_app, worker_process
from tests.support.waiting import PATIENCE
from worker.queues import BATCH, names


def test_a_worker_computes_with_this_processes_blas_kernel(redis_url, queue_prefix, tmp_path):
    prefix = f"{queue_prefix}kernel-"
    app = "tests.support.watched_worker"
    with worker_process(redis_url, prefix, tmp_path, app=app, classes=(BATCH,)):
        asked = sender_app(redis_url, prefix).send_task(
            "tests.blas_kernels", queue=names(prefix)[BATCH]
        )
        theirs = asked.get(timeout=PATIENCE)
    print(f"OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE')}: the worker's {theirs}")
    assert theirs == kernels() and theirs
