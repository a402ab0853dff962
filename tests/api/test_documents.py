"""The API's own documents: OpenAPI (from the schemas that validate), /docs, datasets, examples."""

from __future__ import annotations

import ast
import re
from pathlib import Path
from urllib.parse import urljoin

import model
from api.problems import TYPES
from worker.problems import Slug
from worker.settings import Settings

ROOT = Path(__file__).resolve().parents[2]


def refs(node):
    if isinstance(node, dict):
        if "$ref" in node:
            yield node["$ref"]
        for value in node.values():
            yield from refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from refs(value)


def test_openapi_covers_every_route_and_every_ref_resolves(client):
    doc = client.get("/openapi.json").get_json()
    assert doc["openapi"].startswith("3.")
    # every route the app serves, but the page, its files and the documents themselves
    rules = client.application.url_map.iter_rules()
    served = {
        re.sub(r"<(\w+)>", r"{\1}", rule.rule)
        for rule in rules
        if rule.endpoint not in ("static", "index", "docs", "openapi")
    }
    assert set(doc["paths"]) == served
    assert "/v1/jobs/{job_id}/events" in served
    events = doc["paths"]["/v1/jobs/{job_id}/events"]["get"]["responses"]
    assert set(events["200"]["content"]) == {"text/event-stream"}
    assert set(doc["paths"]["/v1/jobs/{job_id}"]) == {"get", "delete"}
    assert set(doc["paths"]["/v1/jobs/{job_id}/cancel"]) == {"post"}
    for ops in doc["paths"].values():
        for op in ops.values():
            assert op["summary"] and op["responses"]
    schemas = doc["components"]["schemas"]
    for ref in refs(doc):
        assert ref.removeprefix("#/components/schemas/") in schemas, ref
    assert (
        doc["components"]["schemas"]["JobSpec"]["properties"].keys()
        == model.JobSpec.model_json_schema()["properties"].keys()
    )
    body = doc["paths"]["/v1/jobs"]["post"]["requestBody"]["content"]["application/json"]
    assert body["schema"]["$ref"].endswith("/JobSpec")
    assert "max_layers = 3" in doc["info"]["description"]


def test_docs_page_renders_the_document_offline(client):
    reply = client.get("/docs")
    assert reply.status_code == 200 and reply.mimetype == "text/html"
    page = reply.get_data(as_text=True)
    assert "openapi.json" in page
    assert "http://" not in page and "https://" not in page


def test_the_page_is_served_at_root(client):
    reply = client.get("/")
    assert reply.status_code == 200 and reply.mimetype == "text/html"


def test_datasets_describe_mnist_and_the_digits(client):
    mnist, digits, _ = client.get("/v1/datasets").get_json()["datasets"]
    assert (mnist["name"], mnist["count"], mnist["classes"]) == ("mnist", 5000, 10)
    assert {s["name"]: s["count"] for s in mnist["splits"]} == {"train": 4000, "test": 1000}
    assert mnist["resolutions"] == [{"resolution": 28, "inputs": 784}]
    assert (digits["name"], digits["count"], digits["classes"]) == ("digits", 1797, 10)
    assert {r["resolution"]: r["inputs"] for r in digits["resolutions"]} == {8: 64, 28: 784}


def test_presets_list_their_accuracy_and_recipe(client):
    listed = client.get("/v1/presets").get_json()["presets"]
    assert [p["name"] for p in listed] == [
        "lesson-untrained",
        "lesson-partly-trained",
        "lesson-trained",
    ]
    assert [p["recipe"]["steps"] for p in listed] == [0, 200, 6000]
    # the accuracy recomputed from the preset's own parameters
    from model import mnist, presets

    net = presets.network(presets.PRESETS["lesson-trained"], *presets.parameters("lesson-trained"))
    activations, _ = net.feedforward(mnist.images("test"))
    accuracy = float((activations[-1].argmax(axis=1) == mnist.labels("test")).mean())
    assert listed[2]["test_accuracy"] == accuracy >= 0.9
    assert all(p["layers"] == [784, 16, 16, 10] and p["parameters"] == 13_002 for p in listed)
    # each one runs as a network.preset on mnist
    for p in listed:
        model.parse_spec(
            {"network": {"preset": p["name"]}, "batch": {"dataset": "mnist", "size": 5}}
        )


