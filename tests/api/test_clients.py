"""Bad clients kept out: API keys own their jobs, rate limits answer 429 with Retry-After.

The app runs on the test Redis with no worker: jobs stay queued, which is all ownership needs.
Each test counts its rate limits under an address or key of its own, so runs never share them.
"""

from __future__ import annotations

import secrets

import pytest

from api import create_app
from api.clients import owner_id
from tests.support.problems import problem
from worker.records import JobStore
from worker.settings import Settings

SPEC = {"network": {"layers": [2, 3, 2]}, "batch": {"dataset": "random", "size": 4}}
JOB_REQUESTS = [
    ("post", "/v1/jobs"),
    ("get", "/v1/jobs"),
    ("get", "/v1/jobs/some-id"),
    ("delete", "/v1/jobs/some-id"),
    ("get", "/v1/jobs/some-id/events"),
    ("get", "/v1/flashcards?job=some-id"),  # a key only when it names a job
    ("get", "/metrics"),
]


def make_client(redis_url: str, **settings):
    address = f"10.{secrets.randbelow(256)}.{secrets.randbelow(256)}.{secrets.randbelow(256)}"
    client = create_app(
        Settings(redis_url=redis_url, queue_prefix="no-worker-", job_ttl=600, **settings)
    ).test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


@pytest.fixture
def keys():
    return secrets.token_urlsafe(24), secrets.token_urlsafe(24)


@pytest.fixture
def keyed(redis_url, keys):
    return make_client(redis_url, api_keys=keys)


@pytest.mark.parametrize("method, url", JOB_REQUESTS)
@pytest.mark.parametrize(
    "headers, error",
    [
        ({}, None),
        ({"X-API-Key": "not-a-key"}, "invalid_token"),
        ({"Authorization": "Bearer not-a-key"}, "invalid_token"),
        ({"Authorization": "Basic dXNlcjpwYXNz"}, None),
        ({"X-API-Key": "KEY0", "Authorization": "Bearer KEY1"}, "invalid_token"),  # two keys
        ({"X-API-Key": "KEY0", "Authorization": "Bearer "}, "invalid_token"),  # one empty
    ],
)
def test_every_job_request_needs_a_valid_key(keyed, keys, method, url, headers, error):
    headers = {k: v.replace("KEY0", keys[0]).replace("KEY1", keys[1]) for k, v in headers.items()}
    reply = getattr(keyed, method)(url, headers=headers, json=SPEC)
    assert problem(reply, 401)["type"] == "/problems/api-key"
    challenge = reply.headers["WWW-Authenticate"]
    assert challenge.startswith("Bearer ") and ("invalid_token" in challenge) == bool(error)


@pytest.mark.parametrize(
    "url",
    [
        "/v1/health",
        "/v1/datasets",
        "/v1/examples",
        "/v1/flashcards",
        "/problems/api-key",
        "/openapi.json",
        "/docs",
        "/",
    ],
)
def test_the_rest_stays_open(keyed, url):
    assert keyed.get(url).status_code == 200


def test_a_job_belongs_to_the_key_that_made_it(keyed, keys, redis_url):
    mine, theirs = {"X-API-Key": keys[0]}, {"Authorization": f"Bearer {keys[1]}"}
    made = keyed.post("/v1/jobs", json=SPEC, headers=mine)
    assert made.status_code == 202
    job_id = made.get_json()["id"]
    url = f"/v1/jobs/{job_id}"
    assert keyed.get(url, headers={"Authorization": f"bearer {keys[0]}"}).status_code == 200
    both = {"Authorization": f"Bearer {keys[0]}", "X-API-Key": keys[0]}
    assert keyed.get(url, headers=both).status_code == 200

    assert problem(keyed.get(url, headers=theirs), 404)["type"] == "/problems/job-not-found"
    problem(keyed.delete(url, headers=theirs), 404)
    problem(keyed.post(f"{url}/cancel", headers=theirs), 404)
    assert keyed.get(url, headers=mine).get_json()["status"] == "queued"
    assert job_id not in [j["id"] for j in keyed.get("/v1/jobs", headers=theirs).get_json()["jobs"]]
    assert [j["id"] for j in keyed.get("/v1/jobs", headers=mine).get_json()["jobs"]] == [job_id]
    assert keyed.post(f"{url}/cancel", headers=mine).get_json()["status"] == "cancelled"

    stored = JobStore.from_settings(Settings(redis_url=redis_url)).redis.hgetall(
        JobStore.key(job_id)
    )
    assert stored["owner"] == owner_id(keys[0]) and len(stored["owner"]) == 32
    assert not any(key in value for key in keys for value in stored.values())
    assert "owner" not in keyed.get(url, headers=mine).get_json()
    assert keyed.delete(url, headers=mine).status_code == 204
    assert [j["id"] for j in keyed.get("/v1/jobs", headers=mine).get_json()["jobs"]] == []


