"""How much structure a request body may have, checked before it is parsed and validated.

A JSON parser and a validator spend time in proportion to the keys and arrays a body holds,
and a gevent process spends it on its one event loop: a body of a million keys would hold up
every other request of that process for seconds. So a body is refused (413, naming the limit)
when its raw bytes hold more `:` than MAX_BODY_KEYS (a bound on the object members: a `:` in
a string counts too, and no job spec has one) or more `{` and `[` than MAX_BODY_CONTAINERS,
both counted at memchr speed; and once parsed, when its objects and arrays nest deeper than
MAX_BODY_DEPTH, found by a walk through the containers only. A job spec has a few dozen keys,
one container per row of inline inputs or weights, and nests five deep.
"""

from __future__ import annotations

from typing import Any

from worker.settings import Settings

from .errors import Problem

_SCALARS = frozenset({int, float, str, bool, type(None)})


def too_large(what: str, count: int | str, limit: int, setting: str) -> Problem:
    detail = f"the request body holds {count} {what}, over the limit of {limit} ({setting})"
    return Problem(
        413,
        "Content Too Large",
        detail,
        errors=[{"field": "(body)", "message": detail, "limit": limit}],
    )


class Shape:
    """The raw body's counts, added up a slice at a time as it is read."""

    def __init__(self) -> None:
        self.keys = self.containers = 0

    def add(self, part: bytes) -> None:
        self.keys += part.count(b":")
        self.containers += part.count(b"{") + part.count(b"[")

    def check(self, settings: Settings) -> None:
        """Refuse a body of too many keys or containers before it is parsed."""
        if self.keys > settings.max_body_keys:
            raise too_large("keys", self.keys, settings.max_body_keys, "MAX_BODY_KEYS")
        if self.containers > settings.max_body_containers:
            raise too_large(
                "objects and arrays",
                self.containers,
                settings.max_body_containers,
                "MAX_BODY_CONTAINERS",
            )


def check_depth(data: Any, settings: Settings) -> None:
    """Refuse parsed JSON whose containers nest deeper than MAX_BODY_DEPTH. The walk goes a
    level at a time and looks into a container's members only when one of them is a container
    (a row of numbers is passed over in C)."""
    limit = settings.max_body_depth
    level = [data] if isinstance(data, (dict, list)) else []
    depth = 0
    while level:
        depth += 1
        if depth > limit:
            raise too_large(
                "objects and arrays nested", f"more than {limit} deep", limit, "MAX_BODY_DEPTH"
            )
        below = []
        for container in level:
            members = container.values() if isinstance(container, dict) else container
            if not _SCALARS.issuperset(map(type, members)):
                below.extend(m for m in members if isinstance(m, (dict, list)))
        level = below
