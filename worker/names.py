"""The tasks' names: what the API sends and the worker registers, importable by both without
loading the tasks (or NumPy, or the worker's Celery app)."""

RUN_JOB = "backprop-lab.run_job"
RUN_PART = "backprop-lab.run_part"
JOIN_PARTS = "backprop-lab.join_parts"
SEND_SCORE = "backprop-lab.send_score"
