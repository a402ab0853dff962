"""Splitting a naive job: the ranges, the plan, and how a part's ending ends the job.

The tasks are called as plain functions here (no broker), except in the last test, where two
real worker processes run the parts and one part's failure, or a cancel, stops the other;
tests/e2e/test_split_jobs.py and tests/e2e/test_faults.py run split jobs end to end.
"""

from __future__ import annotations

import json

import pytest
import redis
import requests
from celery.exceptions import Ignore

import model
from tests.support import watched_worker
from tests.support.parts import part_done, running_part
from tests.support.processes import api_server, sender_app, worker_process
from tests.support.waiting import PATIENCE, ended, wait_until
from worker import split
from worker.tasks import JobFailed, join_parts, run_part

BIG = {
    "network": {"layers": [64, 32, 10], "init": {"seed": 1}},
    "batch": {"dataset": "digits", "size": 20},
    "methods": ["backprop", "naive"],
}
NAMES = ["0", "1", "2"]


def running(store, spec=BIG) -> str:
    job_id = store.create(spec)["id"]
    assert store.start(job_id)
    return job_id


@pytest.mark.parametrize("count, parts", [(10, 3), (13_002, 4), (2, 5), (1, 1), (7, 7)])
def test_ranges_cover_every_index_once_in_near_equal_parts(count, parts):
    cut = split.ranges(count, parts)
    assert cut[0][0] == 0 and cut[-1][1] == count
    assert all(a[1] == b[0] for a, b in zip(cut, cut[1:]))
    sizes = [stop - start for start, stop in cut]
    assert min(sizes) >= 1 and max(sizes) - min(sizes) <= 1


