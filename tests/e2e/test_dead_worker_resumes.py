"""A worker SIGKILLed mid-part while other workers live: its part resumes within seconds.

On a Redis broker every worker keeps a lease and writes it beside each message it takes
(worker/leases.py, worker/leased_redis.py); when the killed worker's lease lapses
(WORKER_LEASE_SECONDS, 5 s) a live worker hands out again exactly its message. The visibility
timeout is left at its default (2 x the hard limit + 60 s: 12 minutes), so a job that ends
within RESUME_BOUND cannot have waited for it. On RabbitMQ the broker hands the message out
again when the killed worker's connection drops.

The workers are as the run command starts them: one `-Q interactive`, and batch workers.
"""

from __future__ import annotations

import os
import re
import signal
import time
from contextlib import ExitStack
from pathlib import Path

import numpy as np
import redis
import requests

import model
from tests.support.parts import ends, in_mid_part
from tests.support.processes import api_server, sender_app, worker_process
from tests.support.specs import example
from tests.support.waiting import PATIENCE, poll, wait_until
from worker import leased_redis

LESSON = example("lesson-784-16-16-10")  # 13,002 parameters: 26,004 central passes, split
RESUME_BOUND = 60  # seconds: far under the 12-minute visibility timeout, far over a resume
RESTORED = re.compile(rb"handed out again (\d+) message\(s\) of dead workers")


def restored(folder: Path) -> int:
    """The messages the lease checks of the session's workers (in `folder`, the session's
    temporary folder: every test's workers check every holder in the broker) handed out
    again so far, from their logs."""
    return sum(
        int(n) for log in folder.rglob("worker-*.log") for n in RESTORED.findall(log.read_bytes())
    )


def assert_ran_once_right(job: dict, redis_url: str) -> None:
    assert job["status"] == "succeeded", job["error"]
    assert job["result"]["naive"]["passes"] == 2 * 13_002
    assert job["progress"] == {"done": 26_004, "total": 26_004}
    assert ends(redis_url, job["id"]) == [b"succeeded"]  # recorded once
    expected = model.run(LESSON | {"methods": ["backprop"]})["gradients"]
    for kind in ("weights", "biases"):
        for got, naive, exp in zip(
            job["result"]["gradients"][kind],
            job["result"]["naive"]["gradients"][kind],
            expected[kind],
        ):
            np.testing.assert_array_equal(got, exp)  # the join's backprop: model.run's own
            np.testing.assert_allclose(naive, exp, rtol=1e-5, atol=1e-8)


def kill_mid_part(url: str, redis_url: str, prefix: str, broker_url: str, batch: list) -> str:
    """Submit the lesson job, SIGKILL the first of `batch` found in the middle of a part (with
    its pool); the job's id."""
    job_id = requests.post(f"{url}/v1/jobs", json=LESSON, timeout=10).json()["id"]
    control = sender_app(redis_url, prefix, broker_url).control
    victim = wait_until(
        lambda: next((w for w in batch if in_mid_part(redis_url, control, w.name)), None),
        "a batch worker mid-part",
    )
    os.killpg(victim.pid, signal.SIGKILL)
    victim.wait()
    return job_id


def test_a_killed_batch_worker_is_replaced_and_its_part_resumes_beside_the_interactive_one(
    broker, broker_url, redis_url, queue_prefix, tmp_path
):
    """An interactive and a batch worker; the batch worker dies mid-part and a new one starts:
    the job ends with every pass counted once and model.run's gradients."""
    prefix, before = f"{queue_prefix}lease-", restored(tmp_path.parent)
    parts = {"NAIVE_PARTS": "3"}
    with ExitStack() as stack:
        url = stack.enter_context(api_server(redis_url, prefix, broker_url))
        stack.enter_context(
            worker_process(
                redis_url, prefix, tmp_path, "-i", broker_url=broker_url, classes=("interactive",)
            )
        )
        batch = stack.enter_context(
            worker_process(
                redis_url,
                prefix,
                tmp_path,
                "-b1",
                broker_url=broker_url,
                classes=("batch",),
                **parts,
            )
        )
        job_id = kill_mid_part(url, redis_url, prefix, broker_url, [batch])
        started = time.monotonic()
        stack.enter_context(
            worker_process(
                redis_url,
                prefix,
                tmp_path,
                "-b2",
                broker_url=broker_url,
                classes=("batch",),
                **parts,
            )
        )
        job = poll(url, job_id, lambda j: j["status"] not in ("queued", "running"), RESUME_BOUND)
        print(f"{broker}: ended {time.monotonic() - started:.1f} s after the new worker's start")
    assert_ran_once_right(job, redis_url)
    if broker == "redis":
        assert restored(tmp_path.parent) - before == 1  # exactly the dead worker's one message


