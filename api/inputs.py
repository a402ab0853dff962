"""What a request brings: its JSON body and its query, parsed strictly before any view sees them.

The body must be `application/json` (415 otherwise) and strict JSON (400 otherwise): Python's
parser accepts NaN, Infinity and 1e999, which are not JSON and not numbers a network can use.
"""

from __future__ import annotations

import json
import math
from typing import Any, TypeVar

from flask import request
from pydantic import BaseModel, ConfigDict, Field

from .errors import Problem
from .results import RESULT_KEYS
from .schemas import Job

Query = TypeVar("Query", bound=BaseModel)


class SubmitQuery(BaseModel):
    model_config = ConfigDict(extra="ignore")
    wait: float = Field(
        0,
        ge=0,
        allow_inf_nan=False,
        description="Seconds to wait for the job to finish (capped by MAX_WAIT).",
    )


# the names ?fields= knows, in the document, so a schema-valid ?fields= is one the API takes
# (the check itself stays api.results.wanted's, which names the unknown field)
_NAME = "|".join(sorted({*Job.model_fields, "result", *RESULT_KEYS}, key=len, reverse=True))


class JobQuery(BaseModel):
    model_config = ConfigDict(extra="ignore")
    fields: str | None = Field(
        None,
        description="Comma-separated job fields and top-level result keys to return, "
        "e.g. `cost,timing` or `status,wishes`; the rest is left out.",
        json_schema_extra={"pattern": rf"^ *({_NAME}) *(, *({_NAME}) *)*$"},
    )

    @property
    def names(self) -> list[str] | None:
        # empty names are kept, for api.results.wanted to refuse as the pattern does
        return None if self.fields is None else [f.strip() for f in self.fields.split(",")]


class ListQuery(BaseModel):
    model_config = ConfigDict(extra="ignore")
    limit: int = Field(20, ge=1, le=100, description="Jobs per page.")
    cursor: str | None = Field(
        None, pattern="^[0-9a-f]{1,16}$", description="The previous page's `next`, an opaque token."
    )


def query(model: type[Query]) -> Query:
    return model.model_validate(request.args.to_dict())


def json_body() -> Any:
    if not request.is_json:
        raise Problem(
            415,
            "Unsupported Media Type",
            f"send the body as application/json, not {request.mimetype or 'nothing'}",
        )
    raw = request.get_data(cache=False)
    try:
        return json.loads(raw, parse_constant=_not_json, parse_float=_finite)
    except (ValueError, RecursionError) as exc:
        raise Problem(
            400, "Malformed JSON", f"the body is not valid JSON: {_short(exc)}", "malformed-json"
        ) from None


def _not_json(name: str) -> float:
    raise ValueError(f"{name} is not a JSON number")


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"{text} is too large for a number")
    return value


def _short(exc: Exception) -> str:
    return "nesting too deep" if isinstance(exc, RecursionError) else str(exc)[:200]
