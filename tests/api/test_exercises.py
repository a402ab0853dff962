"""Exercises and answers: every expected answer is recomputed here from the job's JSON (the
result, and the spec's weights), never by calling the generator, and the API must accept it."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest

from api import create_app
from api.clients import owner_id
from api.practice.schemas import AnswerCheck, Exercises
from model import prepare
from tests.support.practice_jobs import KINDS, SPECS, finished, result
from tests.support.problems import problem
from worker.records import JobStore
from worker.results import ResultStore
from worker.settings import Settings

WAYS = ("bias", "weight", "previous")


@pytest.fixture(scope="module")
def store(redis_url) -> JobStore:
    return JobStore.from_settings(Settings(redis_url=redis_url, job_ttl=600))


@pytest.fixture(scope="module")
def client(redis_url):
    return create_app(Settings(redis_url=redis_url, queue_prefix="unit-no-worker-")).test_client()


@pytest.fixture(scope="module")
def jobs(store) -> dict[str, str]:
    return {name: finished(store, name) for name in SPECS}


def exercises(client, job_id: str, **query) -> list[dict]:
    reply = client.get(f"/v1/jobs/{job_id}/exercises", query_string=query)
    assert reply.status_code == 200, reply.get_data(as_text=True)
    Exercises.model_validate(reply.get_json())  # the documented shape, kind by kind
    return reply.get_json()["exercises"]


def answer(client, job_id: str, exercise: dict, value) -> dict:
    reply = client.post(
        f"/v1/jobs/{job_id}/exercises/{exercise['id']}/answer", json={"answer": value}
    )
    assert reply.status_code == 200, reply.get_data(as_text=True)
    return AnswerCheck.model_validate(reply.get_json()).model_dump()


# -- the answers, worked out from the job's JSON -------------------------------------------------


def example_wishes(res: dict, l: int) -> list:
    """Every example's wishes of layer l: one example's are the batch's `wishes[l]`."""
    examples = res["examples"]
    return examples["wishes"][l] if "wishes" in examples else [res["wishes"][l]]


def z_gradient(name: str, l: int) -> np.ndarray:
    """-dC_i/dz_j(l) per example (B, n_l), from the per-example activations and wishes."""
    res, spec = result(name), SPECS[name]
    a = np.array(res["examples"]["activations"][l])
    wish = np.array(example_wishes(res, l))
    f = res["network"]["activations"][l - 1]
    if f == "softmax":  # with cross-entropy: -dC/dz = y - a (one-hot targets)
        return np.array(res["examples"]["targets"]) - a
    slope = {"sigmoid": a * (1 - a), "tanh": 1 - a * a, "identity": np.ones_like(a)}[f]
    assert spec["network"].get("activation", "sigmoid") in ("sigmoid", "tanh")
    return slope * wish


def weights(name: str) -> list[np.ndarray]:
    network = SPECS[name]["network"]
    if "weights" in network:
        return [np.array(w) for w in network["weights"]]
    return prepare(SPECS[name]).net.weights


def expected(name: str, exercise: dict):
    res, data = result(name), exercise["data"]
    sizes = res["network"]["layers"]
    top = len(sizes) - 1
    kind = exercise["kind"]
    if kind == "output-wish":
        if data["example"] is None:
            wishes = np.array(res["wishes"][top])
        else:
            a, y = np.array(data["activations"]), np.array(data["targets"])
            wishes = -2 * (a - y) if res["network"]["cost"] == "squared_error" else y - a
            np.testing.assert_allclose(
                wishes, example_wishes(res, top)[data["example"]], rtol=1e-9, atol=1e-12
            )
        return int(np.argmax(wishes) if data["direction"] == "rise" else np.argmin(wishes))
    if kind == "output-wish-size":
        i, j = data["example"], data["neuron"]
        assert data["activation"] == res["examples"]["activations"][top][i][j]
        assert data["target"] == res["examples"]["targets"][i][j]
        return -2 * (data["activation"] - data["target"])
    if kind == "trace-back":
        l, j, k = data["layer"], data["neuron"], data["previous"]
        if data["quantity"] == "share":
            share = res["layers"][l - 1]["three_ways"]["previous"][j][k]
            by_hand = weights(name)[l - 1][j, k] * z_gradient(name, l)[:, j].mean()
            np.testing.assert_allclose(share, by_hand, rtol=1e-9, atol=1e-15)
            return share
        wish = res["wishes"][l - 1][k]
        by_hand = sum(weights(name)[l - 1][:, k] * z_gradient(name, l).mean(axis=0))
        np.testing.assert_allclose(wish, by_hand, rtol=1e-9, atol=1e-15)
        return wish
    if kind == "three-ways":
        l, j, k = data["layer"], data["neuron"], data["previous"]
        g = z_gradient(name, l)[:, j]
        a = np.array(res["examples"]["activations"][l - 1])[:, k]
        sizes3 = [abs(g.mean()), abs((g * a).mean()), abs(weights(name)[l - 1][j, k] * g.mean())]
        return WAYS[int(np.argmax(sizes3))]
    if kind == "naive-cost":
        parameters = sum(n * (m + 1) for m, n in zip(data["layers"][:-1], data["layers"][1:]))
        return parameters + 1 if data["difference"] == "forward" else 2 * parameters
    if data["variant"] == "layer":
        consistency = [layer["consistency"] for layer in res["layers"]]
        return int(np.argmax(consistency)) + 1
    each = np.array(example_wishes(res, data["layer"]))[:, data["neuron"]]
    return "agrees" if np.sign(each[data["example"]]) == np.sign(each.mean()) else "disagrees"


