"""Learner sessions over real HTTP on the test Redis: a session opened as a launch would open
it (api.learners.open_session) practises on its one job with its credential alone, with API
keys on; each checked answer is recorded (the first to an exercise only), the score is the
count of right first answers, the round's end runs the finished hooks once, and anything
outside the scope is refused with a problem document."""

from __future__ import annotations

import pytest
import redis
import requests

from api import learners
from api.clients import owner_id
from tests.support.practice_jobs import finished
from tests.support.processes import api_server
from worker.records import JobStore
from worker.settings import Settings

KEY = "platform-key-1"
PROBLEM = "application/problem+json"


@pytest.fixture(scope="module")
def api(redis_url):
    with api_server(redis_url, "unit-no-worker-", api_keys=(KEY,)) as url:
        yield url


@pytest.fixture
def store(redis_url):
    return JobStore.from_settings(Settings(redis_url=redis_url, job_ttl=600))


def open_for(client, scope: learners.Scope, learner: str = "student-7") -> str:
    credential, _ = learners.open_session(
        client,
        learner=learner,
        origin="http://127.0.0.1:9",
        scope=scope,
        issuer={"kind": "lti", "line_item": "https://lms.example/items/1"},
        owner=owner_id(KEY),
        ttl=600,
    )
    return credential


def expected(api: str, job_id: str, exercise: dict):
    """The right answer, asked with the platform's key (not the session: nothing recorded)."""
    guess = exercise["answer"].get("options", [0])[0]
    return answer(api, job_id, exercise["id"], guess, {"X-API-Key": KEY})["expected"]


def answer(api: str, job_id: str, exercise_id: str, value, headers: dict) -> dict:
    reply = requests.post(
        f"{api}/v1/jobs/{job_id}/exercises/{exercise_id}/answer",
        json={"answer": value},
        headers=headers,
        timeout=10,
    )
    assert reply.status_code == 200, reply.text
    return reply.json()


def wrong(exercise: dict, right):
    if exercise["answer"]["type"] == "choice":
        return next(o for o in exercise["answer"]["options"] if o != right)
    return right * 3 + 1


def test_a_session_practises_on_its_job_and_every_first_answer_counts(api, store):
    job = finished(store, "tiny", owner=owner_id(KEY))
    other = finished(store, "digit", owner=owner_id(KEY))
    credential = open_for(store.redis, learners.Scope(job_id=job, count=3))
    session = learners.find(store.redis, credential)
    seen: list[tuple[str, int, int]] = []
    hook = learners.when_finished(
        lambda c, s, score: seen.append((s.sid, score.correct, score.total))
    )
    as_learner = {"X-Learner-Session": credential}
    try:
        listed = requests.get(
            f"{api}/v1/jobs/{job}/exercises?count=3&seed=4", headers=as_learner, timeout=10
        )
        assert listed.status_code == 200, listed.text
        items = listed.json()["exercises"]
        assert len(items) == 3
        rights = [expected(api, job, e) for e in items]
        given = [rights[0], wrong(items[1], rights[1]), rights[2]]
        for exercise, value in zip(items[:2], given[:2]):
            answer(api, job, exercise["id"], value, as_learner)
        # answering the wrong one again, right this time, changes nothing
        assert answer(api, job, items[1]["id"], rights[1], as_learner)["correct"] is True
        score = learners.score(store.redis, session)
        assert (score.correct, score.total, score.finished) == (1, 2, False)
        assert seen == []
        answer(api, job, items[2]["id"], given[2], as_learner)
        score = learners.score(store.redis, session)
        assert (score.correct, score.total, score.finished) == (2, 3, True)
        assert [a["exercise"] for a in score.answers] == [e["id"] for e in items]
        assert [a["correct"] for a in score.answers] == [True, False, True]
        assert seen == [(session.sid, 2, 3)]  # once
        answer(api, job, items[0]["id"], rights[0], as_learner)
        assert seen == [(session.sid, 2, 3)]
    finally:
        learners._FINISHED.remove(hook)

    # outside the scope: another job of the same key, the key's job list, another job's cards
    for method, path in (
        ("get", f"/v1/jobs/{other}"),
        ("get", f"/v1/jobs/{other}/exercises"),
        ("get", "/v1/jobs"),
        ("get", f"/v1/flashcards?job={other}"),
        ("delete", f"/v1/jobs/{job}"),
        ("post", "/v1/jobs"),
    ):
        reply = requests.request(method, api + path, headers=as_learner, json={}, timeout=10)
        assert reply.status_code == 403, (path, reply.text)
        assert reply.headers["Content-Type"] == PROBLEM
        assert reply.json()["type"] == "/problems/learner-session"
    assert requests.get(f"{api}/v1/jobs/{job}", headers=as_learner, timeout=10).status_code == 200
    assert requests.get(f"{api}/v1/presets", headers=as_learner, timeout=10).status_code == 200


def test_an_unknown_credential_is_refused_and_keys_are_still_needed(api, store):
    job = finished(store, "tiny", owner=owner_id(KEY))
    reply = requests.get(
        f"{api}/v1/jobs/{job}", headers={"X-Learner-Session": "not-a-session"}, timeout=10
    )
    assert reply.status_code == 403 and reply.json()["type"] == "/problems/learner-session"
    assert requests.get(f"{api}/v1/jobs/{job}", timeout=10).status_code == 401  # the API key's


def test_a_preset_session_submits_only_its_preset(api, store, redis_url):
    credential = open_for(store.redis, learners.Scope(preset="lesson-trained", count=2))
    as_learner = {"X-Learner-Session": credential}
    spec = {
        "network": {"preset": "lesson-untrained"},
        "batch": {"dataset": "mnist", "indices": [0]},
    }
    reply = requests.post(f"{api}/v1/jobs", json=spec, headers=as_learner, timeout=10)
    assert reply.status_code == 403 and "lesson-trained" in reply.json()["detail"]
    assert learners.of_learner(redis.Redis.from_url(redis_url), owner_id(KEY), "student-7")
