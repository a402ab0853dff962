"""The worker: Celery tasks around `model.run`, and the job records they share with the API.

Importing `worker` (or `worker.settings`, `worker.names`, `worker.records`) configures
nothing. The Celery app is `worker.celery.app`, which `celery -A worker worker` finds (Celery's
project layout); only the worker process imports it.
"""
