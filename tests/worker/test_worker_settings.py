"""The Celery app's settings from the environment."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from worker.config import make_celery, settings


def test_json_only_late_acks_and_a_visibility_timeout_beyond_the_hard_limit():
    conf = settings({"REDIS_URL": "redis://r:6379/4", "JOB_SOFT_TIME_LIMIT": "100",
                     "JOB_TIME_LIMIT": "7200"})
    assert conf["broker_url"] == conf["result_backend"] == "redis://r:6379/4"
    assert conf["accept_content"] == ["json"]
    assert conf["task_serializer"] == conf["result_serializer"] == "json"
    assert conf["task_acks_late"] and conf["task_reject_on_worker_lost"]
    assert conf["worker_prefetch_multiplier"] == 1 and conf["task_track_started"]
    assert conf["task_soft_time_limit"] < conf["task_time_limit"] == 7200
    for options in ("broker_transport_options", "result_backend_transport_options"):
        assert conf[options]["visibility_timeout"] > conf["task_time_limit"]


def test_defaults_work_on_a_bare_machine():
    conf = settings({})
    assert conf["broker_url"] == "redis://127.0.0.1:6379/0"
    assert conf["task_soft_time_limit"] < conf["task_time_limit"]


def test_the_app_is_found_by_celery_dash_a_worker_and_registers_the_task():
    import worker

    app = make_celery("redis://r:6379/5", "q")
    assert app.conf.task_default_queue == "q" and app.conf.broker_url == "redis://r:6379/5"
    worker.app.loader.import_default_modules()
    assert "backprop-lab.run_job" in worker.app.tasks


def test_one_blas_thread_per_worker_process_is_set_before_numpy():
    env = {k: v for k, v in os.environ.items() if not k.endswith("_NUM_THREADS")}
    code = "import worker, worker.tasks, os; print(os.environ['OPENBLAS_NUM_THREADS'])"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         cwd=Path(__file__).resolve().parents[2], check=True)
    assert out.stdout.strip() == "1"
