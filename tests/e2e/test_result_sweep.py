"""A researcher's sweep of big jobs against a small RESULT_STORE_BYTES, over real HTTP, on a
redis-server of its own (so its memory is this test's alone): Redis stays within the budget,
the oldest results go first, no record or queued job is lost, small jobs keep succeeding."""

from __future__ import annotations

import secrets
import threading

import pytest
import redis
import requests

from api import create_app
from tests.support.processes import celery_worker, free_port, redis_server
from tests.support.waiting import PATIENCE
from tests.support.waiting import job as get
from worker.settings import Settings

BUDGET = 12 * 1024**2  # room for about four big results (2.6 MB stored each), or two and reserves
MARGIN = 64 * 1024  # Redis' own bookkeeping of the accounting keys (hashes, sorted sets)
BIG = {
    "network": {"layers": [64, 500, 300, 10]},
    "batch": {"dataset": "digits", "size": 10},
    "timing": {"repeats": 1},
}
TINY = {
    "network": {"layers": [2, 3, 2]},
    "batch": {"dataset": "random", "size": 4},
    "timing": {"repeats": 1},
}
SWEEP = 6


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    """(API URL, Redis client): a private redis-server, a worker and the API, one budget."""
    folder = tmp_path_factory.mktemp("sweep")
    queue = f"sweep-{secrets.token_hex(4)}-"  # the queues' prefix
    with (
        redis_server(folder) as url,
        celery_worker(url, queue, folder, RESULT_STORE_BYTES=str(BUDGET)),
    ):
        from werkzeug.serving import make_server

        app = create_app(
            Settings(redis_url=url, queue_prefix=queue, result_store_bytes=BUDGET, max_wait=30)
        )
        server = make_server("127.0.0.1", free_port(), app, threaded=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield f"http://127.0.0.1:{server.server_port}", redis.Redis.from_url(url)
        finally:
            server.shutdown()


def results_memory(client: redis.Redis) -> int:
    """MEMORY USAGE of every stored result and of the store's accounting keys."""
    keys = client.keys("backprop-lab:result:*") + client.keys("backprop-lab:results*")
    return sum(client.memory_usage(k, samples=0) or 0 for k in keys)


def test_a_sweep_stays_within_the_budget_and_drops_the_oldest_first(service):
    api, client = service
    big, tiny, peaks = [], [], []
    for _ in range(SWEEP):
        reply = requests.post(f"{api}/v1/jobs", json=BIG, timeout=PATIENCE)
        assert reply.status_code == 202, reply.text
        big.append(reply.json()["id"])
        # queued behind the big job, then run: a small job waits its turn and succeeds
        small = requests.post(
            f"{api}/v1/jobs", json=TINY, params={"wait": 30}, timeout=PATIENCE
        ).json()
        assert small["status"] == "succeeded" and small["result"]["cost"] > 0
        tiny.append(small["id"])
        assert get(api, big[-1], fields="status")["status"] == "succeeded"
        peaks.append(results_memory(client))

    assert max(peaks) <= BUDGET + MARGIN, peaks
    jobs = [get(api, i) for i in big]
    assert [j["status"] for j in jobs] == ["succeeded"] * SWEEP  # no record is lost
    expired = [j["result_expired"] is not None for j in jobs]
    assert expired == sorted(expired, reverse=True), "the oldest results go first"
    assert 2 <= expired.count(False) < SWEEP - 1
    kept = [j["result_size"]["stored"] for j in jobs if not j["result_expired"]]
    assert sum(kept) <= BUDGET
    for job in jobs:
        assert (job["result"] is None) == (job["result_expired"] is not None)
        if job["result_expired"]:
            assert job["result_expired"] >= job["finished_at"]
            gone = requests.get(f"{api}/v1/jobs/{job['id']}/result.npz", timeout=PATIENCE)
            assert gone.status_code == 410
        else:
            assert 2 * 1024**2 < job["result_size"]["stored"] <= job["result_size"]["reserved"]
    assert [get(api, i, fields="status")["status"] for i in tiny] == ["succeeded"] * SWEEP


def test_jobs_in_flight_holding_the_store_make_a_new_big_job_wait_with_507(service):
    """Jobs queued where no worker takes them hold their reserves: the third big one does not
    fit beside two and is refused; cancelling one makes room again."""
    api, client = service
    url = client.connection_pool.connection_kwargs
    idle = create_app(
        Settings(
            redis_url=f"redis://{url['host']}:{url['port']}/0",
            queue_prefix="nobody-takes-these-",
            result_store_bytes=BUDGET,
        )
    )
    with idle.test_client() as idle_api:
        held = [idle_api.post("/v1/jobs", json=BIG) for _ in range(2)]  # about 4.7 MB each
        assert [r.status_code for r in held] == [202, 202]
        refused = idle_api.post("/v1/jobs", json=BIG)
        assert refused.status_code == 507 and refused.headers["Retry-After"]
        assert refused.mimetype == "application/problem+json"
        error = refused.get_json()["errors"][0]
        assert error["limit"] == BUDGET and error["estimate"]["stored_bytes"] > 3 * 1024**2
        assert error["estimate"]["reserved"] == sum(
            r.get_json()["result_size"]["reserved"] for r in held
        )
        small = requests.post(f"{api}/v1/jobs", json=TINY, params={"wait": 30}, timeout=PATIENCE)
        assert small.json()["status"] == "succeeded"  # small ones still fit beside the reserves
        assert idle_api.post(f"/v1/jobs/{held[0].get_json()['id']}/cancel").status_code == 200
        assert idle_api.post("/v1/jobs", json=BIG).status_code == 202
        for reply in held:  # still there, queued (or cancelled): never dropped
            assert get(api, reply.get_json()["id"])["status"] in ("queued", "cancelled")
