"""Every number of a result must be finite: a job that says `succeeded` never holds NaN or inf.

`first_not_finite` walks the JSON-ready result (dicts, lists, numbers) and names the first
number that is not finite by its path, such as `training.cost.17` or `wishes.2.3`, so the
refusal says where the overflow surfaced. Lists of numbers are checked as whole arrays, so a
result of millions of numbers takes milliseconds.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np


def first_not_finite(value: Any, path: str = "") -> tuple[str, float] | None:
    """(path, number) of the first NaN or infinity in `value`, or None when all are finite."""
    if isinstance(value, float):
        return None if math.isfinite(value) else (path, value)
    if isinstance(value, np.ndarray):
        if np.isfinite(value).all():  # the usual answer, without making lists of the array
            return None
        value = value.tolist()
    if isinstance(value, dict):
        items = value.items()
    elif isinstance(value, list | tuple):
        if _all_finite_array(value):
            return None
        items = enumerate(value)
    else:
        return None  # int, bool, str, None: finite or not a number
    for key, item in items:
        found = first_not_finite(item, f"{path}.{key}" if path else str(key))
        if found is not None:
            return found
    return None


def _all_finite_array(values: list | tuple) -> bool:
    """A fast yes for a (nested) list of numbers, read as one array; False when it is ragged,
    holds something else, or holds a number that is not finite (then the walk finds it)."""
    if not values or not isinstance(values[0], float | int | list):
        return False
    try:
        array = np.asarray(values, dtype=np.float64)
    except (ValueError, TypeError, OverflowError):
        return False
    return bool(np.isfinite(array).all())
