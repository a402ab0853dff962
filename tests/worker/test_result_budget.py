"""The result store's budget in a real Redis (a private redis-server: budgets are per Redis)."""

from __future__ import annotations

import threading

import numpy as np
import pytest
import redis

from tests.support.processes import redis_server
from worker import result_codec
from worker.records import JobStore, StoreFull
from worker.settings import Budget

SPEC = {"network": {"layers": [2, 2]}, "batch": {"dataset": "random", "size": 1}}
FLOATS = 20_000  # one result: 160 kB of incompressible floats


@pytest.fixture(scope="module")
def url(tmp_path_factory):
    with redis_server(tmp_path_factory.mktemp("budget-redis")) as url:
        yield url


@pytest.fixture
def client(url):
    client = redis.Redis.from_url(url, decode_responses=True)
    client.flushdb()  # this test module's own redis-server
    return client


def result(seed: int, floats: int = FLOATS) -> dict:
    return {"cost": float(seed), "wishes": [np.random.default_rng(seed).random(floats).tolist()]}


SIZE = result_codec.stored_bytes(result_codec.pack(result(0)))


def run(
    store: JobStore,
    seed: int,
    owner: str | None = None,
    reserve: int = SIZE + 4096,
    status: str = "succeeded",
) -> str:
    job = store.create(SPEC, owner=owner, size={"estimate": 0, "reserved": reserve})
    store.start(job["id"])
    store.finish(job["id"], status, result=result(seed) if status == "succeeded" else None)
    return job["id"]


def used(store: JobStore) -> int:
    """What Redis says the stored results take (MEMORY USAGE of every result key)."""
    keys = store.redis.keys("backprop-lab:result:*")
    return sum(store.redis.memory_usage(k, samples=0) for k in keys)


def test_the_oldest_results_are_dropped_first_and_their_jobs_say_so(client):
    store = JobStore(client, ttl=600, budget=Budget(int(3.5 * SIZE) + 8192, 0))
    ids = [run(store, seed) for seed in range(6)]
    jobs = [store.get(i) for i in ids]
    assert [j["status"] for j in jobs] == ["succeeded"] * 6  # records are never dropped
    assert [j["result"] is None for j in jobs] == [True, True, True, False, False, False]
    assert all(j["result_expired"] >= j["finished_at"] for j in jobs[:3])
    assert [j["result_expired"] for j in jobs[3:]] == [None] * 3
    assert jobs[5]["result"] == result(5)
    assert store.results.total() == 3 * SIZE
    assert used(store) <= store.results.total() <= store.budget.total


def test_a_job_whose_result_cannot_fit_beside_the_reserves_is_refused(client):
    store = JobStore(client, ttl=600, budget=Budget(3 * SIZE, 0))
    queued = [store.create(SPEC, size={"estimate": 0, "reserved": SIZE}) for _ in range(3)]
    with pytest.raises(StoreFull) as refused:
        store.create(SPEC, size={"estimate": 0, "reserved": SIZE})
    assert refused.value.reserved == 3 * SIZE and refused.value.budget == 3 * SIZE
    store.cancel(queued[0]["id"])  # an ended job's reserve is free again
    again = store.create(SPEC, size={"estimate": 0, "reserved": SIZE})
    assert all(store.status(j["id"]) for j in (*queued, again))  # queued records stay


def test_one_owner_pushes_out_only_their_own_results(client):
    store = JobStore(client, ttl=600, budget=Budget(10 * SIZE, int(2.5 * SIZE)))
    theirs = run(store, 0, owner="b")
    mine = [run(store, seed, owner="a") for seed in range(1, 6)]
    assert store.get(theirs)["result"] == result(0)
    assert [store.get(i)["result"] is None for i in mine] == [True] * 3 + [False] * 2
    with pytest.raises(StoreFull) as refused:
        store.create(SPEC, owner="a", size={"estimate": 0, "reserved": 3 * SIZE})
    assert refused.value.owner and refused.value.budget == int(2.5 * SIZE)


def test_concurrent_workers_never_overshoot_the_budget(client, url):
    budget = Budget(5 * SIZE, 0)
    stores = [
        JobStore(redis.Redis.from_url(url, decode_responses=True), 600, budget) for _ in range(4)
    ]
    peaks, errors = [], []

    def worker(store: JobStore, seeds: range) -> None:
        try:
            for seed in seeds:
                run(store, seed)
                peaks.append(store.results.total())
        except Exception as exc:  # noqa: BLE001 (reported below)
            errors.append(exc)

    threads = [
        threading.Thread(target=worker, args=(s, range(10 * i, 10 * i + 10)))
        for i, s in enumerate(stores)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert max(peaks) <= budget.total
    kept = len(client.keys("backprop-lab:result:*"))  # reserves in flight took some room
    sizes = [int(v) for v in client.hvals("backprop-lab:results:size")]
    assert 3 <= kept <= 5 and store_total(client) == sum(sizes)
    assert client.zcard("backprop-lab:results") == client.hlen("backprop-lab:results:size") == kept
    assert client.scard("backprop-lab:results:inflight") == 0


def store_total(client: redis.Redis) -> int:
    return int(client.get("backprop-lab:results:total"))


def test_a_failed_job_stores_nothing_and_frees_its_reserve(client):
    store = JobStore(client, ttl=600, budget=Budget(2 * SIZE, 0))
    job_id = run(store, 0, status="failed", reserve=2 * SIZE)
    assert store.results.total() == 0 and client.scard("backprop-lab:results:inflight") == 0
    assert store.get(job_id)["result"] is None
    run(store, 1, reserve=2 * SIZE)  # the whole budget is free again


def test_deleting_a_job_frees_its_result_s_bytes(client):
    store = JobStore(client, ttl=600, budget=Budget(10 * SIZE, 0))
    kept, deleted = run(store, 0), run(store, 1)
    assert store.results.total() == 2 * SIZE
    assert store.delete(deleted)
    assert store.results.total() == SIZE and store.get(kept)["result"] == result(0)
    assert client.keys("backprop-lab:result:*") == [f"backprop-lab:result:{kept}"]
