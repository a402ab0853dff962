"""GET /v1/jobs/<id>/events over real HTTP: rising progress, one end event with the finished
job, API keys honoured, and a client that goes away frees its place among the held requests."""

from __future__ import annotations

import socket

import pytest
import requests

from api import create_app
from tests.support.observe import read_events, scrape, serve
from tests.support.specs import example
from tests.support.waiting import PATIENCE, wait_until
from worker.settings import Settings

TINY = example("tiny-2-3-2")
LESSON = example("lesson-784-16-16-10")
# a few seconds of naive work in one batch task: several progress reports
STEADY = LESSON | {
    "batch": {"dataset": "digits", "resolution": 28, "size": 200, "seed": 0},
    "naive": {"difference": "central", "sample": 4000, "seed": 2},
}
KEYS = ("events-key-a-0123456789", "events-key-b-0123456789")


def test_a_stream_pushes_rising_progress_then_one_end_with_the_job(live_api):
    job = requests.post(f"{live_api}/v1/jobs", json=STEADY, timeout=PATIENCE).json()
    events = read_events(f"{live_api}/v1/jobs/{job['id']}/events")
    names = [name for name, _ in events]
    assert names[-1] == "end" and names.count("end") == 1
    assert set(names[:-1]) == {"progress"}
    done = [data["progress"]["done"] for _, data in events[:-1]]
    assert done == sorted(done) and len({d for d in done if d > 0}) >= 2, done
    assert all(data["id"] == job["id"] for _, data in events)
    end = events[-1][1]
    assert end["status"] == "succeeded" and end["links"]["self"].endswith(job["id"])
    assert end["progress"]["done"] == end["progress"]["total"] == 8000
    assert end["result"]["naive"]["relative_error"] < 1e-6


def test_a_finished_job_streams_its_end_at_once(live_api):
    job = requests.post(f"{live_api}/v1/jobs?wait=5", json=TINY, timeout=PATIENCE).json()
    assert job["status"] == "succeeded"
    events = read_events(f"{live_api}/v1/jobs/{job['id']}/events")
    assert [name for name, _ in events] == ["end"]
    assert events[0][1]["result"] == job["result"]


def test_an_unknown_job_is_404_before_any_stream(live_api):
    reply = requests.get(f"{live_api}/v1/jobs/never-issued/events", timeout=10)
    assert reply.status_code == 404 and reply.headers["Content-Type"] == "application/problem+json"


@pytest.fixture(scope="module")
def keyed_api(redis_url, queue_prefix, worker):
    app = create_app(Settings(redis_url=redis_url, queue_prefix=queue_prefix, api_keys=KEYS))
    with serve(app) as url:
        yield url


def test_streams_honour_api_keys(keyed_api):
    mine, theirs = {"X-API-Key": KEYS[0]}, {"Authorization": f"Bearer {KEYS[1]}"}
    job = requests.post(f"{keyed_api}/v1/jobs", json=TINY, headers=mine, timeout=10).json()
    url = f"{keyed_api}/v1/jobs/{job['id']}/events"
    assert requests.get(url, timeout=10).status_code == 401
    assert requests.get(url, headers=theirs, timeout=10).status_code == 404
    events = read_events(url, headers=mine)
    assert events[-1][0] == "end" and events[-1][1]["status"] == "succeeded"


def held_streams(base: str) -> float:
    return scrape(base)[("backprop_lab_held_requests", (("kind", "stream"),))]


def test_a_client_that_goes_away_frees_its_stream(redis_url):
    # no worker takes this prefix's queues: the job stays queued and the stream stays open
    app = create_app(Settings(redis_url=redis_url, queue_prefix="events-no-worker-", job_ttl=120))
    with serve(app) as base:
        job = requests.post(f"{base}/v1/jobs", json=TINY, timeout=10).json()
        before = held_streams(base)
        client = socket.create_connection(
            ("127.0.0.1", int(base.rsplit(":", 1)[1])), timeout=PATIENCE
        )
        client.sendall(f"GET /v1/jobs/{job['id']}/events HTTP/1.1\r\nHost: x\r\n\r\n".encode())
        received = b""
        while b"event: progress" not in received:
            received += client.recv(4096)
        assert held_streams(base) == before + 1
        client.close()
        wait_until(lambda: held_streams(base) <= before, "the stream's end with its client")
        requests.delete(f"{base}/v1/jobs/{job['id']}", timeout=10)
