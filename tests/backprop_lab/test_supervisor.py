"""`backprop-lab run` as a user runs it: with no Redis at REDIS_URL it starts the embedded one
under the var directory, then a worker and the API; a job submitted with the CLI succeeds; and
a worker killed outright is replaced; Ctrl-C (SIGINT) leaves no process of any of them behind."""

from __future__ import annotations

import os
import re
import signal
import stat
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from tests.support.processes import free_port
from tests.support.specs import EXAMPLES
from tests.support.waiting import wait_until

ROOT = Path(__file__).resolve().parents[2]
CLI = str(Path(sys.executable).with_name("backprop-lab"))


def started(log: Path, process: subprocess.Popen) -> bool:
    """The banner is printed once /v1/ready answers 200 (or the command died: stop waiting)."""
    return process.poll() is not None or "backprop-lab is running" in log.read_text()


def group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def test_run_serves_with_an_embedded_redis_and_sigint_stops_every_child(tmp_path):
    port, redis_port = free_port(), free_port()
    var = tmp_path / "var"
    env = os.environ | {
        "PORT": str(port),
        "REDIS_URL": f"redis://127.0.0.1:{redis_port}/0",
        "BACKPROP_LAB_VAR": str(var),
        "WEB_CONCURRENCY": "1",
        # the workers take the queues the API sends to, prefix and all
        "QUEUE_PREFIX": "supervised-",
    }
    url = f"http://127.0.0.1:{port}"
    log = tmp_path / "run.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [CLI, "run"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    pids: dict[str, int] = {}
    try:
        wait_until(lambda: started(log, process), "backprop-lab run", seconds=120)
        text = log.read_text()
        assert process.poll() is None, text
        ready = requests.get(f"{url}/v1/ready", timeout=5)
        assert ready.status_code == 200, ready.text
        pids = {name: int(pid) for name, pid in re.findall(r"started ([\w-]+) \(pid (\d+)\)", text)}
        assert set(pids) == {"redis", "worker-interactive", "worker-batch", "api"}, text
        assert f"embedded Redis at redis://127.0.0.1:{redis_port}/0" in text
        assert f"curl -s -X POST '{url}/v1/jobs?wait=10'" in text

        submitted = subprocess.run(
            [CLI, "--url", url, "submit", "examples/tiny-2-3-2.json", "--wait", "--timeout", "60"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=90,
        )
        assert submitted.returncode == 0, submitted.stderr
        assert "succeeded" in submitted.stdout and "times faster" in submitted.stdout
        assert (var / "redis" / "appendonly.aof").exists()
        # every tenant's jobs are in those files: the owner's alone
        assert stat.S_IMODE((var / "redis").stat().st_mode) == 0o700
        modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in (var / "redis").iterdir()}
        assert modes and set(modes.values()) == {0o600}, modes

        # a worker killed outright is replaced, and the service goes on
        os.killpg(pids["worker-interactive"], signal.SIGKILL)
        wait_until(lambda: log.read_text().count("started worker-interactive") == 2, "a new worker")
        wait_until(lambda: requests.get(f"{url}/v1/ready", timeout=5).ok, "ready again")
        again = requests.post(
            f"{url}/v1/jobs?wait=10",
            timeout=30,
            data=(EXAMPLES / "tiny-2-3-2.json").read_bytes(),
            headers={"Content-Type": "application/json"},
        )
        assert again.status_code == 200 and again.json()["status"] == "succeeded"
        assert process.poll() is None and not group_alive(pids["worker-interactive"])
        pids.update(re.findall(r"started (worker-interactive) \(pid (\d+)\)", log.read_text())[-1:])
        pids = {name: int(pid) for name, pid in pids.items()}

        process.send_signal(signal.SIGINT)
        assert process.wait(60) == 0
        text = log.read_text()
        assert "SIGINT: stopping" in text and "stopped redis" in text
        assert [name for name in pids if group_alive(pids[name])] == []
        with pytest.raises(requests.ConnectionError):
            requests.get(f"{url}/v1/health", timeout=2)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        for pid in pids.values():
            if group_alive(pid):
                os.killpg(pid, signal.SIGKILL)
