"""RabbitMQ restarted under the service: queued jobs are kept, the API answers 503 problem
documents while it is away, and the API and the worker carry on by themselves when it is back.

The broker is a rabbitmq-server node of this run's own (tests/e2e/conftest.py: its own name,
port and data folder), so stopping it disturbs no one else's; Redis stays up throughout.
"""

from __future__ import annotations

import requests

from tests.support.processes import api_server, worker_process
from tests.support.specs import example
from tests.support.waiting import ended, job, wait_until

LESSON = example("lesson-784-16-16-10")
TINY = example("tiny-2-3-2")
# one task of many seconds (no split) that keeps the only worker busy while others queue
BUSY = LESSON | {"batch": LESSON["batch"] | {"size": 1000}}


def ready(base: str) -> bool:
    return requests.get(f"{base}/v1/ready", timeout=15).ok


def test_a_rabbitmq_restart_loses_no_queued_job_and_everything_reconnects(
    own_rabbitmq, redis_url, queue_prefix, tmp_path
):
    """The only worker is busy with a long job and three jobs wait in the durable queue. The
    broker stops: new jobs are refused with 503, /v1/ready says why, the records still answer.
    The long job is cancelled meanwhile (its record is in Redis). The broker starts again on
    the same data: the worker reconnects by itself and runs the three; the API does too."""
    broker = own_rabbitmq.node
    prefix = f"{queue_prefix}restart-"
    with (
        api_server(redis_url, prefix, broker.url) as base,
        worker_process(
            redis_url, prefix, tmp_path, broker_url=broker.url, NAIVE_SPLIT_PASSES="1e9"
        ),
    ):
        busy = requests.post(f"{base}/v1/jobs", json=BUSY, timeout=15).json()["id"]
        wait_until(lambda: job(base, busy)["status"] == "running", "the long job")
        waiting = [
            requests.post(f"{base}/v1/jobs", json=TINY, timeout=15).json()["id"] for _ in range(3)
        ]

        broker.stop()
        for method, path, body in [("post", "/v1/jobs", TINY), ("get", "/v1/ready", None)]:
            reply = requests.request(method, base + path, json=body, timeout=15)
            assert reply.status_code == 503, (path, reply.text)
            assert reply.headers["Content-Type"] == "application/problem+json"
            assert reply.json()["status"] == 503 and "RabbitMQ" in reply.json()["detail"]
        assert [job(base, w)["status"] for w in waiting] == ["queued"] * 3
        assert requests.post(f"{base}/v1/jobs/{busy}/cancel", timeout=15).status_code == 202

        broker.start()
        for job_id in waiting:
            assert ended(base, job_id)["status"] == "succeeded"
        assert ended(base, busy)["status"] == "cancelled"
        wait_until(lambda: ready(base), "/v1/ready")
        after = requests.post(f"{base}/v1/jobs?wait=10", json=TINY, timeout=15)
        assert after.status_code == 200 and after.json()["status"] == "succeeded"
