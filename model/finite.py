"""Every number of a result must be finite: a job that says `succeeded` never holds NaN or inf.

`first_not_finite` walks a result (dicts, lists, NumPy arrays, numbers) and names the first
number that is not finite by its path, such as `training.cost.17` or `wishes.2.3`, so the
refusal says where the overflow surfaced. An array is checked whole (`numpy.isfinite`), and
only a failing one is searched for its first bad entry, so a result of millions of numbers
takes milliseconds and is never turned into lists.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

SCALARS = (str, int)  # bool is an int: none of them can be NaN or infinite


def first_not_finite(value: Any, path: str = "") -> tuple[str, float] | None:
    """(path, number) of the first NaN or infinity in `value`, or None when all are finite."""
    found = _first(value)
    if found is None:
        return None
    steps, number = found
    return ".".join([*([path] if path else []), *reversed(steps)]), number


def _first(value: Any) -> tuple[list[str], float] | None:
    """The first non-finite number's path (its steps, innermost first) and the number. The path
    is only built for a number that is found: a walk that finds none costs a call per part."""
    if isinstance(value, float):
        return None if math.isfinite(value) else ([], value)
    if isinstance(value, np.ndarray):
        return _in_array(value)
    if isinstance(value, dict):
        items = value.items()
    elif isinstance(value, list | tuple):
        items = enumerate(value)
    else:
        return None  # int, bool, str, None: finite or not a number
    for key, item in items:
        if isinstance(item, SCALARS) or item is None:
            continue
        found = _first(item)
        if found is not None:
            found[0].append(str(key))
            return found
    return None


def _in_array(array: np.ndarray) -> tuple[list[str], float] | None:
    if array.dtype.kind not in "fc" or np.isfinite(array).all():
        return None
    where = tuple(int(i) for i in np.argwhere(~np.isfinite(array))[0])  # row-major: the first
    return [str(i) for i in reversed(where)], float(array[where])
