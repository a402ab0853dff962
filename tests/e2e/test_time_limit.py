"""A job over the worker's soft time limit ends `failed` with the reason; the worker goes on."""

from __future__ import annotations

import threading

import requests
from werkzeug.serving import make_server

from api import create_app
from tests.support.processes import celery_worker
from tests.support.specs import example
from tests.support.waiting import ended
from worker.settings import Settings

LESSON = example("lesson-784-16-16-10")
LONG = LESSON | {"batch": {"dataset": "digits", "resolution": 28, "size": 1000, "seed": 0}}
TINY = example("tiny-2-3-2")


def test_a_job_past_the_soft_time_limit_fails_and_the_worker_goes_on(
    redis_url, queue_prefix, tmp_path
):
    prefix = f"{queue_prefix}limit-"
    app = create_app(Settings(redis_url=redis_url, queue_prefix=prefix))
    server = make_server("127.0.0.1", 0, app, threaded=True)
    api = f"http://127.0.0.1:{server.server_port}"
    with celery_worker(redis_url, prefix, tmp_path, JOB_SOFT_TIME_LIMIT="1", JOB_TIME_LIMIT="5"):
        threading.Thread(target=server.serve_forever, daemon=True).start()
        try:
            job = ended(api, requests.post(f"{api}/v1/jobs", json=LONG, timeout=10).json()["id"])
            assert job["status"] == "failed" and job["error"]["type"] == "/problems/time-limit"
            assert "1 s" in job["error"]["detail"]
            after = requests.post(f"{api}/v1/jobs?wait=5", json=TINY, timeout=10).json()
            assert after["status"] == "succeeded"
        finally:
            server.shutdown()
