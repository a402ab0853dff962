"""Job records in the real Redis: the status moves one way, and start races cancel safely."""

from __future__ import annotations

import math
import secrets

import pytest

SPEC = {"network": {"layers": [2, 3, 2]}, "batch": {"dataset": "random", "size": 4}}


def test_a_new_record_is_queued_with_a_ttl_and_unguessable_id(store):
    job = store.create(SPEC, progress={"done": 0, "total": 10})
    assert store.get(job["id"]) == job
    assert job["status"] == "queued" and job["started_at"] is None and len(job["id"]) >= 20
    assert 0 < store.redis.ttl(store.key(job["id"])) <= 600
    assert store.get("never-issued") is None and store.status("never-issued") is None


def test_a_listing_says_what_each_job_is_without_its_spec(store):
    job = store.create(SPEC, layers=[2, 3, 2], methods=["backprop", "naive"])
    listed = next(j for j in store.recent(100)[0] if j["id"] == job["id"])
    assert (listed["layers"], listed["methods"]) == ([2, 3, 2], ["backprop", "naive"])
    assert "spec" not in listed and store.get(job["id"])["layers"] == [2, 3, 2]


def test_start_progress_finish(store):
    job = store.create(SPEC)
    assert store.start(job["id"])
    store.progress(job["id"], 3, 10)
    running = store.get(job["id"])
    assert running["status"] == "running" and running["progress"] == {"done": 3, "total": 10}
    store.finish(job["id"], "succeeded", result={"cost": 0.5})
    done = store.get(job["id"])
    assert done["status"] == "succeeded" and done["result"] == {"cost": 0.5}
    assert done["finished_at"] >= done["started_at"] >= done["created_at"]


def test_a_cancelled_queued_job_never_starts(store):
    job = store.create(SPEC)
    assert store.cancel(job["id"]) == "queued"
    assert not store.start(job["id"])
    assert store.get(job["id"])["status"] == "cancelled"


def test_cancelling_a_running_job_raises_its_flag(store):
    job = store.create(SPEC)
    store.start(job["id"])
    assert not store.cancel_requested(job["id"])
    assert store.cancel(job["id"]) == "running"
    assert store.cancel_requested(job["id"])
    assert store.get(job["id"])["status"] == "running"


def test_finished_jobs_and_unknown_ids_are_not_changed_by_cancel(store):
    job = store.create(SPEC)
    store.start(job["id"])
    store.finish(job["id"], "succeeded", result={})
    assert store.cancel(job["id"]) == "succeeded"
    assert store.get(job["id"])["status"] == "succeeded"
    assert store.cancel("never-issued") is None
    store.finish("never-issued", "failed")
    assert store.get("never-issued") is None


def test_a_result_that_is_not_json_is_refused(store):
    job = store.create(SPEC)
    with pytest.raises(ValueError):
        store.finish(job["id"], "succeeded", result={"cost": math.nan})


def test_recent_pages_newest_first(store):
    ids = [store.create(SPEC)["id"] for _ in range(5)]
    first, cursor = store.recent(3)
    second, _ = store.recent(3, cursor)
    seen = [j["id"] for j in first + second]
    assert seen[:3] == ids[::-1][:3] and ids[1] in seen[3:]
    assert "spec" not in first[0] and first[0]["status"] == "queued"


def test_an_owned_record_is_seen_and_listed_by_its_owner_only(store):
    mine, theirs = (secrets.token_hex(16) for _ in range(2))
    job = store.create(SPEC, owner=mine)
    assert store.get(job["id"], owner=mine) == job and "owner" not in job
    assert store.get(job["id"], owner=theirs) is None
    assert store.get(store.create(SPEC)["id"], owner=mine) is None  # made without a key
    assert [j["id"] for j in store.recent(10, owner=mine)[0]] == [job["id"]]
    assert store.recent(10, owner=theirs) == ([], None)
    assert job["id"] in [j["id"] for j in store.recent(100)[0]]
