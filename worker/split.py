"""A big naive job in parts: ranges of its naive index list, run as a Celery chord.

A job whose naive method needs at least NAIVE_SPLIT_PASSES passes is cut into NAIVE_PARTS
ranges of `model.naive_count(spec)` indices. The parts run as a group on every worker there is,
and the chord's callback joins them with `model.run(spec, naive_parts=...)` into the result one
process would give. For forward differences the job task runs the base pass C(theta) once (an
empty part) and hands its cost to every part, so the passes stay exactly P + 1.

Each part writes its own passes done into the job record and the record's progress is their
sum; every part reads the one cancel flag, and a failing part ends the job, which stops the
others. Redelivery is harmless: Celery's Redis chord counts each part's task id once, and a job
finishes once (records.py), so a part or join run twice changes nothing in the result.
"""

from __future__ import annotations

from typing import Any

from celery import chord, signature

import model
from model.job import as_spec

from .names import JOIN_PARTS, RUN_PART

BASE = "base"  # the name of the forward difference's base pass among the parts


def ranges(count: int, parts: int) -> list[tuple[int, int]]:
    """`parts` contiguous ranges covering 0..count, sizes differing by at most one."""
    parts = max(1, min(parts, count))
    return [(count * i // parts, count * (i + 1) // parts) for i in range(parts)]


def plan(spec: Any, split_passes: int, parts: int) -> list[tuple[int, int]] | None:
    """The ranges to run apart, or None when the job is small enough for one task."""
    parsed = as_spec(spec)
    # a training job's naive method nudges the trained network, which only its own run has
    if "naive" not in parsed.methods or parts < 2 or parsed.train is not None:
        return None
    if model.estimate_cost(parsed)["naive_passes"] < split_passes:
        return None
    return ranges(model.naive_count(parsed), parts)


def names(cut: list[tuple[int, int]], base: bool) -> list[str]:
    """The parts' names in the job record's progress: their indices, and the base pass."""
    return [str(i) for i in range(len(cut))] + ([BASE] if base else [])


def total_passes(spec: Any) -> int:
    return model.estimate_cost(as_spec(spec))["naive_passes"]


def send(job_id: str, spec: Any, cut: list[tuple[int, int]], base: dict | None) -> None:
    """Queue the parts as a group and their join as the chord's callback (by the tasks' names,
    so that this module and worker/tasks.py do not import each other)."""
    base_cost = base["base_cost"] if base else None
    header = [
        signature(RUN_PART, args=(job_id, i, start, stop, base_cost, names(cut, base is not None)))
        for i, (start, stop) in enumerate(cut)
    ]
    chord(header)(signature(JOIN_PARTS, kwargs={"job_id": job_id, "base": base}))


def join(spec: Any, parts: list[dict], base: dict | None) -> dict[str, Any]:
    return model.run(spec, naive_parts=[*parts, *([base] if base else [])])