def numbers_in(node) -> list[float]:
    if isinstance(node, dict):
        return [v for value in node.values() for v in numbers_in(value)]
    if isinstance(node, list):
        return [v for value in node for v in numbers_in(value)]
    return [node] if isinstance(node, int | float) and not isinstance(node, bool) else []


def wrong(exercise: dict, right):
    if exercise["answer"]["type"] == "number":
        return right * 1.5 + 1
    return next(o for o in exercise["answer"]["options"] if o != right)


# -- the tests -----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["tiny", "digit", "softmax"])
def test_every_kind_is_answered_as_the_jobs_numbers_say(client, jobs, name):
    seen = set()
    for seed in range(3):
        for exercise in exercises(client, jobs[name], count=10, seed=seed):
            seen.add(exercise["kind"])
            assert "expected" not in exercise and "explanation" not in exercise
            if exercise["kind"] == "three-ways" and not result(name).get("examples"):
                continue
            right = expected(name, exercise)
            check = answer(client, jobs[name], exercise, right)
            assert check["correct"], (exercise, check)
            if isinstance(right, float):
                np.testing.assert_allclose(check["expected"], right, rtol=1e-12)
            else:
                assert check["expected"] == right
            if exercise["answer"]["type"] == "number":  # the answer is not among what is shown
                assert not any(
                    np.isclose(v, right, rtol=1e-9, atol=0) for v in numbers_in(exercise)
                ), exercise
            refused = answer(client, jobs[name], exercise, wrong(exercise, right))
            assert refused["correct"] is False and refused["expected"] == check["expected"]
            assert refused["explanation"] == check["explanation"]
    assert seen == set(KINDS) - ({"averaging"} if name == "digit" else set()) - (
        {"output-wish-size"} if name == "softmax" else set()
    )


def test_a_batch_without_per_example_detail_asks_about_the_mean(client, jobs):
    found = exercises(client, jobs["batch"], count=12, seed=1)
    kinds = {e["kind"] for e in found}
    assert kinds == {"output-wish", "trace-back", "three-ways", "naive-cost", "averaging"}
    for exercise in found:
        if exercise["kind"] == "output-wish":
            assert exercise["data"]["example"] is None
        if exercise["kind"] == "averaging":
            assert exercise["data"]["variant"] == "layer"
        if exercise["kind"] in ("output-wish", "averaging", "naive-cost"):
            assert answer(client, jobs["batch"], exercise, expected("batch", exercise))["correct"]


def test_a_trace_explains_with_the_weight_slope_and_wish(client, jobs):
    res = result("digit")
    found = [
        e
        for seed in range(6)
        for e in exercises(client, jobs["digit"], count=10, kinds="trace-back", seed=seed)
        if e["data"]["quantity"] == "share" and e["data"].get("slope") is not None
    ]
    exercise = found[0]
    data = exercise["data"]
    l, j, k = data["layer"], data["neuron"], data["previous"]
    a = res["examples"]["activations"][l][0][j]
    np.testing.assert_allclose(data["slope"], a * (1 - a), rtol=1e-9)  # sigmoid: a(1 - a)
    np.testing.assert_allclose(data["wish"], res["wishes"][l][j], rtol=1e-12)
    np.testing.assert_allclose(data["weight"], weights("digit")[l - 1][j, k], rtol=1e-9)
    text = answer(client, jobs["digit"], exercise, 0.0)["explanation"]
    share = res["layers"][l - 1]["three_ways"]["previous"][j][k]
    for number in (data["weight"], data["slope"], data["wish"], share, res["wishes"][l - 1][k]):
        assert f"{abs(number):.4g}" in text, (number, text)


