"""The fixed process form: `gunicorn 'api:create_app()'`, configured by the environment only,
with gevent workers: requests held by ?wait or an event stream cost no thread."""

from __future__ import annotations

import requests

from tests.support.observe import held, hold
from tests.support.processes import gunicorn
from tests.support.specs import example
from tests.support.waiting import PATIENCE, wait_until

TINY = example("tiny-2-3-2")


def test_gunicorn_serves_the_app_from_the_environment(redis_url, queue_prefix, worker, tmp_path):
    with gunicorn(
        tmp_path, REDIS_URL=redis_url, QUEUE_PREFIX=queue_prefix, WEB_CONCURRENCY="1", MAX_WAIT="3"
    ) as base:
        assert requests.get(f"{base}/v1/ready", timeout=5).status_code == 200
        assert requests.get(f"{base}/", timeout=5).headers["Content-Type"].startswith("text/html")
        assert "max_wait" not in requests.get(f"{base}/openapi.json", timeout=5).text
        assert "up to 3.0 s" in requests.get(f"{base}/openapi.json", timeout=5).text
        reply = requests.post(f"{base}/v1/jobs?wait=3", json=TINY, timeout=10)
        assert reply.status_code == 200 and reply.json()["status"] == "succeeded"


def test_one_process_holds_200_waits_and_streams_and_still_answers(redis_url, tmp_path):
    """One gevent process, no worker on its queues (jobs stay queued): 50 ?wait requests and
    150 event streams held at once; health, a submit and /metrics answer while every one of
    them is still held, and the streams whose clients go away stop counting."""
    with gunicorn(
        tmp_path,
        REDIS_URL=redis_url,
        QUEUE_PREFIX="held-no-worker-",
        WEB_CONCURRENCY="1",
        MAX_WAIT="60",
        JOB_TTL="300",
        HELD_PER_OWNER="1000",  # all from this one address
    ) as base:
        job = requests.post(f"{base}/v1/jobs", json=TINY, timeout=10).json()
        before = held(base)
        waits = [hold(base, "/v1/jobs?wait=60", TINY) for _ in range(50)]
        streams = [hold(base, f"/v1/jobs/{job['id']}/events") for _ in range(150)]
        try:
            wait_until(
                lambda: (
                    held(base) == {"wait": before["wait"] + 50, "stream": before["stream"] + 150}
                ),
                "200 held",
            )
            assert requests.get(f"{base}/v1/health", timeout=PATIENCE).json() == {"status": "ok"}
            other = requests.post(f"{base}/v1/jobs", json=TINY, timeout=PATIENCE)
            assert other.status_code == 202
            # ... and every held request is still held: none was answered to make room
            assert held(base) == {"wait": before["wait"] + 50, "stream": before["stream"] + 150}
            for client in streams:
                client.close()
            wait_until(lambda: held(base)["stream"] == before["stream"], "streams freed")
        finally:
            for client in waits + streams:
                client.close()
            queued = requests.get(f"{base}/v1/jobs?limit=100", timeout=PATIENCE).json()["jobs"]
            for listed in queued:
                if listed["status"] == "queued":
                    requests.delete(f"{base}/v1/jobs/{listed['id']}", timeout=PATIENCE)


def test_instances_share_no_control_socket(redis_url, queue_prefix, tmp_path):
    # gunicorn's control socket defaults to one path per user (~/.gunicorn/gunicorn.ctl):
    # a second instance would take it over, and stopping either would delete it
    home, one, two = tmp_path / "home", tmp_path / "one", tmp_path / "two"
    for folder in (home, one, two):
        folder.mkdir()
    env = {"REDIS_URL": redis_url, "QUEUE_PREFIX": queue_prefix, "WEB_CONCURRENCY": "1"}
    with gunicorn(one, HOME=str(home), **env) as first:
        with gunicorn(two, HOME=str(home), **env) as second:
            assert requests.get(f"{second}/v1/health", timeout=5).ok
        assert requests.get(f"{first}/v1/health", timeout=5).ok
        assert not (home / ".gunicorn").exists()
