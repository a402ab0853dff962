"""Real answers of the running service, validated against its own /openapi.json with jsonschema:
results of several specs and includes (every field typed: the result's objects forbid unknown
fields), the job list, cancel and delete, and the error answers."""

from __future__ import annotations

import json
import re

import pytest
import requests
from jsonschema import Draft202012Validator

from tests.support.specs import example

TINY = example("tiny-2-3-2")
LESSON = example("lesson-784-16-16-10")
SPECS = {
    "tiny, every parameter nudged, per example": TINY
    | {"methods": ["backprop", "naive"], "include": {"per_example": True}},
    "tiny, forward differences, nothing but cost and timing": TINY
    | {
        "methods": ["backprop", "naive"],
        "naive": {"difference": "forward"},
        "include": {"gradients": False, "wishes": False, "layers": False},
    },
    "the lesson on digits, sampled": LESSON
    | {"naive": {"sample": 20, "seed": 1}, "batch": {"dataset": "digits", "size": 5}},
    "random, cross entropy, backprop only": {
        "network": {
            "layers": [3, 4, 2],
            "activation": ["tanh", "softmax"],
            "cost": "cross_entropy",
        },
        "batch": {"dataset": "random", "size": 4, "seed": 2},
    },
    "mnist, trained a few steps, averaging, parameters": {
        "network": {"layers": [784, 8, 10]},
        "batch": {"dataset": "mnist", "size": 20, "split": "train"},
        "train": {"steps": 3, "batch_size": 5, "eval_every": 1},
        "include": {"averaging": True, "parameters": True},
        "averaging": {"sizes": [1, 5], "draws": 2},
    },
    "inline labels, float32": {
        "network": {"layers": [2, 2], "dtype": "float32"},
        "batch": {"inputs": [[0.0, 1.0], [1.0, 0.0]], "labels": [1, 0]},
    },
}


@pytest.fixture(scope="module")
def document(live_api) -> dict:
    return requests.get(f"{live_api}/openapi.json", timeout=10).json()


def conforms(document: dict, method: str, template: str, reply: requests.Response) -> None:
    """The answer is one the document lists for this operation: its status, its media type,
    and a body valid against that schema (refs resolved within the document)."""
    operation = document["paths"][template][method.lower()]
    assert str(reply.status_code) in operation["responses"], (template, reply.status_code)
    content = operation["responses"][str(reply.status_code)].get("content")
    if content is None:
        assert reply.content == b""
        return
    media = reply.headers["Content-Type"].split(";")[0]
    assert media in content, (template, media)
    if media == "text/html":
        return
    schema = content[media]["schema"] | {"components": document["components"]}
    errors = list(Draft202012Validator(schema).iter_errors(reply.json()))
    assert not errors, [f"{list(e.absolute_path)}: {e.message}" for e in errors[:5]]


def test_result_objects_forbid_fields_the_document_does_not_list(document):
    schemas = document["components"]["schemas"]

    def objects(name: str, seen: set[str]):
        if name in seen:
            return
        seen.add(name)
        yield name, schemas[name]
        for ref in re.findall(r'"#/components/schemas/(\w+)"', json.dumps(schemas[name])):
            yield from objects(ref, seen)

    found = dict(objects("Result", set()))
    assert {
        "Result",
        "Gradients",
        "LayerReport",
        "ThreeWays",
        "NaiveReport",
        "TimingReport",
        "NaiveTiming",
        "ExampleDetail",
        "NetworkSummary",
        "BatchSummary",
    } <= found.keys()
    for name, schema in found.items():
        assert schema["additionalProperties"] is False, name


@pytest.mark.parametrize("spec", SPECS.values(), ids=SPECS.keys())
def test_finished_jobs_match_the_document(live_api, document, spec):
    reply = requests.post(f"{live_api}/v1/jobs", json=spec, params={"wait": 5}, timeout=60)
    assert reply.status_code == 200 and reply.json()["status"] == "succeeded", reply.text
    conforms(document, "POST", "/v1/jobs", reply)
    again = requests.get(reply.headers["Location"], timeout=10)
    conforms(document, "GET", "/v1/jobs/{job_id}", again)
    result = again.json()["result"]
    include = spec.get("include", {})
    for block, wanted in (
        ("gradients", include.get("gradients", True)),
        ("layers", include.get("layers", True)),
        ("examples", include.get("per_example", False)),
        ("naive", "naive" in spec.get("methods", [])),
        ("training", "train" in spec),
        ("averaging", include.get("averaging", False)),
    ):
        assert (block in result) == wanted, block  # so each block was validated where it came


