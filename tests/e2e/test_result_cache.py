"""The result cache over real HTTP with real workers and Redis: a job served from the cache is
the computed one but for its id, times and marker; fifty identical jobs at once compute once;
?cache=false computes; RESULT_CACHE off computes; another owner's job leaves no trace."""

from __future__ import annotations

import secrets
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack

import pytest
import redis
import requests

from tests.support.processes import api_server, purge_queues, worker_process
from worker.records import JobStore
from worker.settings import Settings

PATIENCE = 120  # seconds: a timeout, not a speed claim
QUEUE = "cache-"  # this file's own queues and workers
TIMES = ("id", "created_at", "started_at", "finished_at", "links")


def spec(sample: int = 300, hidden: int = 16) -> dict:
    """A page-like job no earlier run of the tests has computed (the cache outlives a run)."""
    return {
        "network": {"layers": [64, hidden, 10], "init": {"seed": secrets.randbelow(2**31)}},
        "batch": {"dataset": "digits", "indices": [5]},
        "methods": ["backprop", "naive"],
        "naive": {"sample": sample},
        "include": {"per_example": True},
    }


@pytest.fixture(scope="module")
def cache_api(redis_url: str, tmp_path_factory):
    """Two workers of one pool process each on this file's queues (two jobs run at once), and
    an API on them; yields (its URL, the store)."""
    purge_queues(redis_url, QUEUE)
    folder = tmp_path_factory.mktemp("cache-workers")
    with ExitStack() as stack:
        for name in ("one", "two"):
            stack.enter_context(worker_process(redis_url, QUEUE, folder, name=name))
        # a quota of its own: the fifty at once come from one address, beside whatever other
        # tests left in flight on it
        settings = {"max_wait": 10.0, "result_cache": True, "interactive_quota": 10_000}
        url = stack.enter_context(api_server(redis_url, QUEUE, **settings))
        store = JobStore.from_settings(Settings(redis_url=redis_url))
        yield url, store


def submit(url: str, body: dict, headers: dict | None = None, **params) -> dict:
    reply = requests.post(
        f"{url}/v1/jobs", json=body, params={"wait": 10} | params, headers=headers, timeout=PATIENCE
    )
    assert reply.status_code == 200, reply.text
    return reply.json()


def without(job: dict, *names: str) -> dict:
    out = {k: v for k, v in job.items() if k not in (*TIMES, "cache", *names)}
    out["result"] = dict(job["result"])
    out["result"]["timing"] = {
        k: v for k, v in job["result"]["timing"].items() if k != "from_cache"
    }
    return out


def test_a_cached_job_is_the_computed_one_but_its_id_times_and_marker(cache_api):
    url, store = cache_api
    body = spec()
    before = store.cache.counts()
    computed = submit(url, body)
    cached = submit(url, body)
    assert store.cache.counts() == {
        "computed": before["computed"] + 1,
        "cache": before["cache"] + 1,
    }
    assert computed["cache"] == "computed" and cached["cache"] == "hit"
    assert cached["id"] != computed["id"] and cached["status"] == "succeeded"
    assert cached["result"]["timing"]["from_cache"] is True
    assert "from_cache" not in computed["result"]["timing"]
    assert without(cached) == without(computed)  # every number, the measured timing included
    assert cached["progress"] == computed["progress"] == {"done": 600, "total": 600}
    # its own record and its own stored result, as GET shows it
    again = requests.get(f"{url}/v1/jobs/{cached['id']}", timeout=PATIENCE).json()
    assert again == cached
    assert store.redis.ttl(store.key(cached["id"])) > 0
    assert cached["result_size"]["stored"] == computed["result_size"]["stored"] > 0


def test_fifty_identical_jobs_at_once_compute_once(cache_api):
    url, store = cache_api
    body = spec(sample=4000, hidden=64)  # 8,000 passes: the others start while it runs
    before = store.cache.counts()
    with ThreadPoolExecutor(50) as pool:
        jobs = list(pool.map(lambda _: submit(url, body), range(50)))
    assert [j["status"] for j in jobs] == ["succeeded"] * 50
    after = store.cache.counts()
    assert after["computed"] - before["computed"] == 1  # model.run ran once
    assert after["cache"] - before["cache"] == 49
    assert sorted(j["cache"] for j in jobs) == ["computed"] + ["hit"] * 49
    assert len({j["id"] for j in jobs}) == 50
    first = next(j for j in jobs if j["cache"] == "computed")
    assert all(without(j) == without(first) for j in jobs)


def test_a_job_that_asks_for_no_cache_is_computed_and_kept(cache_api):
    url, store = cache_api
    body = spec()
    first = submit(url, body)
    before = store.cache.counts()
    fresh = submit(url, body, cache="false")
    assert store.cache.counts()["computed"] == before["computed"] + 1
    assert fresh["cache"] == "computed" and "from_cache" not in fresh["result"]["timing"]
    assert fresh["result"]["timing"] != first["result"]["timing"]  # measured again
    served = submit(url, body)  # the fresh result is now the one kept
    assert served["cache"] == "hit"
    assert served["result"]["timing"]["forward"] == fresh["result"]["timing"]["forward"]


def test_with_the_cache_off_every_job_is_computed(redis_url, cache_api):
    _, store = cache_api
    body = spec()
    with api_server(redis_url, QUEUE, max_wait=10.0, result_cache=False) as off:
        before = store.cache.counts()
        jobs = [submit(off, body) for _ in range(2)]
    assert store.cache.counts()["computed"] == before["computed"] + 2
    assert [j["cache"] for j in jobs] == [None, None]


def test_a_deleted_result_is_not_served(cache_api):
    url, store = cache_api
    body = spec()
    first = submit(url, body)
    assert requests.delete(f"{url}/v1/jobs/{first['id']}", timeout=PATIENCE).status_code == 204
    assert submit(url, body)["cache"] == "computed"


def test_another_owners_cached_job_shows_no_trace_of_the_first(redis_url, cache_api):
    _, store = cache_api
    body = spec()
    keys = ("key-a", "key-b")
    with api_server(redis_url, QUEUE, max_wait=10.0, result_cache=True, api_keys=keys) as keyed:
        a = submit(keyed, body, headers={"X-API-Key": "key-a"})
        b = submit(keyed, body, headers={"X-API-Key": "key-b"})
        text = requests.get(
            f"{keyed}/v1/jobs/{b['id']}", headers={"X-API-Key": "key-b"}, timeout=PATIENCE
        ).text
        listing = requests.get(f"{keyed}/v1/jobs", headers={"X-API-Key": "key-b"}, timeout=PATIENCE)
        # and the first owner's job stays theirs alone
        assert (
            requests.get(
                f"{keyed}/v1/jobs/{a['id']}", headers={"X-API-Key": "key-b"}, timeout=PATIENCE
            ).status_code
            == 404
        )
    assert a["cache"] == "computed" and b["cache"] == "hit"
    assert a["id"] not in text and a["id"] not in listing.text
    assert a["created_at"] not in text and a["finished_at"] not in text
    # the copy is the second owner's: their share of the store counts it
    owners = redis.Redis.from_url(redis_url).hgetall("backprop-lab:results:owner")
    assert owners[b["id"].encode()] != owners[a["id"].encode()]
    del store