def test_without_keys_jobs_are_open_to_all(redis_url):
    client = make_client(redis_url)
    job_id = client.post("/v1/jobs", json=SPEC).get_json()["id"]
    assert client.get(f"/v1/jobs/{job_id}", headers={"X-API-Key": "anything"}).status_code == 200
    assert job_id in [j["id"] for j in client.get("/v1/jobs?limit=100").get_json()["jobs"]]


def test_job_ids_are_unguessable(keyed, keys):
    ids = {
        keyed.post("/v1/jobs", json=SPEC, headers={"X-API-Key": keys[0]}).get_json()["id"]
        for _ in range(3)
    }
    assert len(ids) == 3 and all(len(i) >= 22 for i in ids)  # 16 random bytes, base64url


def test_over_the_write_limit_is_429_with_retry_after(redis_url):
    client = make_client(redis_url, rate_limit="2/minute", rate_limit_read="100/minute")
    for _ in range(2):
        assert client.post("/v1/jobs", json={}).status_code == 422  # refused ones count too
    reply = client.post("/v1/jobs", json=SPEC)
    body = problem(reply, 429)
    assert body["type"] == "/problems/rate-limit" and "2 per 1 minute" in body["detail"]
    assert 1 <= int(reply.headers["Retry-After"]) <= 60
    problem(client.post("/v1/jobs/some-id/cancel"), 429)  # cancels share the writes' count
    problem(client.delete("/v1/jobs/some-id"), 429)  # and so do deletes
    assert client.get("/v1/jobs").status_code == 200  # reads have their own
    assert all(client.get("/v1/health").status_code == 200 for _ in range(5))


def test_reads_are_limited_per_key_or_else_per_address(redis_url, keys):
    client = make_client(redis_url, api_keys=keys, rate_limit_read="2/minute")
    for key in keys:
        for _ in range(2):
            assert client.get("/v1/jobs", headers={"X-API-Key": key}).status_code == 200
        problem(client.get("/v1/jobs", headers={"X-API-Key": key}), 429)
    # wrong keys count against the address, so guessing keys runs into the limit as well
    assert client.get("/v1/jobs", headers={"X-API-Key": "guess-1"}).status_code == 401
    assert client.get("/v1/jobs", headers={"X-API-Key": "guess-2"}).status_code == 401
    problem(client.get("/v1/jobs", headers={"X-API-Key": "guess-3"}), 429)
    assert client.get("/v1/ready").status_code in (200, 503)  # never limited


def test_limits_count_in_memory_when_redis_is_down():
    client = make_client("redis://127.0.0.1:1/0", rate_limit="5/minute", rate_limit_read="2/minute")
    problem(client.post("/v1/jobs", json=SPEC), 503)  # the job store's answer, not the limiter's
    assert [client.get("/v1/datasets").status_code for _ in range(3)] == [200, 200, 429]


def test_a_bad_limit_fails_at_start(redis_url):
    with pytest.raises(ValueError):
        make_client(redis_url, rate_limit="sixty a minute")


def test_settings_read_the_limits_and_keep_keys_out_of_their_repr(monkeypatch):
    for name, value in {
        "RATE_LIMIT": "60/minute",
        "RATE_LIMIT_READ": "",
        "API_KEYS": "key-one, key-two",
    }.items():
        monkeypatch.setenv(name, value)
    settings = Settings()
    assert (settings.rate_limit, settings.rate_limit_read, settings.api_keys) == (
        "60/minute",
        "",
        ("key-one", "key-two"),
    )
    assert "key-one" not in repr(settings)


def test_openapi_documents_keys_and_limits_as_configured(redis_url, keys):
    plain = make_client(redis_url).get("/openapi.json").get_json()
    assert "securitySchemes" not in plain["components"]
    assert not any(
        "401" in op["responses"] for ops in plain["paths"].values() for op in ops.values()
    )
    # without rate limits only a submit (the quota of jobs in flight, the held ?waits) and an
    # event stream (the held streams) can be refused with 429
    assert sorted(
        (path, method)
        for path, ops in plain["paths"].items()
        for method, op in ops.items()
        if "429" in op["responses"]
    ) == [("/v1/jobs", "post"), ("/v1/jobs/{job_id}/events", "get"), ("/v1/sweeps", "post")]

    doc = make_client(redis_url, api_keys=keys, rate_limit="1/second").get("/openapi.json")
    doc = doc.get_json()
    assert doc["components"]["securitySchemes"]["apiKey"]["name"] == "X-API-Key"
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            # /v1/flashcards with ?job=; /metrics: the operators' numbers
            # and a platform's embed tokens and learner scores
            job = path.startswith(("/v1/jobs", "/v1/sweeps")) or path in (
                "/v1/flashcards",
                "/metrics",
                "/v1/embed-tokens",
                "/v1/learner-scores",
            )
            assert ("401" in op["responses"]) == job and ("security" in op) == job
            held = path.endswith("/events")
            assert ("429" in op["responses"]) == (method in ("post", "delete") or held)
    assert "Retry-After" in doc["paths"]["/v1/jobs"]["post"]["responses"]["429"]["headers"]
