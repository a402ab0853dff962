"""Results over real HTTP from a real worker: the size estimate, ?fields=, result.npz, limits."""

from __future__ import annotations

import io
import json

import numpy as np
import pytest
import requests

import model
from api import create_app
from tests.support.waiting import PATIENCE
from worker.settings import Settings

SHAPES = {
    "lesson": {
        "network": {"layers": [784, 16, 16, 10]},
        "batch": {"dataset": "digits", "resolution": 28, "size": 100},
    },
    "small-digits": {
        "network": {"layers": [64, 30, 10]},
        "batch": {"dataset": "digits", "size": 50},
    },
    "tanh-random": {
        "network": {"layers": [50, 40, 30], "activation": "tanh"},
        "batch": {"dataset": "random", "size": 20},
    },
    "softmax": {
        "network": {"layers": [784, 64, 10], "cost": "cross_entropy"},
        "batch": {"dataset": "digits", "resolution": 28, "size": 30},
    },
    "per-example": {
        "network": {"layers": [64, 20, 10]},
        "batch": {"dataset": "digits", "size": 40},
        "include": {"per_example": True},
    },
    "no-layers": {
        "network": {"layers": [784, 16, 16, 10]},
        "batch": {"dataset": "digits", "resolution": 28, "size": 100},
        "include": {"layers": False},
    },
    "wishes-only": {
        "network": {"layers": [784, 64, 10], "cost": "cross_entropy"},
        "batch": {"dataset": "digits", "resolution": 28, "size": 30},
        "include": {"layers": False, "gradients": False},
    },
    "naive": {
        "network": {"layers": [64, 10, 10]},
        "batch": {"dataset": "digits", "size": 40},
        "methods": ["backprop", "naive"],
    },
    "naive-sample": {
        "network": {"layers": [784, 30, 10]},
        "batch": {"dataset": "digits", "resolution": 28, "size": 40},
        "methods": ["backprop", "naive"],
        "naive": {"sample": 500},
    },
    "trained": {
        "network": {"preset": "lesson-untrained"},
        "batch": {"dataset": "mnist", "split": "train", "size": 20},
        "train": {"steps": 30, "batch_size": 10},
        "include": {"averaging": True, "parameters": True},
    },
    "inline": {
        "network": {"layers": [3, 4, 2]},
        "batch": {"inputs": [[0, 1, 0.5], [0, -2, 0.25]], "targets": [[1, 0], [0, 1]]},
        "include": {"per_example": True},
    },
}


def finished(api: str, spec: dict) -> dict:
    reply = requests.post(f"{api}/v1/jobs", json=spec, params={"wait": 5}, timeout=PATIENCE)
    assert reply.status_code in (200, 202), reply.text
    job = reply.json()
    while job["status"] not in ("succeeded", "failed", "cancelled"):
        job = requests.get(f"{api}/v1/jobs/{job['id']}", timeout=PATIENCE).json()
    assert job["status"] == "succeeded", job["error"]
    return job


@pytest.fixture(scope="module")
def jobs(live_api: str) -> dict[str, dict]:
    return {name: finished(live_api, spec) for name, spec in SHAPES.items()}


def served_result_bytes(api: str, job_id: str) -> bytes:
    """The result's JSON text as served (the body of ?fields=result is {"result":<it>})."""
    body = requests.get(
        f"{api}/v1/jobs/{job_id}", params={"fields": "result"}, timeout=PATIENCE
    ).content
    assert body.startswith(b'{"result":') and body.endswith(b"}")
    return body[len(b'{"result":') : -1]


@pytest.mark.parametrize("name", SHAPES)
def test_the_estimate_is_within_10_percent_of_the_served_json(live_api, jobs, name):
    job = jobs[name]
    text = served_result_bytes(live_api, job["id"])
    assert json.loads(text) == job["result"]
    result_bytes = len(text)
    estimate = job["result_size"]["estimate"]
    assert abs(estimate - result_bytes) <= 0.10 * result_bytes, (estimate, result_bytes)
    assert 0 < job["result_size"]["stored"] <= job["result_size"]["reserved"]


@pytest.mark.parametrize(
    "fields, job_keys, result_keys",
    [
        ("cost,wishes,timing", set(), {"cost", "wishes", "timing"}),
        ("cost,timing", set(), {"cost", "timing"}),
        ("status,id,gradients", {"status", "id"}, {"gradients"}),
        # the job's widths and the result's layers (its bias and weights stored as -gradients)
        ("layers", {"layers"}, {"layers"}),
        ("status,progress,result_size", {"status", "progress", "result_size"}, None),
        ("result", set(), "all"),
    ],
)
def test_fields_returns_exactly_the_asked_fields(live_api, jobs, fields, job_keys, result_keys):
    job = jobs["naive"]
    got = requests.get(
        f"{live_api}/v1/jobs/{job['id']}", params={"fields": fields}, timeout=PATIENCE
    ).json()
    if result_keys is None:
        assert set(got) == job_keys
        return
    assert set(got) == job_keys | {"result"}
    want = set(job["result"]) if result_keys == "all" else result_keys
    assert got["result"] == {k: job["result"][k] for k in want}
    for key in job_keys:
        assert got[key] == job[key]


