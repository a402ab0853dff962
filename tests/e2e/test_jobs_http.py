"""The service end to end: HTTP -> API -> broker -> Celery worker process -> model.run -> back.

The job's life runs once per broker (`broker_api`): Redis, and RabbitMQ with Redis holding the
records and results.

Long jobs are the lesson's 784-16-16-10 net on 1000 digits with every parameter nudged (about
half a minute of naive passes); each test cancels its own, so the single worker stays free.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
import requests

import model
from api.schemas import Job
from tests.support.specs import OVERFLOW, example
from tests.support.waiting import PATIENCE, poll
from worker.records import TERMINAL

LESSON = example("lesson-784-16-16-10")
SAMPLED = LESSON | {"naive": {"difference": "central", "sample": 200, "seed": 3}}
LONG = LESSON | {"batch": {"dataset": "digits", "resolution": 28, "size": 1000, "seed": 0}}
TINY = example("tiny-2-3-2")
# a batch job (about a second of work) that is not split: it queues behind LONG's parts
QUICK_BATCH = LESSON | {"naive": {"difference": "central", "sample": 4000, "seed": 1}}


def submit(api: str, spec, wait: float | None = None) -> requests.Response:
    params = {"wait": wait} if wait is not None else None
    return requests.post(f"{api}/v1/jobs", json=spec, params=params, timeout=PATIENCE)


def cancel(api: str, job_id: str) -> requests.Response:
    return requests.post(f"{api}/v1/jobs/{job_id}/cancel", timeout=10)


def job(api: str, reply_or_id) -> dict:
    job_id = reply_or_id if isinstance(reply_or_id, str) else reply_or_id.json()["id"]
    reply = requests.get(f"{api}/v1/jobs/{job_id}", timeout=10)
    assert reply.status_code == 200
    return reply.json()


def close(actual, expected, path="result"):
    """Equal structure, numbers within a stated tolerance: the worker runs one BLAS thread and
    this process maybe more, so sums are reordered; central differences divide that rounding
    (~1e-16) by 2 eps (2e-6), so naive numbers get an absolute 1e-8."""
    if isinstance(expected, dict):
        assert actual.keys() == expected.keys(), path
        for key in expected:
            close(actual[key], expected[key], f"{path}.{key}")
    elif isinstance(expected, list) and expected and not isinstance(expected[0], (int, float)):
        assert len(actual) == len(expected), path
        for i, (a, e) in enumerate(zip(actual, expected)):
            close(a, e, f"{path}.{i}")
    elif isinstance(expected, (int, float, list)) and not isinstance(expected, bool):
        atol = 1e-8 if path.startswith("result.naive") else 1e-12
        np.testing.assert_allclose(actual, expected, rtol=1e-9, atol=atol, err_msg=path)
    else:
        assert actual == expected, path


def test_the_lessons_spec_gives_what_model_run_gives(broker_api):
    reply = submit(broker_api, SAMPLED, wait=5)
    assert reply.status_code == 200, reply.text
    body = reply.json()
    Job.model_validate(body)
    assert (
        reply.headers["Location"] == body["links"]["self"] == f"{broker_api}/v1/jobs/{body['id']}"
    )  # absolute: a page on another origin can follow it
    assert body["status"] == "succeeded" and body["spec"] == SAMPLED
    assert body["progress"] == {"done": 400, "total": 400}
    expected = model.jsonable(model.run(SAMPLED))
    for result in (body["result"], job(broker_api, body["id"])["result"]):
        close(
            {k: v for k, v in result.items() if k != "timing"},
            {k: v for k, v in expected.items() if k != "timing"},
        )
        assert result["timing"]["naive"]["passes"] == expected["timing"]["naive"]["passes"]


def test_without_wait_a_job_is_accepted_then_finishes(broker_api):
    reply = submit(broker_api, TINY)
    assert reply.status_code == 202 and reply.json()["status"] in ("queued", "running", "succeeded")
    done = poll(broker_api, reply.json()["id"], lambda j: j["status"] == "succeeded")
    assert done["started_at"] and done["finished_at"] and done["error"] is None


def test_a_long_job_is_202_after_its_wait_shows_rising_progress_and_cancels_promptly(broker_api):
    reply = submit(broker_api, LONG, wait=0.5)
    assert reply.status_code == 202, reply.text
    job_id = reply.json()["id"]
    # three progress reports: the worker writes one every quarter second of its own time, so
    # the passes between two are its work in one such interval (or more, if a poll missed one)
    done = [poll(broker_api, job_id, lambda j: (j["progress"] or {}).get("done", 0) > 0)]
    for _ in range(2):
        after = done[-1]["progress"]["done"]
        done.append(poll(broker_api, job_id, lambda j, after=after: j["progress"]["done"] > after))
    later = done[-1]
    assert later["status"] == "running" and later["progress"]["total"] == 2 * 13002
    interval = max(b["progress"]["done"] - a["progress"]["done"] for a, b in zip(done, done[1:]))

    cancelling = cancel(broker_api, job_id)
    assert cancelling.status_code == 202 and cancelling.json()["status"] == "running"
    at_cancel = cancelling.json()["progress"]["done"]
    ended = poll(broker_api, job_id, lambda j: j["status"] != "running")
    assert ended["status"] == "cancelled" and ended["result"] is None and ended["error"] is None
    # It stopped within a few report intervals of its own work, counted in passes (not in
    # seconds): it looks for the cancel every tenth of a second, so it does less than one
    # interval's passes after the last report before the cancel and about a third of one
    # after the cancel; six leave room for a worker that the shared cores slow down or speed
    # up meanwhile. Not stopping would do the 26,004 passes, all but a few hundred.
    assert ended["progress"]["done"] - at_cancel <= 6 * interval, (at_cancel, interval)


def test_a_cancelled_queued_job_never_starts_and_others_are_undisturbed(broker_api):
    running = submit(broker_api, LONG).json()["id"]
    poll(broker_api, running, lambda j: j["status"] == "running")
    queued, behind = (submit(broker_api, QUICK_BATCH).json() for _ in range(2))
    assert queued["class"] == behind["class"] == "batch"
    queued, behind = queued["id"], behind["id"]
    reply = cancel(broker_api, queued)
    assert reply.status_code == 200 and reply.json()["status"] == "cancelled"
    assert job(broker_api, running)["status"] == "running"
    cancel(broker_api, running)
    assert poll(broker_api, behind, lambda j: j["status"] in TERMINAL)["status"] == "succeeded"
    never = job(broker_api, queued)
    assert never["status"] == "cancelled" and never["started_at"] is None
    assert job(broker_api, running)["status"] == "cancelled"


def test_a_job_that_cannot_run_fails_with_a_reason(broker_api):
    body = submit(broker_api, OVERFLOW, wait=5).json()
    assert body["status"] == "failed" and body["result"] is None
    assert body["error"]["type"] == "/problems/spec" and "finite" in body["error"]["detail"]


def test_unknown_ids_are_404_and_recent_jobs_are_listed(live_api):
    for method, path in (("get", ""), ("delete", ""), ("post", "/cancel")):
        reply = requests.request(method, f"{live_api}/v1/jobs/never-issued{path}", timeout=10)
        assert reply.status_code == 404
        assert reply.headers["Content-Type"] == "application/problem+json"
    mine = submit(live_api, TINY, wait=5).json()["id"]
    page = requests.get(f"{live_api}/v1/jobs", params={"limit": 2}, timeout=10).json()
    assert page["jobs"][0]["id"] == mine and len(page["jobs"]) == 2 and page["next"]
    older = requests.get(
        f"{live_api}/v1/jobs", params={"limit": 2, "cursor": page["next"]}, timeout=10
    ).json()
    assert mine not in [j["id"] for j in older["jobs"]]
    assert older["jobs"][0]["created_at"] <= page["jobs"][1]["created_at"]


def test_a_deleted_job_answers_404_and_a_running_one_stops(live_api):
    done = submit(live_api, TINY, wait=5).json()["id"]
    reply = requests.delete(f"{live_api}/v1/jobs/{done}", timeout=10)
    assert reply.status_code == 204 and reply.content == b""
    assert "Content-Type" not in reply.headers  # a 204 has no body, so no type for one
    assert requests.get(f"{live_api}/v1/jobs/{done}", timeout=10).status_code == 404
    assert requests.delete(f"{live_api}/v1/jobs/{done}", timeout=10).status_code == 404
    listed = requests.get(f"{live_api}/v1/jobs", params={"limit": 100}, timeout=10).json()
    assert done not in [j["id"] for j in listed["jobs"]]

    running = submit(live_api, LONG).json()["id"]
    poll(live_api, running, lambda j: (j["progress"] or {}).get("done", 0) > 0)
    assert requests.delete(f"{live_api}/v1/jobs/{running}", timeout=10).status_code == 204
    # the one worker is free again only once the deleted job has stopped
    behind = submit(live_api, TINY).json()["id"]
    assert poll(live_api, behind, lambda j: j["status"] in TERMINAL)["status"] == "succeeded"
    assert requests.get(f"{live_api}/v1/jobs/{running}", timeout=10).status_code == 404


def test_an_answer_without_a_body_has_no_content_type_and_head_keeps_the_gets(live_api):
    preflight = requests.options(
        f"{live_api}/v1/jobs",
        timeout=10,
        headers={"Origin": "https://course.example", "Access-Control-Request-Method": "POST"},
    )
    assert preflight.status_code == 200 and preflight.content == b""
    assert "Content-Type" not in preflight.headers
    head = requests.head(f"{live_api}/v1/health", timeout=10)
    assert head.status_code == 200 and head.headers["Content-Type"] == "application/json"


def test_health_and_ready(broker_api):
    assert requests.get(f"{broker_api}/v1/health", timeout=10).json() == {"status": "ok"}
    ready = requests.get(f"{broker_api}/v1/ready", timeout=10)
    assert ready.status_code == 200, ready.text
    assert ready.json()["broker"] == "ok" and ready.json()["workers"] >= 1


@pytest.mark.parametrize(
    "data, headers, status",
    [
        (
            b'{"network": {"layers": [2, 3, 2]}, "batch": {"dataset": "random", "size": NaN}}',
            {"Content-Type": "application/json"},
            400,
        ),
        (b"{", {"Content-Type": "application/json"}, 400),
        (json.dumps(TINY).encode(), {"Content-Type": "text/plain"}, 415),
        (json.dumps(TINY | {"extra": 1}).encode(), {"Content-Type": "application/json"}, 422),
        (
            json.dumps(LESSON | {"batch": {"dataset": "digits", "size": 1797}}).encode(),
            {"Content-Type": "application/json"},
            422,
        ),
        (b" " * (9 * 1024 * 1024), {"Content-Type": "application/json"}, 413),
    ],
)
def test_bad_input_over_http_is_a_4xx_problem(live_api, data, headers, status):
    reply = requests.post(f"{live_api}/v1/jobs", data=data, headers=headers, timeout=PATIENCE)
    assert reply.status_code == status, reply.text
    assert reply.headers["Content-Type"] == "application/problem+json"
    assert reply.json()["status"] == status