def test_a_tie_accepts_every_tied_answer(client, jobs):
    assert result("twins")["wishes"][2][0] == result("twins")["wishes"][2][1]
    exercise = exercises(client, jobs["twins"], count=1, kinds="output-wish")[0]
    assert exercise["answer"]["options"] == [0, 1]
    checks = [answer(client, jobs["twins"], exercise, option) for option in (0, 1)]
    assert all(check["correct"] for check in checks)
    assert checks[0]["expected"] == checks[1]["expected"] == 0  # the first of the tied


def tolerance_case(client, jobs) -> tuple[dict, float]:
    exercise = next(
        e
        for e in exercises(client, jobs["tiny"], count=10, kinds="trace-back")
        if abs(expected("tiny", e)) > 1e-6
    )
    return exercise, expected("tiny", exercise)


@pytest.mark.parametrize(
    "factor, correct",
    [(1.0099, True), (0.9901, True), (1.0101, False), (0.9899, False), (-1, False)],
)
def test_numbers_are_right_within_the_stated_relative_tolerance(client, jobs, factor, correct):
    exercise, right = tolerance_case(client, jobs)
    assert exercise["answer"] == {"type": "number", "tolerance": 0.01}
    assert answer(client, jobs["tiny"], exercise, right * factor)["correct"] is correct


@pytest.mark.parametrize(
    "offset, correct", [(0, True), (0.0, True), (1, False), (-1, False), (0.5, False)]
)
def test_pass_counts_are_exact(client, jobs, offset, correct):
    exercise = exercises(client, jobs["tiny"], count=1, kinds="naive-cost")[0]
    assert exercise["answer"] == {"type": "number", "tolerance": 0.0}
    assert (
        answer(client, jobs["tiny"], exercise, expected("tiny", exercise) + offset)["correct"]
        is correct
    )


def test_the_same_job_and_seed_give_the_same_exercises(client, jobs):
    first = exercises(client, jobs["digit"], count=8, seed=4)
    assert exercises(client, jobs["digit"], count=8, seed=4) == first
    assert len(first) == 8 and len({e["id"] for e in first}) == 8
    assert exercises(client, jobs["digit"], count=8, seed=5) != first
    narrowed = exercises(client, jobs["digit"], count=3, kinds="naive-cost,output-wish", seed=4)
    assert [e["kind"] for e in narrowed][:2] == ["naive-cost", "output-wish"]  # in turn
    assert len(narrowed) == 3 and {e["kind"] for e in narrowed} == {"naive-cost", "output-wish"}


def test_an_answer_for_another_job_or_an_unknown_exercise_is_404(client, jobs):
    exercise = exercises(client, jobs["tiny"], count=1)[0]
    for job_id, exercise_id in (
        (jobs["batch"], exercise["id"]),
        (jobs["tiny"], exercise["id"][:-1] + "x"),
        (jobs["tiny"], "trace-back.9.0.0.share.00000000"),
        (jobs["tiny"], "nonsense"),
    ):
        reply = client.post(f"/v1/jobs/{job_id}/exercises/{exercise_id}/answer", json={"answer": 1})
        assert problem(reply, 404)["type"] == "/problems/exercise-not-found"


@pytest.mark.parametrize(
    "body", ["output-wish-size.0.1", "three-ways.1.0.0", "averaging.layer", "trace-back.1.0.0.wish"]
)
def test_a_made_up_id_for_a_kind_the_result_cannot_give_is_404(client, store, body):
    # the tag is public arithmetic; "batch" has no per-example detail, this job no layers
    job_id = finished(store, "bare")
    made_up = f"{body}.{hashlib.sha256(f'{job_id}/{body}'.encode()).hexdigest()[:8]}"
    reply = client.post(f"/v1/jobs/{job_id}/exercises/{made_up}/answer", json={"answer": 1})
    assert problem(reply, 404)["type"] == "/problems/exercise-not-found"


@pytest.mark.parametrize(
    "kind, body, field",
    [
        ("naive-cost", {"answer": "34"}, "answer"),
        ("naive-cost", {"answer": True}, "answer"),
        ("naive-cost", {"answer": None}, "answer"),
        ("naive-cost", {}, "answer"),
        ("naive-cost", {"answer": 34, "extra": 1}, "extra"),
        ("naive-cost", [34], "(body)"),
        ("naive-cost", 34, "(body)"),
        ("naive-cost", {"answer": 10**400}, "answer"),  # an integer past float's range
        ("trace-back", {"answer": -(10**309)}, "answer"),
        ("output-wish", {"answer": 7}, "answer"),  # not one of the options
        ("output-wish", {"answer": 1.0}, "answer"),  # options are written as integers
        ("three-ways", {"answer": "Bias"}, "answer"),
    ],
)
def test_a_bad_answer_is_a_422_naming_the_field(client, jobs, kind, body, field):
    exercise = exercises(client, jobs["tiny"], count=1, kinds=kind)[0]
    reply = client.post(f"/v1/jobs/{jobs['tiny']}/exercises/{exercise['id']}/answer", json=body)
    assert [e["field"] for e in problem(reply, 422)["errors"]] == [field]


