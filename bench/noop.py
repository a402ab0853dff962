"""The worker's Celery app with one more task, a no-op: the floor bench.service compares with.

`celery -A bench.noop worker` runs the service's tasks and this one in the same process.
"""

from worker.celery import app

NOOP = "bench.noop"


@app.task(name=NOOP)
def noop() -> None:
    return None
