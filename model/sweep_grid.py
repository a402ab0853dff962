"""A sweep's grid: dotted paths into a job spec, each with the values it takes, expanded into
one spec per point of their Cartesian product.

    expand({"network": {"layers": [2, 3, 2]}, ...},
           {"network.layers": [[2, 3, 2], [2, 8, 2]], "batch.size": [1, 10]})
    -> 4 points, the first path varying slowest:
       ([2, 3, 2], 1), ([2, 3, 2], 10), ([2, 8, 2], 1), ([2, 8, 2], 10)

A path names object keys separated by dots (`network.layers`, `naive.sample`); a segment of
digits inside a list names an element (`network.layers.1`, one hidden width). Objects missing
on the way are made (`naive.sample` over a base without `naive`). Pure: the base is never
changed, and each point's spec is a copy of its own. Validation of each point's spec is the
caller's (`parse_spec` with the service's limits)."""

from __future__ import annotations

import copy
import itertools
import math
from dataclasses import dataclass
from typing import Any


class GridError(ValueError):
    """A grid that cannot be expanded: `errors` lists {"field", "message"} (`grid.<path>`)."""

    def __init__(self, errors: list[dict[str, Any]]):
        self.errors = errors
        super().__init__("; ".join(f"{e['field']}: {e['message']}" for e in errors))


@dataclass(frozen=True)
class Point:
    """One point of the grid: its place in the product, its value on each path, its spec."""

    index: int
    coordinates: dict[str, Any]
    spec: dict[str, Any]


def point_count(grid: dict[str, list[Any]]) -> int:
    """How many points the grid has (its values' counts multiplied), without expanding it."""
    return math.prod(len(values) for values in grid.values())


def grid_errors(grid: Any) -> list[dict[str, Any]]:
    """What is wrong with the grid's shape, as {"field", "message"} entries (empty: none)."""
    if not isinstance(grid, dict) or not grid:
        return [{"field": "grid", "message": "send an object of dotted paths to lists of values"}]
    errors = []
    for path, values in grid.items():
        if not path or any(not part for part in path.split(".")):
            errors.append({"field": f"grid.{path}", "message": "is not a dotted path"})
        elif not isinstance(values, list) or not values:
            errors.append({"field": f"grid.{path}", "message": "needs a non-empty list of values"})
    return errors


def with_value(spec: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """A copy of `spec` with `value` at `path` (GridError if the path cannot be followed)."""
    out = copy.deepcopy(spec)
    parts = path.split(".")
    here: Any = out
    for depth, part in enumerate(parts):
        last = depth == len(parts) - 1
        if isinstance(here, list):
            if not part.isdigit() or int(part) >= len(here):
                raise _unreachable(path, parts[:depth], f"has no element {part}")
            key: Any = int(part)
        elif isinstance(here, dict):
            key = part
        else:
            raise _unreachable(path, parts[:depth], "is neither an object nor a list")
        if last:
            here[key] = copy.deepcopy(value)
        else:
            if isinstance(here, dict) and here.get(key) is None:
                here[key] = {}
            here = here[key]
    return out


def expand(base: dict[str, Any], grid: dict[str, list[Any]]) -> list[Point]:
    """Every point of the grid, in order (the first path varies slowest)."""
    errors = grid_errors(grid)
    if errors:
        raise GridError(errors)
    paths = list(grid)
    points = []
    for index, values in enumerate(itertools.product(*(grid[p] for p in paths))):
        spec = base
        for path, value in zip(paths, values):
            spec = with_value(spec, path, value)
        if spec is base:
            spec = copy.deepcopy(base)
        points.append(Point(index, dict(zip(paths, copy.deepcopy(values))), spec))
    return points


def _unreachable(path: str, before: list[str], why: str) -> GridError:
    where = ".".join(before) or "the spec"
    return GridError([{"field": f"grid.{path}", "message": f"{where} {why}"}])