def test_a_body_that_is_not_json_is_refused(client, jobs):
    exercise = exercises(client, jobs["tiny"], count=1)[0]
    url = f"/v1/jobs/{jobs['tiny']}/exercises/{exercise['id']}/answer"
    problem(client.post(url, data="1", content_type="text/plain"), 415)
    problem(client.post(url, data="{", content_type="application/json"), 400)


@pytest.mark.parametrize(
    "query, field",
    [
        ({"count": 0}, "count"),
        ({"count": 21}, "count"),
        ({"kinds": "wishes"}, "kinds"),
        ({"seed": -1}, "seed"),
        ({"kinds": "averaging"}, "kinds"),
    ],
)
def test_a_bad_query_is_a_422(client, jobs, query, field):
    reply = client.get(f"/v1/jobs/{jobs['digit']}/exercises", query_string=query)
    assert [e["field"] for e in problem(reply, 422)["errors"]] == [field]


@pytest.mark.parametrize("status", ["queued", "running", "failed", "cancelled"])
def test_a_job_without_a_result_is_409(client, store, status):
    record = store.create(SPECS["tiny"])
    if status != "queued":
        store.start(record["id"])
    if status in ("failed", "cancelled"):
        store.finish(record["id"], status, error={"type": "x", "title": "x", "detail": "x"})
    for url in (f"/v1/jobs/{record['id']}/exercises", f"/v1/flashcards?job={record['id']}"):
        body = problem(client.get(url), 409)
        assert body["type"] == "/problems/job-not-succeeded" and status in body["detail"]
    reply = client.post(
        f"/v1/jobs/{record['id']}/exercises/naive-cost.forward.0/answer", json={"answer": 1}
    )
    problem(reply, 409)


def test_an_unknown_or_expired_job_is_404(client, store):
    job_id = finished(store, "tiny")
    exercise = exercises(client, job_id, count=1)[0]
    store.redis.pexpire(store.key(job_id), 1)
    while store.redis.exists(store.key(job_id)):
        pass
    for reply in (
        client.get(f"/v1/jobs/{job_id}/exercises"),
        client.post(f"/v1/jobs/{job_id}/exercises/{exercise['id']}/answer", json={"answer": 1}),
        client.get("/v1/jobs/never-issued/exercises"),
    ):
        assert problem(reply, 404)["type"] == "/problems/job-not-found"


def test_a_job_whose_result_was_dropped_is_410(client, store):
    job_id = finished(store, "tiny")
    exercise = exercises(client, job_id, count=1)[0]
    # what the result store does to make room for newer results (worker/results.py)
    store.redis.hset(store.key(job_id), "result_expired", "2026-01-01T00:00:00.000Z")
    store.redis.delete(ResultStore.key(job_id))
    for reply in (
        client.get(f"/v1/jobs/{job_id}/exercises"),
        client.post(f"/v1/jobs/{job_id}/exercises/{exercise['id']}/answer", json={"answer": 1}),
        client.get(f"/v1/flashcards?job={job_id}"),
    ):
        assert problem(reply, 410)["type"] == "/problems/result-expired"


def test_another_keys_job_is_404_and_a_key_is_needed(redis_url, store):
    keys = ("practice-key-one-0123456789", "practice-key-two-0123456789")
    keyed = create_app(
        Settings(redis_url=redis_url, queue_prefix="unit-no-worker-", api_keys=keys)
    ).test_client()
    job_id = finished(store, "tiny", owner=owner_id(keys[0]))
    mine, theirs = {"X-API-Key": keys[0]}, {"X-API-Key": keys[1]}
    url = f"/v1/jobs/{job_id}/exercises"
    exercise = keyed.get(url, headers=mine).get_json()["exercises"][0]
    answer_url = f"{url}/{exercise['id']}/answer"
    assert keyed.post(answer_url, headers=mine, json={"answer": 1}).status_code == 200
    problem(keyed.get(url, headers=theirs), 404)
    problem(keyed.post(answer_url, headers=theirs, json={"answer": 1}), 404)
    problem(keyed.get(f"/v1/flashcards?job={job_id}", headers=theirs), 404)
    problem(keyed.get(url), 401)
    problem(keyed.get(f"/v1/flashcards?job={job_id}"), 401)
    assert keyed.get("/v1/flashcards").status_code == 200  # the cards alone stay open
