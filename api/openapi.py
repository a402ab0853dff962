"""The OpenAPI 3.1 document, built from the schemas that validate (model.JobSpec, api.inputs)
and those that describe the answers (api.schemas); each view's docstring is its summary."""

from __future__ import annotations

from typing import Any

from flask import Flask
from pydantic import BaseModel

import model
from worker.settings import Settings

from . import catalog, inputs, schemas
from .clients import JOB_ENDPOINTS, UNLIMITED, WITH_A_JOB
from .practice import schemas as practice
from .problems import TYPES

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
LOCATION = {"Location": {"description": "The job's URL.", "schema": {"type": "string"}}}
LINKS = {
    name: {"operationId": operation, "parameters": {"job_id": "$response.body#/id"}}
    for name, operation in (
        ("GetJob", "get_job"),
        ("CancelJob", "cancel_job"),
        ("DeleteJob", "delete_job"),
    )
}
HTML = {"text/html": {"schema": {"type": "string"}}}
TEXT = {"text/plain": {"schema": {"type": "string"}}}
EVENTS = {
    "text/event-stream": {
        "schema": {
            "type": "string",
            "description": "`event: progress` lines while the job runs, then one "
            "`event: end` whose data is the finished job (the Job schema).",
        }
    }
}
# endpoint -> (success status -> answer schema (None: no body; a dict: that content), error
# statuses, request body, query model); 401 (API_KEYS) and 429 (RATE_LIMIT, RATE_LIMIT_READ)
# are added when they are configured.
Answers = dict[int, type[BaseModel] | dict | None]
ROUTES: dict[str, tuple[Answers, tuple[int, ...], type | None, type | None]] = {
    "v1.submit_job": (
        {202: schemas.Job, 200: schemas.Job},
        (400, 413, 415, 422, 429, 503, 507),
        model.JobSpec,
        inputs.SubmitQuery,
    ),
    "v1.get_job": ({200: schemas.Job}, (404, 422, 503), None, inputs.JobQuery),
    "v1.get_result_npz": ({}, (404, 409, 410, 503), None, None),
    "v1.job_events": ({200: EVENTS}, (404, 503), None, None),
    "v1.cancel_job": ({200: schemas.Job, 202: schemas.Job}, (404, 503), None, None),
    "v1.delete_job": ({204: None}, (404, 503), None, None),
    "v1.list_jobs": ({200: schemas.JobList}, (422, 503), None, inputs.ListQuery),
    "v1.exercises_for_job": (
        {200: practice.Exercises},
        (404, 409, 410, 422, 503),
        None,
        practice.ExercisesQuery,
    ),
    "v1.answer_exercise": (
        {200: practice.AnswerCheck},
        (400, 404, 409, 410, 415, 422, 503),
        practice.AnswerBody,
        None,
    ),
    "v1.flashcards": (
        {200: practice.Flashcards},
        (404, 409, 410, 422, 503),
        None,
        practice.FlashcardsQuery,
    ),
    "v1.health": ({200: schemas.Health}, (), None, None),
    "v1.ready": ({200: schemas.Ready}, (503,), None, None),
    "v1.datasets": ({200: schemas.Datasets}, (), None, None),
    "v1.presets": ({200: schemas.Presets}, (), None, None),
    "v1.examples": ({200: schemas.Examples}, (), None, None),
    "problem_type": ({200: HTML}, (404,), None, None),
    "metrics": ({200: TEXT}, (503,), None, None),
}
SAYS = {
    200: "OK",
    202: "Accepted: queued or running (poll the Location)",
    204: "Deleted: the job is gone (cancelled first if it had not ended)",
    400: "Malformed JSON",
    401: "No valid API key (API_KEYS is set)",
    404: "No such job (never issued, expired, or another key's), or no such exercise of it",
    409: "The job has not succeeded (queued, running, failed or cancelled): no result",
    413: "Body over MAX_BODY_BYTES",
    415: "Not application/json",
    422: "Invalid: each field and limit is listed",
    429: "Over the rate limit (RATE_LIMIT, RATE_LIMIT_READ) or, for a submit, over the "
    "quota of jobs in flight (BATCH_QUOTA, INTERACTIVE_QUOTA); retry after Retry-After",
    503: "Redis (or, for ready, every worker) does not answer; retry after Retry-After",
    410: "The result was dropped to make room for newer ones (see result_expired)",
    507: "The result store is held by jobs in flight (RESULT_STORE_BYTES, "
    "RESULT_OWNER_BYTES); retry after Retry-After",
}
NPZ = {
    "200": {
        "description": "NumPy's .npz (a zip of .npy files): every array of the result "
        "under its name (gradients/weights/0, wishes/2, ...), the rest "
        "in the member result.json",
        "content": {"application/zip": {"schema": {"type": "string", "format": "binary"}}},
    }
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
MODELS = (
    model.JobSpec,
    inputs.SubmitQuery,
    inputs.ListQuery,
    schemas.Job,
    schemas.JobFields,
    schemas.JobList,
    schemas.ProblemDocument,
    schemas.Health,
    schemas.Ready,
    schemas.Datasets,
    schemas.Presets,
    schemas.Examples,
    practice.Exercises,
    practice.AnswerBody,
    practice.AnswerCheck,
    practice.Flashcards,
)


def document(app: Flask, settings: Settings) -> dict[str, Any]:
    components: dict[str, Any] = {}
    for m in MODELS:
        schema = m.model_json_schema(
            ref_template="#/components/schemas/{model}",
            mode="validation" if m is model.JobSpec else "serialization",
        )
        for name, part in [*schema.pop("$defs", {}).items(), (m.__name__, schema)]:
            if components.setdefault(name, part) != part:  # a generator would see one of them
                raise ValueError(f"two schemas are named {name!r}: rename one of the classes")
    for part in components.values():
        for name, field in part.get("properties", {}).items():
            if "x-schema" in field:  # a field typed loosely in Python, by reference here
                part["properties"][name] = {
                    "$ref": f"#/components/schemas/{field['x-schema']}",
                    "description": field.get("description", ""),
                }
    paths: dict[str, Any] = {}
    for rule in app.url_map.iter_rules():
        if rule.endpoint not in ROUTES:
            continue
        path = (
            rule.rule.replace("<job_id>", "{job_id}")
            .replace("<exercise_id>", "{exercise_id}")
            .replace("<slug>", "{slug}")
        )
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            paths.setdefault(path, {})[method.lower()] = _operation(
                rule.endpoint,
                app.view_functions[rule.endpoint],
                sorted(rule.arguments),
                _guards(rule.endpoint, method, settings),
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
        "components": {"schemas": components}
        | ({"securitySchemes": SECURITY} if settings.api_keys else {}),
    }


def _guards(endpoint: str, method: str, settings: Settings) -> tuple[int, ...]:
    """The statuses that API_KEYS and the rate limits add to an operation, as configured."""
    limited = settings.rate_limit if method in ("POST", "DELETE") else settings.rate_limit_read
    keyed = endpoint in JOB_ENDPOINTS + WITH_A_JOB
    return ((401,) if settings.api_keys and keyed else ()) + (
        (429,) if limited and endpoint.startswith("v1.") and endpoint not in UNLIMITED else ()
    )


def _operation(
    endpoint: str, view: Any, path_names: list[str], guards: tuple[int, ...]
) -> dict[str, Any]:
    answers, problems, body, query = ROUTES[endpoint]
    op: dict[str, Any] = {
        "operationId": endpoint.split(".")[-1],
        "summary": (view.__doc__ or "").strip().splitlines()[0],
        "responses": {},
    }
    parameters = [
        {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
        for name in path_names
    ]
    for parameter in parameters:
        if parameter["name"] == "slug":  # a problem type's page: one of the types there are
            parameter["schema"]["enum"] = sorted(TYPES)
    for name, field in query.model_fields.items() if query else ():
        parameters.append(
            {
                "name": name,
                "in": "query",
                "required": False,
                "description": field.description,
                "schema": query.model_json_schema()["properties"][name],
            }
        )
    if parameters:
        op["parameters"] = parameters
    if body is not None:
        op["requestBody"] = {
            "required": True,
            "content": {
                "application/json": {
                    "schema": {"$ref": f"#/components/schemas/{body.__name__}"},
                }
            },
        }
        if body is model.JobSpec:
            op["requestBody"]["content"]["application/json"]["examples"] = {
                e["name"]: {"value": e["spec"]} for e in catalog.examples()["examples"]
            }
    if 401 in guards:
        op["security"] = [{"bearer": []}, {"apiKey": []}] + ([{}] if endpoint in WITH_A_JOB else [])
    if endpoint == "v1.get_result_npz":
        op["responses"] |= NPZ
    for status, schema in sorted(answers.items()):
        answer = op["responses"][str(status)] = {"description": SAYS.get(status, "OK")}
        if isinstance(schema, dict):
            answer["content"] = schema
        elif schema is not None:
            ref = {"$ref": f"#/components/schemas/{schema.__name__}"}
            if query is inputs.JobQuery:  # ?fields= leaves out what was not asked for
                ref = {"anyOf": [ref, {"$ref": "#/components/schemas/JobFields"}]}
            answer["content"] = {"application/json": {"schema": ref}}
        if endpoint == "v1.submit_job":
            op["responses"][str(status)] |= {"headers": LOCATION, "links": LINKS}
    for status in sorted(problems + guards):
        op["responses"][str(status)] = {"description": SAYS[status], "content": PROBLEM}
        if status in (401, 429, 503, 507):
            op["responses"][str(status)]["headers"] = CHALLENGE if status == 401 else RETRY_AFTER
    return op
