"""Submitting while no worker is alive: the job is accepted (202, queued, never lost) with a
`no-worker` warning that the CLI shows, /v1/ready says 503, and a worker started later runs
it. A Redis of its own, so that no other test's worker answers the ping."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import requests
from werkzeug.serving import make_server

from api import create_app
from backprop_lab.cli import main
from tests.support.processes import celery_worker, redis_server
from worker.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
TINY = json.loads((ROOT / "examples" / "tiny-2-3-2.json").read_text())
PATIENCE = 60  # seconds before a poll gives up: a timeout, not a speed claim


def test_a_job_submitted_with_no_worker_waits_with_a_warning_then_runs(tmp_path, capsys):
    with redis_server(tmp_path) as url:
        app = create_app(Settings(redis_url=url, queue_prefix="no-worker-yet-"))
        server = make_server("127.0.0.1", 0, app, threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        api = f"http://127.0.0.1:{server.server_port}"
        try:
            reply = requests.post(f"{api}/v1/jobs", json=TINY, timeout=10)
            job = reply.json()
            assert reply.status_code == 202 and job["status"] == "queued"
            assert [w["type"] for w in job["warnings"]] == ["/problems/no-worker"]
            assert requests.get(f"{api}/v1/ready", timeout=10).status_code == 503

            assert main(["--url", api, "show", job["id"]]) == 0
            assert "not started: no worker answers" in capsys.readouterr().out

            with celery_worker(url, "no-worker-yet-", tmp_path):
                deadline = time.monotonic() + PATIENCE
                while (job := requests.get(f"{api}/v1/jobs/{job['id']}", timeout=10).json())[
                    "status"
                ] != "succeeded":
                    assert time.monotonic() < deadline, job["status"]
                    time.sleep(0.05)
                assert job["warnings"] == [] and job["result"]["cost"] > 0
        finally:
            server.shutdown()
