"""Workers on other hosts, for real: two worker hosts (network namespaces,
bench/hosts.py) that reach Redis, RabbitMQ and nothing else over their own veth links,
and lose one mid-job.

This namespace is the server host: a redis-server of the test's own and the run's own
rabbitmq-server node (tests/e2e/conftest.py, heartbeat 5 s) listen on the links (and on
loopback for the API, which runs here). A worker host knows the service only through its
environment, BROKER_URL and REDIS_URL, as a worker machine would.
"""

from __future__ import annotations

import time
from contextlib import ExitStack

import numpy as np
import requests

import model
from tests.support.parts import ends, in_mid_part, running_part
from tests.support.processes import (
    api_server,
    free_port,
    sender_app,
    start_redis,
    stop,
    unavailable,
    worker_process,
)
from tests.support.specs import example
from tests.support.waiting import ended, wait_until

LESSON = example("lesson-784-16-16-10")
# parts of a second or two, so that the link can be cut in the middle of one
SPEC = LESSON | {"batch": LESSON["batch"] | {"size": 200}}
PARTS = "4"


def test_a_split_job_runs_on_two_worker_hosts_and_survives_losing_one(
    own_rabbitmq, queue_prefix, tmp_path
):
    """Parts run on both hosts at once; host one's link is cut in the middle of its part. The
    broker hands that part to host two after a missed heartbeat, and the job still succeeds
    with every pass counted once and model.run's gradients."""
    if not own_rabbitmq.hosts:
        unavailable(f"worker hosts: {own_rabbitmq.why_no_hosts}")
    one, two = own_rabbitmq.hosts
    broker, prefix = own_rabbitmq.node, f"{queue_prefix}hosts-"
    with ExitStack() as stack:
        port = free_port()
        redis_server = start_redis(port, tmp_path, bind=f"127.0.0.1 {one.server} {two.server}")
        stack.callback(stop, redis_server)
        redis_url = f"redis://127.0.0.1:{port}/0"
        base = stack.enter_context(api_server(redis_url, prefix, broker.url))
        workers = {}
        for host in (one, two):
            process = stack.enter_context(
                worker_process(
                    f"redis://{host.server}:{port}/0",
                    prefix,
                    tmp_path,
                    f"-{host.namespace}",
                    broker_url=broker.url.replace("127.0.0.1", host.server),
                    host=host.namespace,
                    prefix=host.prefix,
                    NAIVE_PARTS=PARTS,
                )
            )
            workers[host] = process.name
        control = sender_app(redis_url, prefix, broker.url).control

        job_id = requests.post(f"{base}/v1/jobs", json=SPEC, timeout=15).json()["id"]
        wait_until(
            lambda: all(running_part(control, name) for name in workers.values()),
            "a part on each host",
        )
        wait_until(
            lambda: in_mid_part(redis_url, control, workers[one]),
            "host one in the middle of a part",
        )
        one.cut()
        cut_at = time.monotonic()
        job = ended(base, job_id)
        print(f"the job ended {time.monotonic() - cut_at:.1f} s after the cut")
        assert job["status"] == "succeeded", job["error"]
        naive = job["result"]["naive"]
        assert naive["passes"] == 2 * 13_002 == job["progress"]["done"]
        assert ends(redis_url, job_id) == [b"succeeded"]
    expected = model.run(SPEC | {"methods": ["backprop"]})["gradients"]
    for kind in ("weights", "biases"):
        for got, exp in zip(naive["gradients"][kind], expected[kind]):
            np.testing.assert_allclose(got, exp, rtol=1e-5, atol=1e-8)
