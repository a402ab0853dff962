"""A worker that takes only batch jobs runs them at a lower CPU priority (nice BATCH_NICE).

Interactive and batch workers share the machine's cores. The kernel gives a process at nice 10
about a tenth of the CPU share of one at nice 0 when both want a core, so a student's job gets
a core at once while researchers' jobs run, and the batch work still uses every idle cycle.
Set in each pool process as it starts (the worker_process_init hook, connected by
worker/celery.py's make_app), after `-Q` has chosen the queues; a worker that takes both queues
(a one-process install) keeps the normal priority.
"""

from __future__ import annotations

import os

from celery import current_app


def batch_only(app) -> bool:
    """Whether the worker consumes the batch queue and nothing else."""
    return set(app.amqp.queues.consume_from) == {app.conf.task_default_queue}


def lower_batch_priority(**_) -> None:
    """Celery's worker_process_init hook: BATCH_NICE for a pool process of a batch-only worker."""
    app = current_app  # the pool process' app is the worker's
    step = app.settings.batch_nice
    if step > 0 and batch_only(app):
        os.nice(step)
