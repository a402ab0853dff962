"""The worker's Celery app (worker/celery.py), each check in a fresh interpreter: what
`celery -A worker worker` finds, one BLAS thread per process set before NumPy loads, and no
side effect of importing a worker module until the app is made."""

from __future__ import annotations

from tests.support.processes import THREAD_VARIABLES, fresh_python
from worker.names import JOIN_PARTS, RUN_JOB, RUN_PART

HOOKS = {
    "worker_init": ["at_worker_start", "choose", "keep_lease", "note_start"],
    "worker_ready": ["restore_at_ready"],
    "worker_shutdown": ["give_up_lease"],
    "worker_process_init": ["lower_batch_priority"],
}

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
                  "at_numpy": seen, "numpy": "numpy" in sys.modules}}))
"""

# Imports every worker module (the tasks, and so NumPy, too), then makes the app: what each
# step changed in the environment, the worker's signal hooks and the current app.
IMPORT_THEN_MAKE = f"""
import json, os, weakref
from celery import current_app, signals

def state():
    hooks = {{}}
    for name in {sorted(HOOKS)!r}:
        refs = [r() if isinstance(r, weakref.ReferenceType) else r
                for _, r in getattr(signals, name).receivers]
        hooks[name] = sorted(f.__name__ for f in refs
                             if f is not None and f.__module__.startswith("worker"))
    return {{"threads": {{v: os.environ.get(v) for v in {THREAD_VARIABLES!r}}}, "hooks": hooks,
             "current": current_app.main}}

import worker.celery, worker.tasks, worker.priority, worker.recovery, worker.redis_check
import worker.leases
imported = state()
app = worker.celery.app
print(json.dumps({{"imported": imported, "made": state(), "settings": app.settings.redis_url}}))
"""


def fresh(program: str) -> dict:
    return fresh_python(program, REDIS_URL="redis://example.invalid:6379/9")  # the app's Settings


def test_celery_dash_a_worker_finds_the_app_with_its_tasks():
    app = fresh(FIND_THE_APP)
    assert app["same"]
    assert {RUN_JOB, RUN_PART, JOIN_PARTS} <= set(app["tasks"])


def test_one_blas_thread_per_process_is_set_before_numpy_is_imported():
    app = fresh(FIND_THE_APP)
    assert app["numpy"]  # the tasks loaded it, so the watch saw its first import
    assert app["at_numpy"] == dict.fromkeys(THREAD_VARIABLES, "1")


def test_importing_the_worker_changes_nothing_until_the_app_is_made():
    seen = fresh(IMPORT_THEN_MAKE)
    assert seen["imported"] == {
        "threads": dict.fromkeys(THREAD_VARIABLES),
        "hooks": {name: [] for name in HOOKS},
        "current": seen["imported"]["current"],
    }
    assert seen["imported"]["current"] != "backprop-lab"
    assert seen["made"] == {
        "threads": dict.fromkeys(THREAD_VARIABLES, "1"),
        "hooks": HOOKS,
        "current": "backprop-lab",
    }
    assert seen["settings"] == "redis://example.invalid:6379/9"  # the app's Settings()