def test_the_spec_names_the_shipped_presets():
    from typing import get_args

    from model import presets

    assert list(get_args(model.spec.PresetName)) == list(presets.PRESETS)
    assert all(
        presets.PRESETS[name].layers == tuple(model.spec.PRESET["layers"])
        for name in presets.PRESETS
    )


def test_examples_are_the_ready_specs_and_valid_under_the_default_limits(client):
    examples = client.get("/v1/examples").get_json()["examples"]
    assert "lesson-784-16-16-10" in [e["name"] for e in examples]
    for example in examples:
        model.parse_spec(example["spec"], Settings().limits)
        assert example["estimate"]["parameters"] > 0


def test_cors_answers_configured_origins(client):
    reply = client.get("/v1/health", headers={"Origin": "https://course.example"})
    assert reply.headers["Access-Control-Allow-Origin"] in ("*", "https://course.example")


def test_cors_exposes_the_headers_a_script_needs_and_offers_only_the_apis_methods(client):
    origin = {"Origin": "https://course.example"}
    refused = client.post("/v1/jobs", data="x", headers=origin)
    exposed = {h.strip() for h in refused.headers["Access-Control-Expose-Headers"].split(",")}
    assert {"Location", "Retry-After", "WWW-Authenticate"} <= exposed
    preflight = client.options(
        "/v1/jobs/some-id",
        headers=origin
        | {
            "Access-Control-Request-Method": "DELETE",
            "Access-Control-Request-Headers": "X-API-Key, Content-Type",
        },
    )
    offered = {m.strip() for m in preflight.headers["Access-Control-Allow-Methods"].split(",")}
    assert offered == {"GET", "POST", "DELETE"}
    allowed = preflight.headers["Access-Control-Allow-Headers"].lower()
    assert "x-api-key" in allowed and "content-type" in allowed
    # every method offered is one the API has
    doc = client.get("/openapi.json").get_json()
    used = {m.upper() for ops in doc["paths"].values() for m in ops}
    assert offered == used


def problem_types_in_source() -> set[str]:
    """Every problem type the code can answer or record: the slugs given to Problem(...) and
    uri(...) as strings, every `Slug.NAME` named, and literal /problems/ paths."""
    found = set()
    for path in [*ROOT.glob("api/**/*.py"), *ROOT.glob("worker/**/*.py")]:
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and re.fullmatch(r"/problems/[a-z-]+", node.value)
            ):
                found.add(node.value.removeprefix("/problems/"))
            if isinstance(node, ast.Attribute) and getattr(node.value, "id", "") == "Slug":
                found.add(Slug[node.attr].value)
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", getattr(node.func, "attr", ""))
            args = [a for a in node.args if isinstance(a, ast.Constant)]
            if name == "Problem" and len(node.args) >= 4 and node.args[3] in args:
                found.add(node.args[3].value)
            if name == "uri" and node.args and node.args[0] in args:
                found.add(node.args[0].value)
    return found


def test_every_slug_has_a_page_and_every_page_a_slug():
    assert set(TYPES) == set(Slug)
    assert all(title and text for title, text in TYPES.values())


def test_every_problem_type_used_has_a_page(client):
    used = problem_types_in_source()
    assert {
        "validation",
        "job-not-found",
        "malformed-json",
        "unavailable",
        "not-ready",
        "api-key",
        "rate-limit",
        "no-worker",
        "spec",
        "time-limit",
        "internal",
        "not-finite",
        "job-not-succeeded",
        "exercise-not-found",
    } <= used  # the scan works
    for slug in used:
        reply = client.get(f"/problems/{slug}")
        assert reply.status_code == 200 and reply.mimetype == "text/html", slug
        assert TYPES[slug][0] in reply.get_data(as_text=True)
    assert client.get("/problems/no-such-type").status_code == 404


def test_a_problems_type_resolves_against_the_answers_url_to_its_page(client):
    reply = client.post("/v1/jobs", json={"network": {"layers": [2, 2]}, "batch": {}})
    page = client.get(urljoin(reply.request.url, reply.get_json()["type"]))
    assert page.status_code == 200 and "Invalid request" in page.get_data(as_text=True)
