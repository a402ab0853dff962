"""Real answers of the running service, validated against its own /openapi.json with jsonschema:
results of several specs and includes (every field typed: the result's objects forbid unknown
fields), the job list, cancel and delete, the error answers, result.npz by either name, and
event streams read event by event as a browser reads them, each event against the document."""

from __future__ import annotations

import json
import re

import pytest
import requests
from jsonschema import Draft202012Validator, ValidationError, validators

from api import create_app
from tests.support.observe import serve
from tests.support.practice_jobs import KINDS
from tests.support.specs import example
from worker.settings import Settings

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


# a naive job of a second or two: several progress events before its end
STEADY = LESSON | {
    "batch": {"dataset": "digits", "resolution": 28, "size": 200, "seed": 0},
    "naive": {"difference": "central", "sample": 2000, "seed": 2},
}


@pytest.fixture(scope="module")
def document(live_api) -> dict:
    return requests.get(f"{live_api}/openapi.json", timeout=10).json()


def events_of(text: str) -> list[dict]:
    """The events of a text/event-stream as a browser's EventSource dispatches them (WHATWG
    HTML, server-sent events): `event` (default "message"), `data` (its lines joined by a line
    feed), `id`, `retry` (when a number); comments and an event without data lines are none."""
    events, fields, data = [], {}, []
    for line in re.split(r"\r\n|\r|\n", text):
        if not line:
            if data:
                events.append({"event": fields.pop("event", "message"), "data": "\n".join(data)})
                events[-1].update(fields)
            fields, data = {}, []
            continue
        if line.startswith(":"):
            continue
        name, _, value = line.partition(":")
        value = value.removeprefix(" ")
        if name == "data":
            data.append(value)
        elif name in ("event", "id") or (name == "retry" and value.isdigit()):
            fields[name] = int(value) if name == "retry" else value
    return events


def _json_content(validator, schema, instance, parent):
    """contentSchema, asserted: a string of contentMediaType application/json must parse, and
    its value must be valid against the schema (2020-12 leaves it an annotation)."""
    if parent.get("contentMediaType") != "application/json" or not isinstance(instance, str):
        return
    try:
        value = json.loads(instance)
    except ValueError as exc:
        yield ValidationError(f"not JSON: {exc}")
        return
    yield from validator.descend(value, schema)


Events = validators.extend(Draft202012Validator, {"contentSchema": _json_content})


def event_validator(document: dict) -> Draft202012Validator:
    content = document["paths"]["/v1/jobs/{job_id}/events"]["get"]["responses"]["200"]["content"]
    schema = content["text/event-stream"]["schema"]
    return Events(schema | {"components": document["components"]})


def stream_conforms(document: dict, media: str, text: str) -> list[dict]:
    """Each event of a stream is one the document's text/event-stream schema describes (its
    data checked against the JSON schema of its kind); the events."""
    assert media.split(";")[0] == "text/event-stream"
    validator = event_validator(document)
    events = events_of(text)
    for i, event in enumerate(events):
        errors = [
            f"{list(e.absolute_path)}: {e.message[:300]}" for e in validator.iter_errors(event)
        ]
        assert not errors, (i, event["event"], errors)
    return events


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
    assert kinds == set(KINDS)
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


def test_event_streams_match_the_document_event_by_event(live_api, document):
    job = requests.post(f"{live_api}/v1/jobs", json=STEADY, timeout=60).json()
    reply = requests.get(f"{live_api}/v1/jobs/{job['id']}/events", timeout=120)
    events = stream_conforms(document, reply.headers["Content-Type"], reply.text)
    names = [e["event"] for e in events]
    assert names[-1] == "end" and len(names) >= 3 and set(names[:-1]) == {"progress"}, names
    assert json.loads(events[-1]["data"])["status"] == "succeeded"
    # the checker sees what it should refuse: an end whose job lacks a field, a progress with one
    # too many, an event of no kind
    validator = event_validator(document)
    end = json.loads(events[-1]["data"])
    progress = json.loads(events[0]["data"])
    for wrong in (
        {"event": "end", "data": json.dumps({k: v for k, v in end.items() if k != "status"})},
        {"event": "progress", "data": json.dumps(progress | {"cost": 1})},
        {"event": "progress", "data": "{"},
        {"event": "message", "data": json.dumps(progress)},
    ):
        assert not validator.is_valid(wrong), wrong


def test_the_error_event_of_a_job_gone_under_its_stream_matches_the_document(redis_url):
    # no worker takes this prefix's queues: the job stays queued until it is deleted
    app = create_app(Settings(redis_url=redis_url, queue_prefix="conform-no-worker-", job_ttl=60))
    with serve(app) as base:
        doc = requests.get(f"{base}/openapi.json", timeout=10).json()
        job = requests.post(f"{base}/v1/jobs", json=TINY, timeout=10).json()
        with requests.get(f"{base}/v1/jobs/{job['id']}/events", stream=True, timeout=60) as reply:
            assert requests.delete(f"{base}/v1/jobs/{job['id']}", timeout=10).status_code == 204
            text = b"".join(reply.iter_content(None)).decode()  # to the stream's close
            events = stream_conforms(doc, reply.headers["Content-Type"], text)
    names = [e["event"] for e in events]  # a progress (queued) if it was read before the delete
    assert names[-1] == "error" and set(names[:-1]) <= {"progress"}, names
    assert json.loads(events[-1]["data"])["type"] == "/problems/job-not-found"


@pytest.mark.parametrize(
    "accept, media",
    [
        (None, "application/zip"),
        ("application/zip", "application/zip"),
        ("application/octet-stream", "application/octet-stream"),
        ("application/octet-stream, */*;q=0.1", "application/octet-stream"),
    ],
)
def test_result_npz_is_served_by_either_documented_name(live_api, document, accept, media):
    job = requests.post(f"{live_api}/v1/jobs", json=TINY, params={"wait": 5}, timeout=60).json()
    headers = {"Accept": accept} if accept else {}
    reply = requests.get(f"{live_api}/v1/jobs/{job['id']}/result.npz", headers=headers, timeout=60)
    assert reply.status_code == 200 and reply.headers["Content-Type"] == media
    content = document["paths"]["/v1/jobs/{job_id}/result.npz"]["get"]["responses"]["200"][
        "content"
    ]
    assert set(content) == {"application/zip", "application/octet-stream"}
    assert reply.content[:4] == b"PK\x03\x04"  # a zip, whatever its name


# `layers` names the result's per-layer detail (a result key wins over the job's widths)
@pytest.mark.parametrize("fields", ["class,methods,progress", "status,cost,layers", "result", "id"])
def test_a_job_with_fields_matches_the_document(live_api, document, fields):
    job = requests.post(f"{live_api}/v1/jobs", json=TINY, params={"wait": 5}, timeout=60).json()
    reply = requests.get(f"{live_api}/v1/jobs/{job['id']}", params={"fields": fields}, timeout=10)
    conforms(document, "GET", "/v1/jobs/{job_id}", reply)
    asked = set(fields.split(",")) & {"class", "methods", "progress", "status", "id"}
    assert asked <= reply.json().keys()
