"""The 422s a body the document accepts may still get: the rules JSON Schema cannot say, as the
table "What the document cannot say" of docs/contract.md lists them, and the schemathesis check
that holds `POST /v1/jobs` to that list.

The fuzz test imports this module (the check registers itself); by hand the same check runs
with the CLI: `SCHEMATHESIS_HOOKS=tests.api.refusals schemathesis run --checks all ...` (see
docs/testing.md).
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any

import schemathesis
from jsonschema import Draft202012Validator

CONTRACT = Path(__file__).resolve().parents[2] / "docs" / "contract.md"
TABLE = "### What the document cannot say"
NUMBER = r"[-+0-9.e]+"
CHECKED = ("/v1/jobs", "/v1/embed-tokens")  # the POSTs whose 422s the table bounds


def _pattern(written: str) -> re.Pattern:
    """A table cell as a pattern: `<n>` is a number, `<...>` any text, the rest as written."""
    parts = re.split(r"(<n>|<\.\.\.>)", written)
    return re.compile(
        "".join(NUMBER if p == "<n>" else ".*" if p == "<...>" else re.escape(p) for p in parts)
    )


@cache
def listed_rules() -> tuple[tuple[re.Pattern, re.Pattern], ...]:
    """(field, message) patterns, one per row of the table."""
    text = CONTRACT.read_text()
    section = re.split(r"\n#{2,3} ", text[text.index(TABLE) + len(TABLE) :])[0]
    rows = re.findall(r"^\| `([^`]+)` \| `([^`]+)` \|", section, flags=re.MULTILINE)
    return tuple((_pattern(field), _pattern(message)) for field, message in rows)


def unlisted(errors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The errors that no row of the table names."""
    return [
        e
        for e in errors
        if not any(
            f.fullmatch(str(e.get("field"))) and m.fullmatch(str(e.get("message")))
            for f, m in listed_rules()
        )
    ]


def _accepts(document: dict, operation: dict, case) -> bool:
    """Whether the document accepts the case's body and query (the parameters it lists)."""
    components = {"components": document["components"]}
    body = operation["requestBody"]["content"]["application/json"]["schema"]
    if not Draft202012Validator(body | components).is_valid(case.body):
        return False
    for parameter in operation.get("parameters", []):
        value = (case.query or {}).get(parameter["name"])
        if value is not None and not Draft202012Validator(parameter["schema"]).is_valid(value):
            return False
    return True


@schemathesis.check
def refused_only_for_listed_rules(ctx, response, case):
    """A 422 to `POST /v1/jobs` or `POST /v1/embed-tokens` whose body and query the document
    accepts names only rules the document cannot say (docs/contract.md)."""
    if case.method.upper() != "POST" or case.path not in CHECKED or response.status_code != 422:
        return None
    document = case.operation.schema.raw_schema
    if not _accepts(document, document["paths"][case.path]["post"], case):
        return None
    wrong = unlisted(response.json().get("errors") or [])
    if wrong:
        raise AssertionError(
            "a body the document accepts was refused for rules the document could say, or "
            f"that docs/contract.md does not list: {wrong}"
        )
    return None
