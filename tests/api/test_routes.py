"""A route is one declaration at its view (api.routes): the document, the API keys and the rate
limits all follow from it, so a new endpoint is one decorated view and nothing else."""

from __future__ import annotations

import re
import secrets

from flask import Blueprint
from pydantic import BaseModel, Field

from api import create_app, openapi
from api.routes import declared_rules, route
from api.views import site, v1
from tests.support.problems import problem
from worker.settings import Settings

KEY = secrets.token_urlsafe(24)


class Echo(BaseModel):
    said: str


class EchoQuery(BaseModel):
    say: str = Field("hi", max_length=10, description="What to say back.")


def extra_blueprint() -> Blueprint:
    """An endpoint the service does not have, declared the one way."""
    extra = Blueprint("extra", __name__, url_prefix="/v1")

    @route(extra.get, "/echo", query=EchoQuery, answers={200: Echo}, errors=(422,), key="required")
    def echo(query: EchoQuery):
        """Say it back."""
        return {"said": query.say}

    return extra


def test_a_new_endpoint_is_one_declaration_found_in_the_document_with_its_key_and_limit(
    redis_url,
):
    settings = Settings(
        redis_url=redis_url, queue_prefix="no-worker-", api_keys=(KEY,), rate_limit_read="2/minute"
    )
    app = create_app(settings)
    app.register_blueprint(extra_blueprint())

    op = openapi.document(app, settings)["paths"]["/v1/echo"]["get"]
    assert (op["operationId"], op["summary"]) == ("echo", "Say it back.")
    assert op["parameters"] == [
        {
            "name": "say",
            "in": "query",
            "required": False,
            "description": "What to say back.",
            "schema": {
                "default": "hi",
                "description": "What to say back.",
                "maxLength": 10,
                "title": "Say",
                "type": "string",
            },
        }
    ]
    assert op["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Echo"
    }
    # the key class adds 401 and the security, the read limit 429
    assert sorted(op["responses"]) == ["200", "401", "422", "429"]
    assert op["security"] == [{"bearer": []}, {"apiKey": []}]
    assert "Echo" in openapi.document(app, settings)["components"]["schemas"]

    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = f"10.9.{secrets.randbelow(256)}.{secrets.randbelow(256)}"
    assert problem(client.get("/v1/echo"), 401)["type"] == "/problems/api-key"
    with_key = {"X-API-Key": KEY}
    assert client.get("/v1/echo?say=yo", headers=with_key).get_json() == {"said": "yo"}
    assert problem(client.get("/v1/echo?say=far-too-long", headers=with_key), 422)
    problem(client.get("/v1/echo", headers=with_key), 429)  # the key's third read in a minute


def test_every_documented_route_is_declared_and_every_declared_one_documented(client):
    doc = client.get("/openapi.json").get_json()
    app = client.application
    declared = {
        (re.sub(r"<\w+:(\w+)>", r"<\1>", rule.rule), method.lower())  # <int:layer> is {layer}
        for rule, _ in declared_rules(app)
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    documented = {
        (path.replace("{", "<").replace("}", ">"), method)
        for path, ops in doc["paths"].items()
        for method in ops
    }
    assert declared == documented
    # the page, its files and the documents are not routes of the API
    assert {r.endpoint for r, _ in declared_rules(app)} >= {"site.metrics", "site.problem_type"}
    assert not {"index", "docs", "openapi", "static"} & {r.endpoint for r, _ in declared_rules(app)}
    assert {rule.endpoint.split(".")[0] for rule, _ in declared_rules(app)} == {v1.name, site.name}


def test_a_view_receives_its_validated_query_and_body(client):
    # the declared query model refuses before the view runs, naming the field
    body = problem(client.get("/v1/jobs?limit=0"), 422)
    assert [e["field"] for e in body["errors"]] == ["limit"]
    # the body: strict JSON first (400), then the query, then the spec
    assert problem(client.post("/v1/jobs?wait=-1", data="{", content_type="application/json"), 400)
    body = problem(client.post("/v1/jobs?wait=-1", json={}), 422)
    assert [e["field"] for e in body["errors"]] == ["wait"]
    body = problem(client.post("/v1/jobs", json={"network": {"layers": [2, 2]}}), 422)
    assert [e["field"] for e in body["errors"]] == ["batch"]
