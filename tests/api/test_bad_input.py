"""Every kind of bad input is a 4xx problem document naming what is wrong, never a 500."""

from __future__ import annotations

import json

import pytest

from api import create_app
from tests.support.problems import problem
from tests.support.written import unqueue, written
from worker.records import JobStore
from worker.settings import Settings

RANDOM = {"dataset": "random", "size": 4}
TINY = {"network": {"layers": [2, 3, 2]}, "batch": RANDOM}


def spec(**changes):
    out = json.loads(json.dumps(TINY))
    for path, value in changes.items():
        *parents, last = path.split("__")
        node = out
        for p in parents:
            node = node.setdefault(p, {})
        node[last] = value
    return out


@pytest.mark.parametrize(
    "raw",
    [
        b"{",
        b'{"network": }',
        b"{'single': 'quotes'}",
        b'{"a": NaN}',
        b'{"a": Infinity}',
        b'{"a": -Infinity}',
        b'{"a": 1e999}',
        b"\xff\xfe\xfa",
        b"[" * 5000,
        b"",
    ],
)
def test_malformed_json_is_400(client, raw):
    reply = client.post("/v1/jobs", data=raw, content_type="application/json")
    assert problem(reply, 400)["type"] == "/problems/malformed-json"


@pytest.mark.parametrize(
    "content_type",
    [None, "text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"],
)
def test_wrong_content_type_is_415(client, content_type):
    problem(client.post("/v1/jobs", data=json.dumps(TINY), content_type=content_type), 415)


def test_huge_body_is_413_with_the_limit(client):
    body = problem(
        client.post("/v1/jobs", data=b" " * 30_000, content_type="application/json"), 413
    )
    assert body["errors"][0]["limit"] == 20_000


@pytest.mark.parametrize(
    "body, field",
    [
        ([1], "(body)"),
        ("spec", "(body)"),
        (None, "(body)"),
        (3, "(body)"),
        ({}, "network"),
        (spec(network__layers="abc"), "network.layers"),
        (spec(network__layers=[2, "x", 2]), "network.layers.1"),
        (spec(network__layers=[2, 0, 2]), "network.layers.1"),
        (spec(network__layers=[2]), "network.layers"),
        (spec(network__activation=5), "network.activation"),
        (spec(network__activation="swish"), "network.activation"),
        (spec(methods="naive"), "methods"),
        (spec(naive__epsilon=-1), "naive.epsilon"),
        (spec(bogus=1), "bogus"),
        (spec(network__bogus=1), "network.bogus"),
        (spec(batch={"inputs": [[1, 2, 3]], "targets": [[0, 1]]}), "batch.inputs.0"),
        (spec(batch={"inputs": [[1, 2]], "targets": [[0, 1, 0]]}), "batch.targets.0"),
        (spec(batch={"inputs": [[1, 2]], "targets": [[0, 1], [1, 0]]}), "batch.targets"),
        (spec(batch={"inputs": [[1, 2]], "labels": [5]}), "batch.labels.0"),
        (spec(network__weights=[[[1, 2]]], network__biases=[[1], [1]]), "network.weights"),
        (spec(batch={"dataset": "digits", "size": 3}), "network.layers"),
    ],
)
def test_invalid_specs_are_422_naming_the_field(client, body, field):
    reply = client.post("/v1/jobs", data=json.dumps(body), content_type="application/json")
    reply = problem(reply, 422)
    assert field in [e["field"] for e in reply["errors"]], reply["errors"]
    assert all(e["message"] for e in reply["errors"])


