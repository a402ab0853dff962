"""The two job classes and their Celery queues, declared the same way on every broker.

A job's class (`interactive` or `batch`, decided by the API from its cost estimate) is the
name of the queue it is sent to. Each queue is durable and bound to a direct exchange of its
own name with its own name as routing key, so RabbitMQ keeps both across a restart and Redis
sees two plain lists. A split job's parts and their join always go to `batch`; a message sent
with no queue goes to `batch` too (its cost is unknown). A worker started with
`-Q interactive` or `-Q batch` takes one class; a plain `celery -A worker worker` takes both.

QUEUE_PREFIX (empty in production) puts a prefix before both names: tests use it to give a
worker with special settings queues of its own in the same Redis database.
"""

from __future__ import annotations

from kombu import Exchange, Queue

from .names import JOIN_PARTS, RUN_PART

INTERACTIVE, BATCH = "interactive", "batch"
CLASSES = (INTERACTIVE, BATCH)
BATCH_ONLY_TASKS = (RUN_PART, JOIN_PARTS)


def names(prefix: str = "") -> dict[str, str]:
    """class -> queue name."""
    return {job_class: prefix + job_class for job_class in CLASSES}


def declarations(prefix: str = "") -> tuple[Queue, ...]:
    return tuple(
        Queue(name, Exchange(name, type="direct", durable=True), routing_key=name, durable=True)
        for name in names(prefix).values()
    )


def celery_settings(prefix: str = "") -> dict:
    """The Celery settings that declare and route the two queues."""
    batch = names(prefix)[BATCH]
    return {
        "task_queues": declarations(prefix),
        "task_default_queue": batch,
        "task_default_exchange": batch,
        "task_default_routing_key": batch,
        "task_routes": {task: {"queue": batch} for task in BATCH_ONLY_TASKS},
    }
