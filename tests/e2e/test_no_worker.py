"""Submitting while no worker is alive: the job is accepted (202, queued, never lost) with a
`no-worker` warning that the CLI shows, /v1/ready says 503, and a worker started later runs
it. A Redis of its own, so that no other test's worker answers the ping."""

from __future__ import annotations

import threading

import requests
from werkzeug.serving import make_server

from api import create_app
from backprop_lab.cli import main
from tests.support.processes import celery_worker, redis_server
from tests.support.specs import example
from tests.support.waiting import poll
from worker.settings import Settings

TINY = example("tiny-2-3-2")


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
                job = poll(api, job["id"], lambda j: j["status"] == "succeeded")
                assert job["warnings"] == [] and job["result"]["cost"] > 0
        finally:
            server.shutdown()