def test_only_naive_jobs_over_the_threshold_are_split():
    passes = 2 * (64 * 32 + 32 + 32 * 10 + 10)
    assert split.plan(BIG, passes, 3) == split.ranges(passes // 2, 3)
    assert split.plan(BIG, passes + 1, 3) is None
    assert split.plan(BIG | {"methods": ["backprop"]}, 0, 3) is None
    assert split.plan(BIG, 0, 1) is None


def test_parts_joined_equal_one_process():
    whole = model.run(BIG)
    parts = [model.naive_part(BIG, a, b) for a, b in split.ranges(model.naive_count(BIG), 3)]
    joined = split.join(BIG, parts, None)
    assert model.jsonable(joined["naive"]["gradients"]) == model.jsonable(
        whole["naive"]["gradients"]
    )
    assert joined["naive"]["passes"] == whole["naive"]["passes"]


def test_a_failing_part_fails_the_job_with_its_range_and_the_reason(store, app, monkeypatch):
    job_id = running(store)

    def broken(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(model, "naive_part", broken)
    assert run_part.run(job_id, 1, 100, 200, None, NAMES)["ended"]
    job = store.get(job_id)
    assert job["status"] == "failed" and job["error"]["type"] == "/problems/internal"
    assert job["error"]["detail"] == (
        "part 2 of 3 (naive indices 100..199): RuntimeError: disk on fire"
    )
    # a part that starts after the failure does none of its work (with the real naive_part:
    # had it run, it would answer its gradient values); the join leaves the failure as it is
    monkeypatch.undo()
    assert run_part.run(job_id, 0, 0, 100, None, NAMES) == {"start": 0, "stop": 100, "ended": True}
    with pytest.raises(JobFailed, match="disk on fire"):  # Celery's state: FAILURE
        join_parts.run([{"ended": True}], job_id=job_id)
    assert store.get(job_id)["status"] == "failed"


def test_a_cancelled_job_ends_cancelled_whichever_part_sees_it(store, app):
    job_id = running(store)
    store.cancel(job_id)
    assert run_part.run(job_id, 2, 200, 300, None, NAMES)["ended"]
    assert store.get(job_id)["status"] == "cancelled"
    late = running(store)  # cancelled after every part had finished, before the join
    store.cancel(late)
    every = model.naive_part(BIG, 0, model.naive_count(BIG))
    with pytest.raises(Ignore):  # a worker marks the task REVOKED first
        join_parts.run([every], job_id=late)
    assert store.get(late)["status"] == "cancelled"


def test_part_progress_sums_over_the_parts_and_stops_when_the_job_ends(store):
    job_id = running(store)
    store.part_progress(job_id, "0", 5, 30, NAMES)
    store.part_progress(job_id, "2", 7, 30, NAMES)
    store.part_progress(job_id, "0", 9, 30, NAMES)
    assert store.get(job_id)["progress"] == {"done": 16, "total": 30}
    store.finish(job_id, "cancelled")
    store.part_progress(job_id, "1", 10, 30, NAMES)
    assert store.get(job_id)["progress"] == {"done": 16, "total": 30}


# 2 x 13,002 passes over 1,000 digits: two parts of many seconds each on two shared cores, even on
# a fast, idle machine (at 300 digits an idle Zen 5 passed a part's middle before its 4th report)
SLOW = {
    "network": {"layers": [784, 16, 16, 10], "init": {"seed": 7}},
    "batch": {"dataset": "digits", "resolution": 28, "size": 1000, "seed": 0},
    "methods": ["backprop", "naive"],
}


@pytest.mark.parametrize("stop", ["failure", "cancel"])
def test_the_other_parts_stop_at_once_when_one_fails_or_the_job_is_cancelled(
    redis_url, queue_prefix, tmp_path, stop
):
    """Two real workers each run one of the job's two parts. In the middle of both, one part
    fails (a fault injected into worker A) or the job is cancelled; every part that was still
    running stops within a few of its progress reports' worth of passes, counted by the worker
    itself (tests/support/watched_worker.py records the passes a part had done when it
    stopped), not in seconds."""
    prefix = f"{queue_prefix}stopping-"
    client = redis.Redis.from_url(redis_url)
    client.delete(watched_worker.STOPPED, watched_worker.BREAK)
    app = "tests.support.watched_worker"
    with (
        api_server(redis_url, prefix) as base,
        worker_process(
            redis_url, prefix, tmp_path, "-a", app=app, NAIVE_PARTS="2", BREAK_PARTS="1"
        ) as a,
        worker_process(redis_url, prefix, tmp_path, "-b", app=app, NAIVE_PARTS="2") as b,
    ):
        job_id = requests.post(f"{base}/v1/jobs", json=SLOW, timeout=PATIENCE).json()["id"]
        control = sender_app(redis_url, prefix).control
        parts = {
            w.name: wait_until(lambda w=w: running_part(control, w.name), f"a part on {w.name}")
            for w in (a, b)
        }
        assert sorted(args[1] for args in parts.values()) == [0, 1]
        # each part's passes between two of its progress reports (a report every quarter second
        # of the worker's own time; a report missed here makes a step larger, never smaller)
        steps = {}
        for _, part, start, end, *_ in parts.values():
            seen = [part_done(redis_url, job_id, part)]
            while len(seen) < 4:
                wait_until(
                    lambda p=part, s=seen: part_done(redis_url, job_id, p) != s[-1], "a report"
                )
                seen.append(part_done(redis_url, job_id, part))
            assert seen[-1] < end - start, "a part is past its middle (2 passes an index)"
            steps[part] = max(later - earlier for earlier, later in zip(seen[1:], seen[2:]))

        if stop == "failure":
            client.set(watched_worker.BREAK, "1")  # worker A's part fails at its next look
        else:
            assert requests.post(f"{base}/v1/jobs/{job_id}/cancel", timeout=PATIENCE).ok
        job = ended(base, job_id)
        wait_until(
            lambda: not any(running_part(control, w.name) for w in (a, b)), "both parts over"
        )

    entries = map(json.loads, client.lrange(watched_worker.STOPPED, 0, -1))
    stopped = {entry["start"]: entry for entry in entries}
    still_running = [args for name, args in parts.items() if stop == "cancel" or name == b.name]
    if stop == "failure":
        assert job["status"] == "failed", job
        assert "of 2" in job["error"]["detail"] and "injected" in job["error"]["detail"]
    else:
        assert job["status"] == "cancelled", job
    assert sorted(stopped) == sorted(args[2] for args in still_running), stopped
    for _, part, start, end, *_ in still_running:
        passes = stopped[start]["passes"]
        reported = part_done(redis_url, job_id, part)  # the last report before the end
        print(f"{stop}: part {part} stopped {passes - reported} passes past its last report")
        print(f"  (at {passes}); its reports were {steps[part]} passes apart")
        # It looks for the stop every tenth of a second of its own time between reports, so
        # after its last report it does less than one report's step and then at most a look's
        # worth; four steps leave room for a worker the shared cores slow down or speed up.
        # Running on would have done the whole part: 13,002 passes, thousands more than this.
        assert reported <= passes <= reported + 4 * steps[part], (passes, reported, steps)
        assert passes < 2 * (end - start)
