"""A Redis crash right after a 202: the accepted job is still there and ends.

The production setting (`appendonly yes`, `appendfsync always`: each write is on disk before
Redis answers, docs/durability.md) on a redis-server of the test's own, SIGKILLed the moment the
API has answered 202 (no worker runs yet, so the job is queued: its record, its index entry and
its broker message are all that hold it), then restarted on the same files. A SIGKILL loses
what the server had not yet written to the file; what `always` adds over `everysec`, surviving
the loss of the machine itself (its page cache), no test on one machine can show.
"""

from __future__ import annotations

import os
import signal

import numpy as np
import requests

import model
from tests.support.processes import api_server, free_port, start_redis, stop, worker_process
from tests.support.specs import example
from tests.support.waiting import ended

TINY = example("tiny-2-3-2")


def test_a_job_accepted_just_before_redis_is_killed_survives_and_ends(queue_prefix, tmp_path):
    port, prefix = free_port(), f"{queue_prefix}crash-"
    url = f"redis://127.0.0.1:{port}/0"
    durable = {"appendonly": True, "appendfsync": "always"}
    server = start_redis(port, tmp_path, **durable)
    try:
        with api_server(url, prefix) as base:
            reply = requests.post(f"{base}/v1/jobs", json=TINY, timeout=10)
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
            assert reply.status_code == 202, reply.text
            server = start_redis(port, tmp_path, **durable)
            job_id = reply.json()["id"]
            assert requests.get(f"{base}/v1/jobs/{job_id}", timeout=15).json()["status"] == "queued"
            with worker_process(url, prefix, tmp_path):
                job = ended(base, job_id)
        assert job["status"] == "succeeded", job["error"]
        assert job["result"]["naive"]["passes"] == 2 * 17  # 17 parameters, central differences
        expected = model.run(TINY)["gradients"]
        for kind in ("weights", "biases"):
            for got, exp in zip(job["result"]["gradients"][kind], expected[kind], strict=True):
                np.testing.assert_array_equal(got, exp)
    finally:
        stop(server)
