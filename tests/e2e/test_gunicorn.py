"""The fixed process form: `gunicorn 'api:create_app()'`, configured by the environment only."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import requests
from processes import free_port, stop, wait_until

ROOT = Path(__file__).resolve().parents[2]


def test_gunicorn_serves_the_app_from_the_environment(redis_url, queue, worker, tmp_path):
    port = free_port()
    env = os.environ | {"REDIS_URL": redis_url, "QUEUE": queue, "WEB_CONCURRENCY": "1",
                        "WEB_THREADS": "4", "MAX_WAIT": "3"}
    gunicorn = Path(sys.executable).with_name("gunicorn")
    log = tmp_path / "gunicorn.log"
    with log.open("wb") as out:
        process = subprocess.Popen([str(gunicorn), "-b", f"127.0.0.1:{port}", "api:create_app()"],
                                   cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
                                   start_new_session=True)
    base = f"http://127.0.0.1:{port}"

    def up() -> bool:
        try:
            return requests.get(f"{base}/v1/health", timeout=1).ok
        except requests.RequestException:  # refused, or slow to answer on a busy machine
            return process.poll() is not None

    try:
        wait_until(up, "gunicorn")
        assert process.poll() is None, log.read_text()
        assert requests.get(f"{base}/v1/ready", timeout=5).status_code == 200
        assert requests.get(f"{base}/", timeout=5).headers["Content-Type"].startswith("text/html")
        assert "max_wait" not in requests.get(f"{base}/openapi.json", timeout=5).text
        assert "up to 3.0 s" in requests.get(f"{base}/openapi.json", timeout=5).text
        tiny = json.loads((ROOT / "examples" / "tiny-2-3-2.json").read_text())
        reply = requests.post(f"{base}/v1/jobs?wait=3", json=tiny, timeout=10)
        assert reply.status_code == 200 and reply.json()["status"] == "succeeded"
    finally:
        stop(process)
