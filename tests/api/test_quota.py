"""The quota of jobs in flight: per key (or address with keys off) and per class, over it a 429
problem document that says how many are in flight and the limit.

The app runs on the test Redis with no worker on its queues, so admitted jobs stay queued (in
flight) until a test cancels them.
"""

from __future__ import annotations

import secrets

import pytest

from api import create_app
from worker.settings import Settings

SMALL = {"network": {"layers": [2, 3, 2]}, "batch": {"dataset": "random", "size": 4}}
BIG = {
    "network": {"layers": [784, 16, 16, 10], "init": {"seed": 7}},
    "batch": {"dataset": "digits", "resolution": 28, "size": 100},
    "methods": ["backprop", "naive"],
    "naive": {"difference": "central", "sample": 4000},
}
KEYS = ("alice-key-0123456789", "bob-key-0123456789")


@pytest.fixture
def client(redis_url):
    config = Settings(
        redis_url=redis_url,
        queue_prefix="unit-no-worker-",
        job_ttl=600,
        batch_quota=2,
        interactive_quota=3,
        api_keys=KEYS,
    )
    return create_app(config).test_client()


def as_key(key: str) -> dict[str, str]:
    return {"X-API-Key": key}


def test_over_the_batch_quota_a_submit_is_refused_with_the_counts(client):
    alice, bob = as_key(KEYS[0]), as_key(KEYS[1])
    # other runs of this test may have left alice's jobs queued: cancel them first
    for job in client.get("/v1/jobs?limit=100", headers=alice).get_json()["jobs"]:
        client.post(f"/v1/jobs/{job['id']}/cancel", headers=alice)
    first, second = (client.post("/v1/jobs", json=BIG, headers=alice) for _ in range(2))
    assert first.status_code == second.status_code == 202
    assert first.get_json()["class"] == "batch"

    refused = client.post("/v1/jobs", json=BIG, headers=alice)
    assert refused.status_code == 429 and refused.mimetype == "application/problem+json"
    body = refused.get_json()
    assert body["type"] == "/problems/quota" and body["status"] == 429
    assert (body["class"], body["in_flight"], body["limit"]) == ("batch", 2, 2)
    assert "2 batch jobs" in body["detail"] and "limit is 2" in body["detail"]
    assert int(refused.headers["Retry-After"]) > 0

    # the quota is per key and per class
    assert client.post("/v1/jobs", json=BIG, headers=bob).status_code == 202
    assert client.post("/v1/jobs", json=SMALL, headers=alice).status_code == 202
    # a job that ends leaves the count
    cancelled = client.post(f"/v1/jobs/{first.get_json()['id']}/cancel", headers=alice)
    assert cancelled.status_code == 200
    assert client.post("/v1/jobs", json=BIG, headers=alice).status_code == 202


def test_interactive_jobs_have_their_own_limit(client):
    key = as_key(KEYS[1])
    for job in client.get("/v1/jobs?limit=100", headers=key).get_json()["jobs"]:
        client.post(f"/v1/jobs/{job['id']}/cancel", headers=key)
    replies = [client.post("/v1/jobs", json=SMALL, headers=key) for _ in range(4)]
    assert [r.status_code for r in replies] == [202, 202, 202, 429]
    assert replies[-1].get_json()["class"] == "interactive"
    assert replies[-1].get_json()["limit"] == 3


def test_with_keys_off_the_quota_counts_per_address(redis_url):
    config = Settings(
        redis_url=redis_url, queue_prefix="unit-no-worker-", job_ttl=600, batch_quota=1
    )
    client = create_app(config).test_client()
    accepted = []
    for _ in range(2):  # two fresh addresses, each with its own count
        client.environ_base["REMOTE_ADDR"] = "10.9.{}.{}".format(*secrets.token_bytes(2))
        accepted.append(client.post("/v1/jobs", json=BIG))
        assert accepted[-1].status_code == 202
        refused = client.post("/v1/jobs", json=BIG).get_json()
        assert (refused["status"], refused["in_flight"], refused["limit"]) == (429, 1, 1)
        assert "of this address" in refused["detail"]
    for reply in accepted:
        client.post(f"/v1/jobs/{reply.get_json()['id']}/cancel")