def test_an_unknown_field_is_a_422_naming_it(live_api, jobs):
    reply = requests.get(
        f"{live_api}/v1/jobs/{jobs['naive']['id']}",
        params={"fields": "cost,colour"},
        timeout=PATIENCE,
    )
    assert reply.status_code == 422
    problem = reply.json()
    assert (
        problem["errors"][0]["field"] == "fields" and "'colour'" in problem["errors"][0]["message"]
    )


@pytest.mark.parametrize("fields", ["", " ", "cost,", ",cost", "cost,,timing"])
def test_an_empty_field_name_is_a_422_listing_the_names(live_api, jobs, fields):
    # the document's pattern for ?fields= wants one name or more and no empty ones
    reply = requests.get(
        f"{live_api}/v1/jobs/{jobs['naive']['id']}", params={"fields": fields}, timeout=PATIENCE
    )
    assert reply.status_code == 422
    assert reply.headers["Content-Type"] == "application/problem+json"
    (error,) = reply.json()["errors"]
    assert error["field"] == "fields" and "empty" in error["message"]
    assert "status" in error["message"] and "wishes" in error["message"]


@pytest.mark.parametrize(
    "name", ["lesson", "naive", "naive-sample", "per-example", "inline", "trained"]
)
def test_result_npz_equals_the_json_to_the_last_bit(live_api, jobs, name):
    job = jobs[name]
    reply = requests.get(f"{live_api}/v1/jobs/{job['id']}/result.npz", timeout=PATIENCE)
    assert reply.status_code == 200 and reply.headers["Content-Type"] == "application/zip"
    npz = np.load(io.BytesIO(reply.content), allow_pickle=False)
    rest = json.loads(npz["result.json"])
    arrays = {name: npz[name] for name in npz.files if name != "result.json"}
    assert arrays, "a result has arrays"
    seen = set()

    def check(part, whole, path):
        if isinstance(part, dict) and "$array" in part:
            assert part["$array"] == path
            parsed = np.array(whole, dtype=np.float64)
            assert arrays[path].dtype == np.float64 and arrays[path].shape == parsed.shape
            # bit for bit, so -0.0 and 0.0 differ
            assert np.array_equal(arrays[path].view(np.uint64), parsed.view(np.uint64)), path
            seen.add(path)
        elif isinstance(part, dict):
            assert part.keys() == whole.keys()
            for k in part:
                check(part[k], whole[k], f"{path}/{k}" if path else k)
        elif isinstance(part, list):
            assert len(part) == len(whole)
            for i, (p, w) in enumerate(zip(part, whole)):
                check(p, w, f"{path}/{i}")
        else:
            assert part == whole and type(part) is type(whole), path

    check(rest, job["result"], "")
    assert seen == set(arrays)
    assert "gradients/weights/0" in arrays and "wishes/0" in arrays
    if "training" in job["result"]:
        assert arrays["training/parameters/weights/1"].shape == (16, 16)
        assert arrays["training/cost"].shape == (job["result"]["training"]["steps"],)
    layers = job["result"]["network"]["layers"]
    assert arrays["gradients/weights/0"].shape == (layers[1], layers[0])


def test_negative_zero_survives_the_store(live_api, jobs):
    """digits' blank border: dC/dW(1) is 0.0 there, and the three ways' -dC/dW is -0.0."""
    job = jobs["lesson"]
    npz = np.load(
        io.BytesIO(
            requests.get(f"{live_api}/v1/jobs/{job['id']}/result.npz", timeout=PATIENCE).content
        ),
        allow_pickle=False,
    )
    ways = npz["layers/0/three_ways/weights"]
    assert np.signbit(ways[ways == 0]).any()
    assert "-0.0" in json.dumps(job["result"]["layers"][0]["three_ways"]["weights"])


def test_npz_of_a_job_without_a_result_is_a_problem(live_api):
    reply = requests.post(
        f"{live_api}/v1/jobs",
        json={
            **SHAPES["naive"],
            "naive": {"sample": 1},
            "batch": {"dataset": "digits", "size": 1800},
        },
        timeout=PATIENCE,
    )
    assert reply.status_code == 422  # not even queued: digits has 1797
    assert (
        requests.get(f"{live_api}/v1/jobs/never-issued/result.npz", timeout=PATIENCE).status_code
        == 404
    )


