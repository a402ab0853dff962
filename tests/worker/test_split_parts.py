"""Splitting a naive job: the ranges, the plan, and how a part's ending ends the job.

The tasks are called as plain functions here (no broker); tests/e2e/test_split_jobs.py and
tests/e2e/test_faults.py run them on real workers.
"""

from __future__ import annotations

import pytest
from celery.exceptions import Ignore

import model
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
    # the other parts stop at once, and the join leaves the failure as it is
    assert run_part.run(job_id, 0, 0, 100, None, NAMES)["ended"]
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
