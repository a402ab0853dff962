"""What a request brings: its JSON body and its query, parsed strictly before any view sees them.

The body must be `application/json` (415 otherwise) and strict JSON (400 otherwise): Python's
parser accepts NaN, Infinity and 1e999, which are not JSON and not numbers a network can use.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NamedTuple, TypeVar

from flask import request
from pydantic import BaseModel, ConfigDict, Field

import model

from . import body_shape
from .body_reading import read_body
from .errors import Problem, invalid
from .jobs import services
from .practice.schemas import AnswerBody
from .results import RESULT_KEYS
from .schemas import JOB_FIELDS

Query = TypeVar("Query", bound=BaseModel)


# the names ?fields= knows, in the document, so a schema-valid ?fields= is one the API takes
# (the check itself stays api.results.wanted's, which names the unknown field): job fields, and
# result keys with an optional path into them (api/selection.py)
_JOB = "|".join(sorted({*JOB_FIELDS, "result"}, key=lambda n: (-len(n), n)))
_RESULT = "|".join(sorted(RESULT_KEYS, key=lambda n: (-len(n), n)))
_NAME = rf"(?:{_RESULT})(?:\.[A-Za-z0-9_]+)*|{_JOB}"


class JobQuery(BaseModel):
    model_config = ConfigDict(extra="ignore")
    fields: str | None = Field(
        None,
        description="Comma-separated job fields and result keys to return, e.g. `cost,timing` "
        "or `status,wishes`; a result key may name a path into it, e.g. `wishes.3` (layer 3's "
        "wish alone, the others null) or `layers.consistency`; the rest is left out.",
        json_schema_extra={"pattern": rf"^ *({_NAME}) *(, *({_NAME}) *)*$"},
    )

    @property
    def names(self) -> list[str] | None:
        # empty names are kept, for api.results.wanted to refuse as the pattern does
        return None if self.fields is None else [f.strip() for f in self.fields.split(",")]


class SubmitQuery(JobQuery):
    wait: float = Field(
        0,
        ge=0,
        allow_inf_nan=False,
        description="Seconds to wait for the job to finish (capped by MAX_WAIT).",
    )
    cache: bool = Field(
        True,
        description="false: compute the job even when the result cache holds its result "
        "(the new result is then the one kept); true (the default): served from the cache "
        "when it can be.",
    )


class ListQuery(BaseModel):
    model_config = ConfigDict(extra="ignore")
    limit: int = Field(20, ge=1, le=100, description="Jobs per page.")
    cursor: str | None = Field(
        None, pattern="^[0-9a-f]{1,16}$", description="The previous page's `next`, an opaque token."
    )


def query(shape: type[Query]) -> Query:
    return shape.model_validate(request.args.to_dict())


@dataclass(frozen=True)
class Body:
    """A request body: the model the document shows, and how the request's JSON becomes the
    view's argument (by default, that model validated)."""

    model: type[BaseModel]
    read: Callable[[Any], Any] | None = None

    def parse(self, data: Any) -> Any:
        return (self.read or self.model.model_validate)(data)


class Submitted(NamedTuple):
    data: Any  # the JSON as sent: the job keeps it as its spec
    spec: model.JobSpec


def _submitted(data: Any) -> Submitted:
    return Submitted(data, model.parse_spec(data, services().settings.limits))


def _answer(data: Any) -> int | float | str:
    if not isinstance(data, dict):
        raise invalid([{"field": "(body)", "message": 'send an object: {"answer": ...}'}])
    return AnswerBody.model_validate(data).answer


SPEC = Body(model.JobSpec, _submitted)  # validated against the service's limits
ANSWER = Body(AnswerBody, _answer)  # the view takes the answer itself


def json_body() -> Any:
    if not request.is_json:
        raise Problem(
            415,
            "Unsupported Media Type",
            f"send the body as application/json, not {request.mimetype or 'nothing'}",
        )
    settings = services().settings
    raw = read_body(settings)
    try:
        data = json.loads(raw, parse_constant=_not_json, parse_float=_finite)
    except (ValueError, RecursionError) as exc:
        raise Problem(
            400, "Malformed JSON", f"the body is not valid JSON: {_short(exc)}", "malformed-json"
        ) from None
    body_shape.check_depth(data, settings)
    return data


def _not_json(name: str) -> float:
    raise ValueError(f"{name} is not a JSON number")


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"{text} is too large for a number")
    return value


def _short(exc: Exception) -> str:
    return "nesting too deep" if isinstance(exc, RecursionError) else str(exc)[:200]
