"""A job over the worker's soft time limit ends `failed` with the reason; the worker goes on."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import requests
from werkzeug.serving import make_server

from api import create_app
from tests.support.processes import celery_worker
from worker.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
LESSON = json.loads((ROOT / "examples" / "lesson-784-16-16-10.json").read_text())
LONG = LESSON | {"batch": {"dataset": "digits", "resolution": 28, "size": 1000, "seed": 0}}
TINY = json.loads((ROOT / "examples" / "tiny-2-3-2.json").read_text())


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
            job_id = requests.post(f"{api}/v1/jobs", json=LONG, timeout=10).json()["id"]
            deadline = time.monotonic() + 60
            while (job := requests.get(f"{api}/v1/jobs/{job_id}", timeout=10).json())["status"] in (
                "queued",
                "running",
            ):
                assert time.monotonic() < deadline
                time.sleep(0.1)
            assert job["status"] == "failed" and job["error"]["type"] == "/problems/time-limit"
            assert "1 s" in job["error"]["detail"]
            after = requests.post(f"{api}/v1/jobs?wait=5", json=TINY, timeout=10).json()
            assert after["status"] == "succeeded"
        finally:
            server.shutdown()
