"""Which parts of a result a request asks for: the result names of `?fields=` as paths.

A name is a top-level result key (`wishes`, `timing`) or a path into one, its steps joined by
dots. A step into an object is one of its keys; a step into a list is a position
(`wishes.3`: layer 3's wish alone, the other entries null, so that index l is still layer l)
or a key to take from every entry (`layers.consistency`: each layer's consistency and nothing
else of it). A path ends at a number or an array (a vector or a matrix is sent whole).

A key a result does not have is left out, as a top-level key is (`naive` of a job that ran
backprop only); a position past a list's end, or a step into a number or an array, is an
error naming the path.
"""

from __future__ import annotations

import re
from typing import Any

STEP = re.compile(r"^[A-Za-z0-9_]+$")


class Unreachable(ValueError):
    """A path leads past a list's end or into a number or an array."""

    def __init__(self, path: str, why: str):
        self.path = path
        super().__init__(f"{path}: {why}")


def top_level(paths: list[str]) -> list[str]:
    """The top-level result keys that `paths` reach into, once each, in their order."""
    return list(dict.fromkeys(p.split(".")[0] for p in paths))


def well_formed(path: str) -> bool:
    return all(STEP.match(step) for step in path.split("."))


def project(skeleton: dict[str, Any], paths: list[str]) -> dict[str, Any]:
    """The top-level keys of a result's skeleton that `paths` name, in the skeleton's order,
    each cut down to what its paths reach (placeholders of arrays are kept as they are)."""
    return _cut(skeleton, [p.split(".") for p in paths], "")


def _cut(part: Any, paths: list[list[str]], at: str) -> Any:
    if any(not path for path in paths):  # asked for whole
        return part
    if isinstance(part, dict) and "$array" not in part:
        return {
            k: _cut(v, [p[1:] for p in paths if p[0] == k], _join(at, k))
            for k, v in part.items()
            if any(p[0] == k for p in paths)
        }
    if isinstance(part, list):
        positions = {int(p[0]) for p in paths if p[0].isdigit()}
        if positions and max(positions) >= len(part):
            raise Unreachable(
                _join(at, str(max(positions))), f"the list has positions 0..{len(part) - 1}"
            )
        out = []
        for i, item in enumerate(part):
            here = [p[1:] for p in paths if p[0] == str(i)]
            every = [p for p in paths if not p[0].isdigit()]
            out.append(_cut(item, here + every, _join(at, str(i))) if here or every else None)
        return out
    what = "an array" if isinstance(part, dict) else "a single value"
    raise Unreachable(_join(at, paths[0][0]), f"{at} is {what}, which has no parts to select")


def _join(at: str, step: str) -> str:
    return f"{at}.{step}" if at else step
