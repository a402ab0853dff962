"""The API's own documents: OpenAPI (from the schemas that validate, saying every rule across
fields JSON Schema can say), /docs, datasets, examples."""

from __future__ import annotations

import ast
import re
from pathlib import Path
from urllib.parse import urljoin

import pytest
from jsonschema import Draft202012Validator

import model
from api import create_app
from api.problems import TYPES
from tests.support.problems import problem
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
    # every route the app serves, but the page, its files, the documents themselves and the
    # LTI flow's browser endpoints (form posts and redirects: api/lti/views.py)
    rules = client.application.url_map.iter_rules()
    served = {
        re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)  # <int:layer> too
        for rule in rules
        if rule.endpoint not in ("static", "index", "docs", "openapi")
        and not rule.endpoint.startswith("lti.")
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


MNIST = {"dataset": "mnist", "size": 2}
LESSON = {"layers": [784, 10]}
PRESET = {"preset": "lesson-untrained"}
INLINE = {"inputs": [[0.0, 1.0]], "labels": [1]}


def job(network=None, batch=None, **rest) -> dict:
    return {"network": network or {"layers": [2, 2]}, "batch": batch or INLINE, **rest}


# each rule the document says: a body that breaks it alone, the field the service names, and
# the body with that one thing mended
RULES = {
    "layers, unless a preset": (job({"activation": "tanh"}), "network.layers", job()),
    "a preset brings its own init": (
        job(PRESET | {"init": {"seed": 1}}, MNIST),
        "network.init",
        job(PRESET, MNIST),
    ),
    "a preset brings its own weights, even null": (
        job(PRESET | {"weights": None}, MNIST),
        "network.weights",
        job(PRESET, MNIST),
    ),
    "a preset's layers": (job(PRESET | LESSON, MNIST), "network.layers", job(LESSON, MNIST)),
    "a preset's cost": (
        job(PRESET | {"cost": "cross_entropy"}, MNIST),
        "network.cost",
        job(PRESET | {"cost": "squared_error"}, MNIST),
    ),
    "weights with biases": (
        job({"layers": [2, 2], "weights": [[[1, 2], [3, 4]]]}),
        "network.biases",
        job({"layers": [2, 2], "weights": [[[1, 2], [3, 4]]], "biases": [[0, 0]]}),
    ),
    "biases with weights": (
        job({"layers": [2, 2], "biases": [[0, 0]], "weights": None}),
        "network.weights",
        job({"layers": [2, 2], "biases": None}),
    ),
    "softmax needs cross_entropy": (
        job({"layers": [2, 2], "activation": "softmax"}),
        "network.activation",
        job({"layers": [2, 2], "activation": "softmax", "cost": "cross_entropy"}),
    ),
    "no softmax in a list without cross_entropy": (
        job({"layers": [2, 3, 2], "activation": ["relu", "softmax"]}),
        "network.activation",
        job({"layers": [2, 3, 2], "activation": ["relu", "sigmoid"]}),
    ),
    "cross_entropy needs a softmax in a list": (
        job({"layers": [2, 3, 2], "activation": ["relu", "relu"], "cost": "cross_entropy"}),
        "network.activation",
        job({"layers": [2, 3, 2], "activation": ["relu", "softmax"], "cost": "cross_entropy"}),
    ),
    "one name softmax is for one weighted layer": (
        job({"layers": [2, 3, 2], "activation": "softmax", "cost": "cross_entropy"}),
        "network.activation",
        job({"layers": [2, 3, 2], "activation": "relu", "cost": "cross_entropy"}),
    ),
    "a list of activations is not empty": (
        job({"layers": [2, 2], "activation": []}),
        "network.activation",
        job({"layers": [2, 2], "activation": ["relu"]}),
    ),
    "targets or labels, not both": (
        job(batch=INLINE | {"targets": [[0, 1]]}),
        "batch.targets",
        job(batch=INLINE | {"labels": None, "targets": [[0, 1]]}),
    ),
    "targets or labels, one of them": (
        job(batch={"inputs": [[0.0, 1.0]]}),
        "batch.targets",
        job(batch={"inputs": [[0.0, 1.0]], "targets": [[0, 1]]}),
    ),
    "inputs are not empty": (
        job(batch={"inputs": [], "labels": []}),
        "batch.inputs",
        job(batch={"inputs": [[0, 0]], "labels": [0]}),
    ),
    "size or indices (the mnist example)": (
        job(LESSON, {"dataset": "mnist"}),
        "batch.size",
        job(LESSON, MNIST),
    ),
    "size or indices, not both": (
        job(LESSON, MNIST | {"indices": [0, 1]}),
        "batch.size",
        job(LESSON, MNIST | {"size": None, "indices": [0, 1]}),
    ),
    "indices are not empty": (
        job(LESSON, {"dataset": "mnist", "indices": []}),
        "batch.indices",
        job(LESSON, {"dataset": "mnist", "indices": [7]}),
    ),
    "random needs size": (
        job(batch={"dataset": "random", "seed": 1}),
        "batch.size",
        job(batch={"dataset": "random", "seed": 1, "size": 3}),
    ),
    "random takes no indices": (
        job(batch={"dataset": "random", "size": 2, "indices": [0]}),
        "batch.indices",
        job(batch={"dataset": "random", "size": 2, "indices": None}),
    ),
    "resolution is the digits'": (
        job(LESSON, MNIST | {"resolution": 28}),
        "batch.resolution",
        job(LESSON, MNIST | {"resolution": None}),
    ),
    "split is mnist's": (
        job({"layers": [64, 10]}, {"dataset": "digits", "size": 2, "split": "test"}),
        "batch.split",
        job({"layers": [64, 10]}, {"dataset": "digits", "size": 2, "split": None}),
    ),
    "mnist test has 1,000": (
        job(LESSON, {"dataset": "mnist", "split": "test", "size": 1001}),
        "batch.size",
        job(LESSON, {"dataset": "mnist", "split": "test", "size": 1000}),
    ),
    "mnist test indices below 1,000": (
        job(LESSON, {"dataset": "mnist", "split": "test", "indices": [1000]}),
        "batch.indices.0",
        job(LESSON, {"dataset": "mnist", "split": "train", "indices": [1000]}),
    ),
    "mnist train indices below 4,000": (
        job(LESSON, {"dataset": "mnist", "indices": [5, 4000]}),
        "batch.indices.1",
        job(LESSON, {"dataset": "mnist", "indices": [5, 3999]}),
    ),
    "digits has 1,797": (
        job({"layers": [64, 10]}, {"dataset": "digits", "size": 1798}),
        "batch.size",
        job({"layers": [64, 10]}, {"dataset": "digits", "size": 1797}),
    ),
    "mnist's input width": (
        job({"layers": [64, 10]}, MNIST),
        "network.layers",
        job(LESSON, MNIST),
    ),
    "8x8 digits' input width": (
        job(LESSON, {"dataset": "digits", "size": 2, "resolution": 8}),
        "network.layers",
        job({"layers": [64, 10]}, {"dataset": "digits", "size": 2, "resolution": 8}),
    ),
    "28x28 digits' input width": (
        job({"layers": [64, 10]}, {"dataset": "digits", "size": 2, "resolution": 28}),
        "network.layers",
        job(LESSON, {"dataset": "digits", "size": 2, "resolution": 28}),
    ),
    "digits' input width by itself": (
        job({"layers": [100, 10]}, {"dataset": "digits", "size": 2}),
        "network.layers",
        job({"layers": [64, 10]}, {"dataset": "digits", "size": 2}),
    ),
    "a preset is not for 8x8 digits": (
        job(PRESET, {"dataset": "digits", "size": 2, "resolution": 8}),
        "network.layers",
        job(PRESET, {"dataset": "digits", "size": 2}),
    ),
    "cross_entropy targets are not negative": (
        job(
            {"layers": [2, 2], "cost": "cross_entropy"},
            {"inputs": [[0, 1]], "targets": [[-0.5, 1.5]]},
        ),
        "batch.targets.0",
        job(
            {"layers": [2, 2], "cost": "cross_entropy"},
            {"inputs": [[0, 1]], "targets": [[0.5, 0.5]]},
        ),
    ),
    "the trained parameters need train": (
        job(include={"parameters": True}),
        "include.parameters",
        job(include={"parameters": True}, train={"steps": 1, "batch_size": 1}),
    ),
    "a mini-batch within mnist's train split": (
        job(LESSON, MNIST, train={"steps": 1, "batch_size": 4001}),
        "train.batch_size",
        job(LESSON, MNIST, train={"steps": 1, "batch_size": 4000}),
    ),
    "averaging sizes within digits": (
        job(
            {"layers": [64, 10]},
            {"dataset": "digits", "size": 2},
            include={"averaging": True},
            averaging={"sizes": [1, 1798]},
        ),
        "averaging.sizes.1",
        job(
            {"layers": [64, 10]},
            {"dataset": "digits", "size": 2},
            include={"averaging": False},
            averaging={"sizes": [1, 1798]},
        ),
    ),
    "explicit weights bring their own init": (
        job({"layers": [2, 2], "weights": [[[1, 2], [3, 4]]], "biases": [[0, 0]], "init": {}}),
        "network.init",
        job({"layers": [2, 2], "weights": [[[1, 2], [3, 4]]], "biases": [[0, 0]]}),
    ),
    "indices are drawn by no seed": (
        job(LESSON, {"dataset": "mnist", "indices": [0, 1], "seed": 3}),
        "batch.seed",
        job(LESSON, {"dataset": "mnist", "indices": [0, 1]}),
    ),
    "a seed is a dataset's": (
        job(batch=INLINE | {"seed": 0}),
        "batch.seed",
        job(batch=INLINE),
    ),
    "by_label, not with size": (
        job(LESSON, MNIST | {"by_label": [{"label": 7, "index": 0}]}),
        "batch.by_label",
        job(LESSON, MNIST | {"size": None, "by_label": [{"label": 7, "index": 0}]}),
    ),
    "by_label, not with indices": (
        job(LESSON, {"dataset": "mnist", "indices": [1], "by_label": [{"label": 7, "index": 0}]}),
        "batch.by_label",
        job(LESSON, {"dataset": "mnist", "by_label": [{"label": 7, "index": 0}]}),
    ),
    "by_label is drawn by no seed": (
        job(LESSON, {"dataset": "mnist", "by_label": [{"label": 1, "index": 2}], "seed": 1}),
        "batch.seed",
        job(LESSON, {"dataset": "mnist", "by_label": [{"label": 1, "index": 2}]}),
    ),
    "random takes no by_label": (
        job(batch={"dataset": "random", "size": 1, "by_label": [{"label": 0, "index": 0}]}),
        "batch.by_label",
        job(batch={"dataset": "random", "size": 1}),
    ),
    "mnist test has 100 of each digit": (
        job(
            LESSON, {"dataset": "mnist", "split": "test", "by_label": [{"label": 3, "index": 100}]}
        ),
        "batch.by_label.0.index",
        job(
            LESSON, {"dataset": "mnist", "split": "train", "by_label": [{"label": 3, "index": 100}]}
        ),
    ),
    "digits has 174 eights": (
        job({"layers": [64, 10]}, {"dataset": "digits", "by_label": [{"label": 8, "index": 174}]}),
        "batch.by_label.0.index",
        job({"layers": [64, 10]}, {"dataset": "digits", "by_label": [{"label": 7, "index": 174}]}),
    ),
    "by_label is not empty": (
        job(LESSON, {"dataset": "mnist", "by_label": []}),
        "batch.by_label",
        job(LESSON, {"dataset": "mnist", "by_label": [{"label": 9, "index": 399}]}),
    ),
    "epsilon is not zero": (
        job(naive={"epsilon": 0}),
        "naive.epsilon",
        job(naive={"epsilon": 1e-6}),
    ),
    "epsilon is not subnormal": (
        job(naive={"epsilon": 1e-320}),
        "naive.epsilon",
        job(naive={"epsilon": 1e-300}),
    ),
}


@pytest.fixture(scope="module")
def roomy(redis_url):
    """The app with the default limits (presets and mnist fit) and no worker: jobs stay queued."""
    app = create_app(Settings(redis_url=redis_url, queue_prefix="rules-no-worker-", job_ttl=60))
    return app.test_client()


@pytest.fixture(scope="module")
def spec_schema(roomy):
    doc = roomy.get("/openapi.json").get_json()
    return Draft202012Validator(
        {"$ref": "#/components/schemas/JobSpec", "components": doc["components"]}
    )


@pytest.mark.parametrize("bad, field, good", RULES.values(), ids=RULES.keys())
def test_each_rule_the_document_says_refuses_what_the_service_refuses(
    roomy, spec_schema, bad, field, good
):
    assert not spec_schema.is_valid(bad), "the document accepts it"
    errors = problem(roomy.post("/v1/jobs", json=bad), 422)["errors"]
    assert field in [e["field"] for e in errors], errors
    assert spec_schema.is_valid(good), [e.message for e in spec_schema.iter_errors(good)][:3]
    assert roomy.post("/v1/jobs", json=good).status_code == 202
