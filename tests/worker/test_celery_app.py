"""The worker's Celery app (worker/celery.py), each check in a fresh interpreter: what
`celery -A worker worker` finds, and one BLAS thread per process set before NumPy loads."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from worker.names import JOIN_PARTS, RUN_JOB, RUN_PART

ROOT = Path(__file__).resolve().parents[2]
THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")

# Records the thread variables at the moment NumPy is first imported, then loads the app the way
# `celery -A worker worker` does and the tasks the way its worker does.
FIND_THE_APP = f"""
import json, os, sys
seen = {{}}

class Watch:
    def find_spec(self, name, path=None, target=None):
        if name == "numpy" and not seen:
            seen.update({{v: os.environ.get(v) for v in {THREAD_VARIABLES!r}}})

sys.meta_path.insert(0, Watch())
from celery.app.utils import find_app
import worker.celery
app = find_app("worker")
app.loader.import_default_modules()
print(json.dumps({{"same": app is worker.celery.app, "tasks": sorted(app.tasks),
                  "at_numpy": seen}}))
"""


def found() -> dict:
    env = {k: v for k, v in os.environ.items() if k not in THREAD_VARIABLES}
    out = subprocess.run(
        [sys.executable, "-c", FIND_THE_APP],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout)


def test_celery_dash_a_worker_finds_the_app_with_its_tasks():
    app = found()
    assert app["same"]
    assert {RUN_JOB, RUN_PART, JOIN_PARTS} <= set(app["tasks"])


def test_one_blas_thread_per_process_is_set_before_numpy_is_imported():
    assert found()["at_numpy"] == dict.fromkeys(THREAD_VARIABLES, "1")
