"""The OpenAPI 3.1 document, derived from the routes' declarations (api.routes) and the schemas
they name: the spec that validates (model.JobSpec), the query models, the answers' classes.
Each view's docstring is its summary; 401 and 429 are added as API_KEYS and the rate limits
are configured."""

from __future__ import annotations

import re
from typing import Any

from flask import Flask
from pydantic import BaseModel
from werkzeug.routing import IntegerConverter, Rule

from worker.settings import Settings

from .routes import Route, declared_rules
from .schemas import Content, ProblemDocument

PROBLEM = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/ProblemDocument"}}}
RETRY_AFTER = {
    "Retry-After": {
        "description": "Seconds to wait before trying again.",
        "schema": {"type": "string", "pattern": "^[0-9]+$"},
    }
}
CHALLENGE = {
    "WWW-Authenticate": {
        "description": 'Bearer, with error="invalid_token" for a wrong key.',
        "schema": {"type": "string"},
    }
}
SAYS = {
    200: "OK",
    202: "Accepted: queued or running (poll the Location)",
    204: "Deleted: the job is gone (cancelled first if it had not ended)",
    400: "Malformed JSON",
    201: "Created",
    401: "No valid API key (API_KEYS is set)",
    403: "An unknown or expired learner session or embed token, a request outside the session's "
    "scope, or another origin or scope than the embed token's",
    404: "No such job (never issued, expired, or another key's), or no such exercise of it",
    409: "The job has not succeeded (queued, running, failed or cancelled): no result; or the "
    "embed token was used already",
    413: "Body over MAX_BODY_BYTES, MAX_BODY_KEYS, MAX_BODY_CONTAINERS or MAX_BODY_DEPTH",
    415: "Not application/json",
    422: "Invalid: each field and limit is listed",
    429: "Over the rate limit (RATE_LIMIT, RATE_LIMIT_READ); for a submit, over the quota of "
    "jobs in flight (BATCH_QUOTA, INTERACTIVE_QUOTA); for a ?wait or an event stream, over "
    "the held requests of the key or address (HELD_PER_OWNER); retry after Retry-After",
    503: "Redis (or, for ready, every worker) does not answer; retry after Retry-After",
    410: "The result was dropped to make room for newer ones (see result_expired)",
    507: "The result store is held by jobs in flight (RESULT_STORE_BYTES, "
    "RESULT_OWNER_BYTES); retry after Retry-After",
}
SECURITY = {
    "bearer": {"type": "http", "scheme": "bearer", "description": "One of API_KEYS."},
    "apiKey": {
        "type": "apiKey",
        "in": "header",
        "name": "X-API-Key",
        "description": "One of API_KEYS, the other way to send it.",
    },
}


def document(app: Flask, settings: Settings) -> dict[str, Any]:
    routes = list(declared_rules(app))
    paths: dict[str, Any] = {}
    for rule, route in routes:
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)
            paths.setdefault(path, {})[method.lower()] = _operation(
                rule, app.view_functions[rule.endpoint], route, _guards(route, settings)
            )
    limits = ", ".join(f"{k} = {v}" for k, v in vars(settings.limits).items())
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "backprop-lab",
            "version": "1",
            "description": "Backprop and the naive nudging method, side by side, as jobs. "
            f"Limits: {limits}; body up to {settings.max_body_bytes} bytes; "
            f"?wait up to {settings.max_wait} s.",
        },
        "paths": paths,
        "components": {"schemas": components([route for _, route in routes])}
        | ({"securitySchemes": SECURITY} if settings.api_keys else {}),
    }


def components(routes: list[Route]) -> dict[str, Any]:
    """Every class the routes' bodies and answers name (and those they refer to), by name."""
    found: dict[str, Any] = {}
    bodies = [(r.body.model, "validation") for r in routes if r.body]
    answers = [(m, "serialization") for r in routes for m in _answer_models(r)]
    for m, mode in [*bodies, *answers, (ProblemDocument, "serialization")]:
        schema = m.model_json_schema(ref_template="#/components/schemas/{model}", mode=mode)
        for name, part in [*schema.pop("$defs", {}).items(), (m.__name__, schema)]:
            if found.setdefault(name, part) != part:  # a generator would see one of them
                raise ValueError(f"two schemas are named {name!r}: rename one of the classes")
    for part in found.values():
        for name, field in part.get("properties", {}).items():
            if "x-schema" in field:  # a field typed loosely in Python, by reference here
                part["properties"][name] = {
                    "$ref": f"#/components/schemas/{field['x-schema']}",
                    "description": field.get("description", ""),
                }
    return found