def test_a_result_over_max_result_bytes_is_refused_with_the_estimate(redis_url):
    app = create_app(
        Settings(redis_url=redis_url, queue_prefix="unit-no-worker-", max_result_bytes=2_000_000)
    )
    spec = {
        "network": {"layers": [784, 300, 10]},
        "batch": {"dataset": "digits", "resolution": 28, "size": 10},
    }
    reply = app.test_client().post("/v1/jobs", json=spec)
    assert reply.status_code == 422 and reply.mimetype == "application/problem+json"
    error = reply.get_json()["errors"][0]
    assert error["field"] == "include" and error["limit"] == 2_000_000
    actual = len(json.dumps(model.jsonable(model.run(spec)), separators=(",", ":")))  # 14.5 MB
    assert abs(error["estimate"]["result_bytes"] - actual) < 0.1 * actual
    assert error["fit"] == ["include.layers", "include.gradients"]
    assert "include.layers" in error["message"]
    fits = spec | {"include": {"layers": False, "gradients": False}}
    assert model.result_too_big(model.parse_spec(fits), 2_000_000) is None


def test_the_full_job_is_written_out_in_pieces(live_api, jobs):
    """Streamed as it is written (no Content-Length: chunked), not built whole first."""
    job = jobs["lesson"]
    plain = {"Accept-Encoding": "identity"}  # the pieces as written, not compressed
    with requests.get(
        f"{live_api}/v1/jobs/{job['id']}", headers=plain, stream=True, timeout=PATIENCE
    ) as reply:
        assert "Content-Length" not in reply.headers
        assert reply.headers["Transfer-Encoding"] == "chunked"
        pieces = list(reply.raw.read_chunked(decode_content=False))
    assert len(pieces) > 5  # 64 kB pieces of about 0.9 MB
    assert json.loads(b"".join(pieces)) == job


def test_a_submit_with_wait_answers_only_the_fields_asked(live_api, jobs):
    spec = SHAPES["naive"]
    reply = requests.post(
        f"{live_api}/v1/jobs",
        json=spec,
        params={"wait": 5, "fields": "id,status,wishes.2,layers.consistency,timing.speedup"},
        timeout=PATIENCE,
    )
    assert reply.status_code == 200 and reply.headers["Location"].endswith(reply.json()["id"])
    got = reply.json()
    assert set(got) == {"id", "status", "result"} and got["status"] == "succeeded"
    whole = requests.get(f"{live_api}/v1/jobs/{got['id']}", timeout=PATIENCE).json()["result"]
    assert got["result"] == {
        "wishes": [None, None, whole["wishes"][2]],
        "layers": [{"consistency": layer["consistency"]} for layer in whole["layers"]],
        "timing": {"speedup": whole["timing"]["speedup"]},
    }


@pytest.mark.parametrize("fields", ["wishes.3", "cost.value", "wishes.0.1", "layers..3"])
def test_a_path_that_leads_nowhere_is_a_422_naming_it(live_api, jobs, fields):
    job = jobs["naive"]  # a 64-10-10 net: wishes 0..2
    reply = requests.get(
        f"{live_api}/v1/jobs/{job['id']}", params={"fields": fields}, timeout=PATIENCE
    )
    assert reply.status_code == 422 and reply.headers["Content-Type"].startswith(
        "application/problem+json"
    )
    assert reply.json()["errors"][0]["field"] == "fields"


@pytest.mark.parametrize("layer, neuron", [(0, 12), (1, 3), (2, 9)])
def test_one_neurons_three_ways_are_its_rows_of_the_whole_result(live_api, jobs, layer, neuron):
    job = jobs["naive"]  # 64-10-10
    url = f"{live_api}/v1/jobs/{job['id']}/layers/{layer}/neurons/{neuron}"
    got = requests.get(url, timeout=PATIENCE)
    assert got.status_code == 200, got.text
    got, result = got.json(), job["result"]
    assert got["wish"] == result["wishes"][layer][neuron]
    if layer:
        ways = result["layers"][layer - 1]["three_ways"]
        assert got["three_ways"] == {k: ways[k][neuron] for k in ("bias", "weights", "previous")}
    else:
        assert got["three_ways"] is None
    if layer < 2:
        below = result["layers"][layer]["three_ways"]["previous"]
        assert got["received"] == [row[neuron] for row in below]
    else:
        assert got["received"] is None


def test_a_neuron_out_of_range_or_without_three_ways_is_refused(live_api, jobs):
    base = f"{live_api}/v1/jobs/{jobs['naive']['id']}/layers"
    reply = requests.get(f"{base}/1/neurons/10", timeout=PATIENCE)
    assert reply.status_code == 422 and reply.json()["errors"][0] == {
        "field": "neuron",
        "message": "layer 1 has neurons 0..9",
        "limit": 9,
    }
    assert requests.get(f"{base}/3/neurons/0", timeout=PATIENCE).json()["errors"][0]["limit"] == 2
    bare = f"{live_api}/v1/jobs/{jobs['no-layers']['id']}/layers/1/neurons/0"
    assert requests.get(bare, timeout=PATIENCE).status_code == 409
    assert (
        requests.get(f"{live_api}/v1/jobs/nope/layers/1/neurons/0", timeout=10).status_code == 404
    )
