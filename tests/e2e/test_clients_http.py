"""API keys and rate limits over HTTP, with the real worker: a key's job runs and is its alone."""

from __future__ import annotations

import secrets
import threading
from collections.abc import Iterator

import pytest
import requests

from tests.support.processes import free_port
from tests.support.specs import example

TINY = example("tiny-2-3-2")
KEYS = tuple(secrets.token_urlsafe(24) for _ in range(3))
WRITES = 3  # per minute and key


@pytest.fixture(scope="module")
def keyed_api(redis_url: str, queue_prefix: str, worker: str) -> Iterator[str]:
    """The API with API_KEYS and a small write limit, over real HTTP; yields its URL."""
    from werkzeug.serving import make_server

    from api import create_app
    from worker.settings import Settings

    app = create_app(
        Settings(
            redis_url=redis_url,
            queue_prefix=queue_prefix,
            max_wait=5.0,
            api_keys=KEYS,
            rate_limit=f"{WRITES}/minute",
            rate_limit_read="600/minute",
        )
    )
    server = make_server("127.0.0.1", free_port(), app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()


def test_a_keys_job_runs_and_no_other_key_sees_it(keyed_api):
    mine, theirs = {"Authorization": f"Bearer {KEYS[0]}"}, {"X-API-Key": KEYS[1]}
    reply = requests.post(f"{keyed_api}/v1/jobs?wait=5", json=TINY, headers=mine, timeout=30)
    assert reply.status_code == 200 and reply.json()["status"] == "succeeded"
    url = reply.headers["Location"]

    assert requests.get(url, headers=mine, timeout=10).json()["result"]["cost"] > 0
    for method, path in (("get", ""), ("delete", ""), ("post", "/cancel")):
        other = requests.request(method, url + path, headers=theirs, timeout=10)
        assert other.status_code == 404
        assert other.headers["Content-Type"] == "application/problem+json"
    anonymous = requests.get(url, timeout=10)
    assert anonymous.status_code == 401 and "Bearer" in anonymous.headers["WWW-Authenticate"]

    def listed(headers):
        return [
            j["id"]
            for j in requests.get(f"{keyed_api}/v1/jobs", headers=headers, timeout=10).json()[
                "jobs"
            ]
        ]

    assert reply.json()["id"] in listed(mine) and reply.json()["id"] not in listed(theirs)


def test_a_key_over_its_write_limit_gets_429_with_retry_after(keyed_api):
    headers = {"X-API-Key": KEYS[2]}
    answers = [
        requests.post(f"{keyed_api}/v1/jobs", json={}, headers=headers, timeout=10)
        for _ in range(WRITES + 1)
    ]
    assert [a.status_code for a in answers] == [422] * WRITES + [429]
    assert answers[-1].headers["Content-Type"] == "application/problem+json"
    assert 1 <= int(answers[-1].headers["Retry-After"]) <= 60
    other = requests.post(
        f"{keyed_api}/v1/jobs", json={}, headers={"X-API-Key": KEYS[1]}, timeout=10
    )
    assert other.status_code == 422  # another key has its own count
