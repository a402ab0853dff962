"""The OpenAPI 3.1 document, built from the schemas that validate (model.JobSpec, api.inputs)
and those that describe the answers (api.schemas); each view's docstring is its summary."""

from __future__ import annotations

from typing import Any

from flask import Flask
from pydantic import BaseModel

import model

from . import inputs, schemas
from .config import Config

PROBLEM = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/ProblemDocument"}}}
# endpoint -> (success status -> answer schema, error statuses, request body, query model)
ROUTES: dict[str, tuple[dict[int, type[BaseModel]], tuple[int, ...], type | None, type | None]] = {
    "v1.submit_job": ({202: schemas.Job, 200: schemas.Job}, (400, 401, 413, 415, 422, 503),
                      model.JobSpec, inputs.SubmitQuery),
    "v1.get_job": ({200: schemas.Job}, (404,), None, None),
    "v1.cancel_job": ({200: schemas.Job, 202: schemas.Job}, (401, 404), None, None),
    "v1.list_jobs": ({200: schemas.JobList}, (422,), None, inputs.ListQuery),
    "v1.health": ({200: schemas.Health}, (), None, None),
    "v1.ready": ({200: schemas.Ready}, (503,), None, None),
    "v1.datasets": ({200: schemas.Datasets}, (), None, None),
    "v1.examples": ({200: schemas.Examples}, (), None, None),
}
SAYS = {200: "OK", 202: "Accepted: queued or running (poll the Location)",
        400: "Malformed JSON", 401: "A write without a valid API key (when API_KEYS is set)",
        404: "No such job (never issued, or expired)", 413: "Body over MAX_BODY_BYTES",
        415: "Not application/json", 422: "Invalid: each field and limit is listed",
        503: "Redis or every worker is gone"}
MODELS = (model.JobSpec, inputs.SubmitQuery, inputs.ListQuery, schemas.Job, schemas.JobList,
          schemas.ProblemDocument, schemas.Health, schemas.Ready, schemas.Datasets,
          schemas.Examples)


def document(app: Flask, config: Config) -> dict[str, Any]:
    components: dict[str, Any] = {}
    for m in MODELS:
        schema = m.model_json_schema(ref_template="#/components/schemas/{model}",
                                     mode="validation" if m is model.JobSpec else "serialization")
        components.update(schema.pop("$defs", {}))
        components[m.__name__] = schema
    paths: dict[str, Any] = {}
    for rule in app.url_map.iter_rules():
        if rule.endpoint not in ROUTES:
            continue
        path = rule.rule.replace("<job_id>", "{job_id}")
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            paths.setdefault(path, {})[method.lower()] = _operation(
                rule.endpoint, app.view_functions[rule.endpoint], "{job_id}" in path)
    limits = ", ".join(f"{k} = {v}" for k, v in vars(config.limits).items())
    return {
        "openapi": "3.1.0",
        "info": {"title": "backprop-lab", "version": "1",
                 "description": "Backprop and the naive nudging method, side by side, as jobs. "
                 f"Limits: {limits}; body up to {config.max_body_bytes} bytes; "
                 f"?wait up to {config.max_wait} s."},
        "paths": paths,
        "components": {"schemas": components},
    }


def _operation(endpoint: str, view: Any, has_id: bool) -> dict[str, Any]:
    answers, problems, body, query = ROUTES[endpoint]
    op: dict[str, Any] = {"operationId": endpoint.split(".")[-1],
                          "summary": (view.__doc__ or "").strip().splitlines()[0],
                          "responses": {}}
    parameters = [{"name": "job_id", "in": "path", "required": True,
                   "schema": {"type": "string"}}] if has_id else []
    for name, field in (query.model_fields.items() if query else ()):
        parameters.append({"name": name, "in": "query", "required": False,
                           "description": field.description,
                           "schema": query.model_json_schema()["properties"][name]})
    if parameters:
        op["parameters"] = parameters
    if body is not None:
        op["requestBody"] = {"required": True, "content": {"application/json": {
            "schema": {"$ref": f"#/components/schemas/{body.__name__}"}}}}
    for status, schema in sorted(answers.items()):
        op["responses"][str(status)] = {"description": SAYS.get(status, "OK"), "content": {
            "application/json": {"schema": {"$ref": f"#/components/schemas/{schema.__name__}"}}}}
    for status in problems:
        op["responses"][str(status)] = {"description": SAYS[status], "content": PROBLEM}
    return op