@pytest.mark.parametrize(
    "body, field, limit",
    [
        (spec(network__layers=[2, 3, 3, 3, 2]), "network.layers", None),
        (spec(network__layers=[2, 101, 2]), "network.layers", None),
        (spec(batch={"dataset": "random", "size": 11}), "batch.size", 10),
        (spec(network__layers=[2, 100, 100]), "network.layers", 5000),
        (spec(network__layers=[2, 50, 50, 2], methods=["backprop", "naive"]), "naive", 1_000_000),
        (
            spec(network__layers=[2, 50, 50, 2], include={"per_example": True}),
            "include.per_example",
            1000,
        ),
    ],
)
def test_over_every_limit_is_refused_before_queueing(
    client, redis_url, no_worker_prefix, body, field, limit
):
    before = written(redis_url, no_worker_prefix)
    reply = problem(client.post("/v1/jobs", json=body), 422)
    error = next(e for e in reply["errors"] if e["field"] == field)
    assert limit is None or error["limit"] == limit
    if field == "naive":
        assert error["estimate"]["naive_passes"] == 2 * (150 + 2550 + 102)
    # nothing reached the queue, and no record or index entry was written
    assert written(redis_url, no_worker_prefix) == before


def test_an_accepted_job_is_seen_queued_recorded_and_indexed(client, redis_url, no_worker_prefix):
    """The check above can see a job: one that passes every limit is in all three."""
    before = written(redis_url, no_worker_prefix)
    reply = client.post("/v1/jobs", json=TINY)
    assert reply.status_code == 202, reply.get_data(as_text=True)
    job_id = reply.get_json()["id"]
    after = written(redis_url, no_worker_prefix)
    try:
        queue = f"{no_worker_prefix}{reply.get_json()['class']}"
        assert after["queued"] == before["queued"] | {queue: before["queued"][queue] + 1}
        assert after["records"] == before["records"] | {JobStore.key(job_id).encode()}
        index = JobStore.index().encode()
        assert after["index"][index] == before["index"].get(index, 0) + 1
    finally:
        assert client.delete(f"/v1/jobs/{job_id}").status_code == 204
        unqueue(redis_url, queue, job_id)  # no worker takes these queues


@pytest.mark.parametrize(
    "url, field",
    [
        ("/v1/jobs?wait=-1", "wait"),
        ("/v1/jobs?wait=soon", "wait"),
        ("/v1/jobs?wait=nan", "wait"),
    ],
)
def test_bad_wait_is_422(client, url, field):
    reply = problem(client.post(url, json={}), 422)
    assert [e["field"] for e in reply["errors"]] == [field]


@pytest.mark.parametrize(
    "url", ["/v1/jobs?limit=0", "/v1/jobs?limit=1000", "/v1/jobs?cursor=-1", "/v1/jobs?limit=ten"]
)
def test_bad_page_is_422(client, url):
    problem(client.get(url), 422)


@pytest.mark.parametrize(
    "method, url, status",
    [
        ("get", "/v2/jobs", 404),
        ("get", "/v1/jobs/not-a-job", 404),
        ("delete", "/v1/jobs/not-a-job", 404),
        ("put", "/v1/jobs", 405),
        ("delete", "/v1/health", 405),
        ("post", "/v1/datasets", 405),
    ],
)
def test_http_errors_are_problems(client, method, url, status):
    reply = getattr(client, method)(url)
    problem(reply, status)
    if status == 405:
        assert "GET" in reply.headers["Allow"]


def test_writes_need_a_key_when_keys_are_set(redis_url):
    app = create_app(Settings(redis_url=redis_url, api_keys=("k1", "k2")))
    client = app.test_client()
    assert problem(client.post("/v1/jobs", json={}), 401)["type"] == "/problems/api-key"
    problem(client.post("/v1/jobs", json={}, headers={"X-API-Key": "k3"}), 401)
    problem(client.post("/v1/jobs", json={}, headers={"Authorization": "Bearer k2"}), 422)
    problem(client.delete("/v1/jobs/nope", headers={"X-API-Key": "k1"}), 404)
    assert client.get("/v1/health").status_code == 200


def test_redis_down_is_503_not_500():
    app = create_app(Settings(redis_url="redis://127.0.0.1:1/0"))
    client = app.test_client()
    problem(client.get("/v1/jobs/some-id"), 503)
    assert problem(client.get("/v1/ready"), 503)["type"] == "/problems/not-ready"


def test_a_bug_is_a_logged_500_problem(client, caplog):
    client.application.add_url_rule("/boom", "boom", lambda: 1 / 0)
    body = problem(client.get("/boom"), 500)
    assert "ZeroDivisionError" not in body["detail"]
    assert "ZeroDivisionError" in caplog.text
