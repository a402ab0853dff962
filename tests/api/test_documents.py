"""The API's own documents: OpenAPI (from the schemas that validate), /docs, datasets, examples."""

from __future__ import annotations

import model
from worker.settings import Settings


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
    assert set(doc["paths"]) == {"/v1/jobs", "/v1/jobs/{job_id}", "/v1/health", "/v1/ready",
                                 "/v1/datasets", "/v1/presets", "/v1/examples",
                                 "/v1/jobs/{job_id}/exercises",
                                 "/v1/jobs/{job_id}/exercises/{exercise_id}/answer",
                                 "/v1/flashcards", "/v1/jobs/{job_id}/result.npz"}
    assert set(doc["paths"]["/v1/jobs/{job_id}"]) == {"get", "delete"}
    for ops in doc["paths"].values():
        for op in ops.values():
            assert op["summary"] and op["responses"]
    schemas = doc["components"]["schemas"]
    for ref in refs(doc):
        assert ref.removeprefix("#/components/schemas/") in schemas, ref
    assert doc["components"]["schemas"]["JobSpec"]["properties"].keys() == \
        model.JobSpec.model_json_schema()["properties"].keys()
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
    assert [p["name"] for p in listed] == ["lesson-untrained", "lesson-partly-trained",
                                           "lesson-trained"]
    assert [p["recipe"]["steps"] for p in listed] == [0, 200, 6000]
    # the accuracy recomputed from the preset's own parameters
    from model import mnist, presets
    net = presets.network(presets.PRESETS["lesson-trained"], *presets.parameters("lesson-trained"))
    _, activations = net.feedforward(mnist.images("test"))
    accuracy = float((activations[-1].argmax(axis=1) == mnist.labels("test")).mean())
    assert listed[2]["test_accuracy"] == accuracy >= 0.9
    assert all(p["layers"] == [784, 16, 16, 10] and p["parameters"] == 13_002 for p in listed)
    # each one runs as a network.preset on mnist
    for p in listed:
        model.parse_spec({"network": {"preset": p["name"]},
                          "batch": {"dataset": "mnist", "size": 5}})


def test_the_spec_names_the_shipped_presets():
    from typing import get_args

    from model import presets
    assert list(get_args(model.spec.PresetName)) == list(presets.PRESETS)
    assert all(presets.PRESETS[name].layers == tuple(model.spec.PRESET["layers"])
               for name in presets.PRESETS)


def test_examples_are_the_ready_specs_and_valid_under_the_default_limits(client):
    examples = client.get("/v1/examples").get_json()["examples"]
    assert "lesson-784-16-16-10" in [e["name"] for e in examples]
    for example in examples:
        model.parse_spec(example["spec"], Settings().limits)
        assert example["estimate"]["parameters"] > 0


def test_cors_answers_configured_origins(client):
    reply = client.get("/v1/health", headers={"Origin": "https://course.example"})
    assert reply.headers["Access-Control-Allow-Origin"] in ("*", "https://course.example")