def test_one_of_four_batch_workers_killed_the_others_take_its_part(
    redis_url, queue_prefix, tmp_path
):
    """An interactive and four batch workers, one killed mid-part and none started: a live one
    takes the part within seconds of the lease's lapse, whatever the others run."""
    prefix, before = f"{queue_prefix}lease4-", restored(tmp_path.parent)
    parts = {"NAIVE_PARTS": "4"}
    with ExitStack() as stack:
        url = stack.enter_context(api_server(redis_url, prefix))
        stack.enter_context(
            worker_process(redis_url, prefix, tmp_path, "-i", classes=("interactive",))
        )
        batch = [
            stack.enter_context(
                worker_process(redis_url, prefix, tmp_path, f"-b{n}", classes=("batch",), **parts)
            )
            for n in range(4)
        ]
        job_id = kill_mid_part(url, redis_url, prefix, "", batch)
        killed = time.monotonic()
        job = poll(url, job_id, lambda j: j["status"] not in ("queued", "running"), RESUME_BOUND)
        print(f"redis: the job ended {time.monotonic() - killed:.1f} s after the kill")
    assert_ran_once_right(job, redis_url)
    assert restored(tmp_path.parent) - before == 1


def test_a_worker_killed_between_taking_a_message_and_writing_it_unacked_loses_nothing(
    redis_url, queue_prefix, tmp_path
):
    """On a Redis broker, a worker that dies after taking a message and before writing it to
    `unacked` (with kombu's BRPOP the message was then in no key: the job stayed queued until
    its record expired) leaves it in its own taken list; a live worker hands it out again when
    the dead one's lease lapses, and the job ends once, right."""
    prefix, before = f"{queue_prefix}taken-", restored(tmp_path.parent)
    spec = example("tiny-2-3-2")
    broker = redis.Redis.from_url(redis_url)
    with ExitStack() as stack:
        url = stack.enter_context(api_server(redis_url, prefix))
        dying = stack.enter_context(
            worker_process(
                redis_url,
                prefix,
                tmp_path,
                "-dies",
                app="tests.support.watched_worker",
                classes=("interactive",),
                DIE_AFTER_TAKE="1",
            )
        )
        job_id = requests.post(f"{url}/v1/jobs", json=spec, timeout=10).json()["id"]
        dying.wait(timeout=PATIENCE)
        taken = [k for k in broker.scan_iter(match=leased_redis.TAKEN + "*") if broker.llen(k)]
        assert len(taken) == 1 and broker.llen(f"{prefix}interactive") == 0  # in no queue
        assert job_id.encode() in broker.lindex(taken[0], 0)  # the job's message, there
        assert not any(job_id.encode() in raw for raw in broker.hvals("unacked"))  # only there
        stack.enter_context(
            worker_process(redis_url, prefix, tmp_path, "-lives", classes=("interactive",))
        )
        job = poll(url, job_id, lambda j: j["status"] not in ("queued", "running"), RESUME_BOUND)
    assert job["status"] == "succeeded", job["error"]
    assert ends(redis_url, job_id) == [b"succeeded"]  # recorded once
    expected = model.run(spec)
    assert job["result"]["cost"] == expected["cost"]
    assert restored(tmp_path.parent) - before == 1


def test_a_live_workers_message_left_in_its_taken_list_by_a_lost_reply_goes_back(
    redis_url, queue_prefix, tmp_path
):
    """A BLMOVE that ran in Redis while its answer was lost leaves the message in the live
    taker's list and nowhere else; the taker's lease thread puts it back in its queue once it
    has stayed there unchanged for a lease. The message is made by a submit to queues no worker
    takes, and moved into the live worker's list by hand: the state such a lost reply leaves."""
    prefix, elsewhere = f"{queue_prefix}lost-reply-", f"{queue_prefix}lost-reply-queue-"
    broker = redis.Redis.from_url(redis_url)
    leases = set(broker.scan_iter(match=leased_redis.LEASE + "*"))
    with ExitStack() as stack:
        stack.enter_context(
            worker_process(redis_url, prefix, tmp_path, "-taker", classes=("interactive",))
        )
        (lease,) = wait_until(
            lambda: set(broker.scan_iter(match=leased_redis.LEASE + "*")) - leases, "its lease"
        )
        name = lease.decode()[len(leased_redis.LEASE) :]
        url = stack.enter_context(api_server(redis_url, elsewhere))
        job_id = requests.post(f"{url}/v1/jobs", json=example("tiny-2-3-2"), timeout=10)
        job_id = job_id.json()["id"]
        queue = f"{elsewhere}interactive"
        raw = broker.lmove(queue, leased_redis.taken_key(name), "RIGHT", "LEFT")
        assert job_id.encode() in raw and broker.llen(queue) == 0
        wait_until(lambda: broker.llen(queue) == 1, "the message back in its queue")
        assert broker.llen(leased_redis.taken_key(name)) == 0
        assert job_id.encode() in broker.lindex(queue, 0)