def test_lists_cancels_and_deletes_match_the_document(live_api, document):
    job = requests.post(f"{live_api}/v1/jobs", json=TINY, params={"wait": 5}, timeout=60).json()
    page = requests.get(f"{live_api}/v1/jobs", params={"limit": 1}, timeout=10)
    conforms(document, "GET", "/v1/jobs", page)
    conforms(
        document,
        "GET",
        "/v1/jobs",
        requests.get(
            f"{live_api}/v1/jobs", params={"limit": 1, "cursor": page.json()["next"]}, timeout=10
        ),
    )
    cancel = requests.post(f"{live_api}/v1/jobs/{job['id']}/cancel", timeout=10)
    assert cancel.json()["status"] == "succeeded"  # an ended job stays as it ended
    conforms(document, "POST", "/v1/jobs/{job_id}/cancel", cancel)
    conforms(
        document,
        "DELETE",
        "/v1/jobs/{job_id}",
        requests.delete(f"{live_api}/v1/jobs/{job['id']}", timeout=10),
    )
    for path in ("health", "ready", "datasets", "examples"):
        conforms(document, "GET", f"/v1/{path}", requests.get(f"{live_api}/v1/{path}", timeout=10))


@pytest.mark.parametrize(
    "method, path, body, status",
    [
        ("POST", "/v1/jobs", {"network": {"layers": [2, 0]}, "batch": {}}, 422),
        ("POST", "/v1/jobs", b"{", 400),
        ("POST", "/v1/jobs", b"x", 415),
        ("GET", "/v1/jobs?cursor=not-a-token", None, 422),
        ("GET", "/v1/jobs/never-issued", None, 404),
        ("POST", "/v1/jobs/never-issued/cancel", None, 404),
        ("DELETE", "/v1/jobs/never-issued", None, 404),
    ],
)
def test_error_answers_match_the_document(live_api, document, method, path, body, status):
    kwargs = (
        (
            {"json": body}
            if isinstance(body, dict)
            else {
                "data": body,
                "headers": {"Content-Type": "application/json" if body == b"{" else "text/plain"},
            }
        )
        if body
        else {}
    )
    reply = requests.request(method, live_api + path, timeout=10, **kwargs)
    assert reply.status_code == status, reply.text
    assert reply.headers["Content-Type"] == "application/problem+json"
    template = re.sub(r"/never-issued", "/{job_id}", path.split("?")[0])
    conforms(document, method, template, reply)


def test_practice_answers_match_the_document(live_api, document):
    spec = TINY | {"include": {"per_example": True}}
    job = requests.post(f"{live_api}/v1/jobs", json=spec, params={"wait": 5}, timeout=60).json()
    assert job["status"] == "succeeded"
    base = f"{live_api}/v1/jobs/{job['id']}/exercises"
    kinds = set()
    for seed in range(3):
        listing = requests.get(base, params={"count": 8, "seed": seed}, timeout=10)
        conforms(document, "GET", "/v1/jobs/{job_id}/exercises", listing)
        for exercise in listing.json()["exercises"]:
            kinds.add(exercise["kind"])
            options = exercise["answer"].get("options")
            check = requests.post(
                f"{base}/{exercise['id']}/answer",
                timeout=10,
                json={"answer": options[0] if options else 0.5},
            )
            conforms(document, "POST", "/v1/jobs/{job_id}/exercises/{exercise_id}/answer", check)
    assert kinds == {
        "output-wish",
        "output-wish-size",
        "trace-back",
        "three-ways",
        "naive-cost",
        "averaging",
    }
    template = "/v1/jobs/{job_id}/exercises/{exercise_id}/answer"
    for reply in (
        requests.post(f"{base}/not-an-exercise/answer", json={"answer": 1}, timeout=10),
        requests.post(f"{base}/{exercise['id']}/answer", json={"answer": [1]}, timeout=10),
    ):
        conforms(document, "POST", template, reply)
    conforms(
        document, "GET", "/v1/flashcards", requests.get(f"{live_api}/v1/flashcards", timeout=10)
    )
    conforms(
        document,
        "GET",
        "/v1/flashcards",
        requests.get(f"{live_api}/v1/flashcards", params={"job": job["id"]}, timeout=10),
    )
