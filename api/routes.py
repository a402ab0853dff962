"""A route's contract, declared once at its view: the method and path, the query and body it
takes, its answers (the success schemas and the error statuses), and its key and rate-limit
classes.

    @route(v1.get, "/jobs", query=ListQuery, answers={200: JobList}, errors=(422, 503))
    def list_jobs(query: ListQuery): ...

`route` registers the view (the endpoint is its name), keeps the declaration on it
(`view.route`), and calls it with the validated `query` and `body` besides the path's values.
The OpenAPI document (api.openapi) and the API keys and rate limits (api.clients) are derived
from the declarations, found by walking the app's url_map: a rule without one (the page, its
files, the documents themselves) is not documented, needs no key and counts against no limit.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from flask import Flask, current_app, request
from pydantic import BaseModel
from werkzeug.routing import Rule

from .inputs import Body, json_body, query
from .schemas import Content

# API_KEYS: a key needed always, only when the query names a job (?job=), or never
Key = Literal["required", "with-job", "open"]
# rate limits: RATE_LIMIT (writes), RATE_LIMIT_READ (reads); None: never limited
Limit = Literal["writes", "reads"]


# a success answer: a class (JSON), classes (JSON, any of them), other content, or no body
Answer = type[BaseModel] | tuple[type[BaseModel], ...] | Content | None


@dataclass(frozen=True)
class Route:
    answers: Mapping[int, Answer]
    errors: tuple[int, ...] = ()
    query: type[BaseModel] | None = None
    body: Body | None = None
    key: Key = "open"
    limit: Limit | None = None
    headers: Mapping[str, str] = field(default_factory=dict)  # of a success: name -> meaning
    links: Mapping[str, Mapping[str, str]] = field(default_factory=dict)  # operation -> values
    path_values: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # the only ones
    examples: Callable[[], Mapping[str, Any]] | None = None  # of the body, by name


def route(
    register: Callable[..., Callable],
    path: str,
    *,
    answers: Mapping[int, Answer],
    body: type[BaseModel] | Body | None = None,
    limit: Limit | None | Literal["by-method"] = "by-method",
    **declared: Any,
) -> Callable[[Callable], Callable]:
    """Declare and register a view: `register` is a Flask or Blueprint method decorator
    (`v1.post`, `app.get`). The rate-limit class is by method (POST and DELETE write, GET
    reads) unless given; None for a route that is never limited."""
    method = register.__name__.upper()
    if limit == "by-method":
        limit = "writes" if method in ("POST", "DELETE") else "reads"
    if isinstance(body, type):
        body = Body(body)
    declaration = Route(answers, body=body, limit=limit, **declared)

    def decorate(view: Callable) -> Callable:
        @functools.wraps(view)
        def handler(**values: Any) -> Any:
            # the order of the refusals: the body's JSON (415, 400), the query, the body's model
            data = json_body() if declaration.body else None
            if declaration.query:
                values["query"] = query(declaration.query)
            if declaration.body:
                values["body"] = declaration.body.parse(data)
            return view(**values)

        handler.route = declaration
        return register(path)(handler)

    return decorate


def declared(rule_or_endpoint: Rule | str | None, app: Flask | None = None) -> Route | None:
    """The declaration of a rule's (or an endpoint's) view, None for an undeclared one."""
    app = app or current_app
    endpoint = getattr(rule_or_endpoint, "endpoint", rule_or_endpoint)
    view = app.view_functions.get(endpoint) if endpoint else None
    return getattr(view, "route", None)


def this_route() -> Route | None:
    """The declaration of the route the current request reached."""
    return declared(request.endpoint)


def declared_rules(app: Flask) -> Iterator[tuple[Rule, Route]]:
    """Every declared route of the app, with its url_map rule, in the map's order."""
    for rule in app.url_map.iter_rules():
        found = declared(rule, app)
        if found is not None:
            yield rule, found
