"""The validators' rules across fields, said in JSON Schema, so that the OpenAPI document refuses
what the validators refuse (the rules themselves stay the validators'; this only writes them
down).

Each class adds its rules to its schema's `allOf`, as `if`/`then`/`else` and `not`: keywords a
client generator passes over (a generated class keeps the fields it has), where a `oneOf` of
variants would turn the class into a union. A field is *given* when it is present and not null:
the validators read a null as absent. "Weights and biases come together" reads:

    when(given("weights"), given("biases"), absent("biases"))
"""

from __future__ import annotations

from typing import Any

Schema = dict[str, Any]


def given(*names: str) -> Schema:
    """Each field is present and not null."""
    return {"required": list(names), "properties": {n: {"not": {"type": "null"}} for n in names}}


def absent(*names: str) -> Schema:
    """Each field is left out or null."""
    return {"properties": {n: {"type": "null"} for n in names}}


def equals(name: str, value: Any) -> Schema:
    """The field is given as this value."""
    return {"required": [name], "properties": {name: {"const": value}}}


def inside(path: str, schema: Schema) -> Schema:
    """`schema` holds for the object at a dotted path below this one, where that path exists
    (`inside("batch", equals("dataset", "mnist"))`: the batch's dataset is mnist)."""
    for name in reversed(path.split(".")):
        schema = {"required": [name], "properties": {name: schema}}
    return schema


def at(path: str, schema: Schema) -> Schema:
    """`schema` holds for the value at a dotted path, if the path is there (no requirement)."""
    for name in reversed(path.split(".")):
        schema = {"properties": {name: schema}}
    return schema


def both(*schemas: Schema) -> Schema:
    return {"allOf": list(schemas)}


def when(condition: Schema, then: Schema | None = None, otherwise: Schema | None = None) -> Schema:
    rule: Schema = {"if": condition}
    if then is not None:
        rule["then"] = then
    if otherwise is not None:
        rule["else"] = otherwise
    return rule


def add_rules(schema: Schema, *rules: Schema) -> None:
    """Append rules to a class's schema (its `allOf`: the generator merges only the properties
    of an `allOf`'s members, and these have none at their top)."""
    schema.setdefault("allOf", []).extend(rules)