def _answer_models(route: Route) -> list[type[BaseModel]]:
    out: list[type[BaseModel]] = []
    for answer in route.answers.values():
        if isinstance(answer, Content):
            out += answer.models
        elif isinstance(answer, tuple):
            out += answer
        elif answer is not None:
            out.append(answer)
    return out


def _guards(route: Route, settings: Settings) -> tuple[int, ...]:
    """The statuses that API_KEYS and the rate limits add to an operation, as configured."""
    limited = {"writes": settings.rate_limit, "reads": settings.rate_limit_read}.get(route.limit)
    return ((401,) if settings.api_keys and route.key != "open" else ()) + (
        (429,) if limited else ()
    )


def _ref(m: type[BaseModel]) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{m.__name__}"}


def _path_schema(rule: Rule, name: str) -> dict[str, Any]:
    """A path part's type: a whole number where the route's converter takes one (<int:layer>)."""
    if isinstance(rule._converters.get(name), IntegerConverter):
        return {"type": "integer", "minimum": 0}
    return {"type": "string"}


def _operation(rule: Rule, view: Any, route: Route, guards: tuple[int, ...]) -> dict[str, Any]:
    op: dict[str, Any] = {
        "operationId": rule.endpoint.split(".")[-1],
        "summary": (view.__doc__ or "").strip().splitlines()[0],
        "responses": {},
    }
    parameters = [
        {"name": name, "in": "path", "required": True, "schema": _path_schema(rule, name)}
        | (
            {"schema": {"type": "string", "enum": list(v)}}
            if (v := route.path_values.get(name))
            else {}
        )
        for name in sorted(rule.arguments)
    ]
    query = route.query
    for name, field in query.model_fields.items() if query else ():
        parameters.append(
            {
                "name": name,
                "in": "query",
                "required": field.is_required(),
                "description": field.description,
                "schema": query.model_json_schema()["properties"][name],
            }
        )
    if parameters:
        op["parameters"] = parameters
    if route.body is not None:
        body: dict[str, Any] = {"schema": _ref(route.body.model)}
        if route.examples:
            body["examples"] = {name: {"value": v} for name, v in route.examples().items()}
        op["requestBody"] = {"required": True, "content": {"application/json": body}}
    if 401 in guards:
        op["security"] = [{"bearer": []}, {"apiKey": []}] + (
            [{}] if route.key == "with-job" else []
        )
    for status, answer in sorted(route.answers.items()):
        says = answer.description if isinstance(answer, Content) else None
        out = op["responses"][str(status)] = {"description": says or SAYS.get(status, "OK")}
        if isinstance(answer, Content):
            out["content"] = {media: dict(value) for media, value in answer.media.items()}
        elif isinstance(answer, tuple):
            out["content"] = {"application/json": {"schema": {"anyOf": list(map(_ref, answer))}}}
        elif answer is not None:
            out["content"] = {"application/json": {"schema": _ref(answer)}}
        if route.headers:
            out["headers"] = {
                name: {"description": says, "schema": {"type": "string"}}
                for name, says in route.headers.items()
            }
        if route.links:
            out["links"] = {
                _link_name(operation): {"operationId": operation, "parameters": dict(values)}
                for operation, values in route.links.items()
            }
    for status in sorted(route.errors + guards):
        op["responses"][str(status)] = {"description": SAYS[status], "content": PROBLEM}
        if status in (401, 429, 503, 507):
            op["responses"][str(status)]["headers"] = CHALLENGE if status == 401 else RETRY_AFTER
    return op


def _link_name(operation: str) -> str:
    """get_job -> GetJob."""
    return "".join(word.capitalize() for word in operation.split("_"))
