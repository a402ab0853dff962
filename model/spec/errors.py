"""SpecError: the one exception for a spec that cannot run, and how pydantic's errors become
its list of {"field", "message", "limit"?} entries, each naming one field by its JSON path."""

from __future__ import annotations

import math
from typing import Any


class SpecError(ValueError):
    """A spec that cannot run: `errors` lists {"field", "message"}, and "limit" where one
    applies."""

    def __init__(self, errors: list[dict[str, Any]]):
        self.errors = errors
        super().__init__("; ".join(f"{e['field']}: {e['message']}" for e in errors))


class FieldError(ValueError):
    """A rule broken at a field below the validator's own model (the path is made relative)."""

    def __init__(self, field: str, message: str, **extra: Any):
        self.field, self.extra = field, extra
        super().__init__(message)


def merge(errors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One entry per field: a union (one name or a list of names) fails once per member."""
    merged: dict[str, dict[str, Any]] = {}
    for error in errors:
        if error["field"] in merged:
            merged[error["field"]]["message"] += (
                f", or {error['message'][0].lower()}{error['message'][1:]}"
            )
        else:
            merged[error["field"]] = error
    return list(merged.values())


def describe(error: dict[str, Any]) -> dict[str, Any]:
    # pydantic names the member of a union in the path (e.g. "list[int]"): not a field
    path = [str(p) for p in error["loc"] if not (isinstance(p, str) and "[" in p)]
    cause = (error.get("ctx") or {}).get("error")
    out: dict[str, Any] = {"field": ".".join(path) or "(body)", "message": error["msg"]}
    if isinstance(cause, FieldError):
        out["field"] = ".".join([*path, cause.field] if cause.field else path)
        out["message"] = str(cause)
        out.update(cause.extra)
    elif error["type"] in ("finite_number",):
        out["message"] = "must be a finite number (no NaN or infinity)"
    elif error["type"] == "extra_forbidden":
        out["message"] = "is not a known field"
    limit = {k: v for k, v in (error.get("ctx") or {}).items() if k in ("ge", "gt", "le", "lt")}
    if limit and "limit" not in out:
        out["limit"] = next(iter(limit.values()))
    return {
        k: (v if not isinstance(v, float) or math.isfinite(v) else str(v)) for k, v in out.items()
    }
