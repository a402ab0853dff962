"""Practice: exercises built from a finished job's stored result, checked by the service.

Nothing here computes a gradient or knows of Flask: each kind reads the result (`reading`) and
builds an `Exercise` from a few choices that its id records (`ids`), so checking an answer only
rebuilds the exercise from the id. One module per kind; `flashcards` holds the cards.

    exercises(job_id, result, count=5, kinds=None, seed=0) -> [public exercise dicts]
    answer(job_id, result, exercise_id, given) -> {"correct", "expected", "explanation"}
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import averaging, ids, naive_cost, output_wish, output_wish_size, three_ways, trace_back
from .exercise import BadAnswer, Exercise, Unavailable, UnknownExercise
from .reading import Reading

KINDS = {
    m.KIND: m
    for m in (output_wish, output_wish_size, trace_back, three_ways, naive_cost, averaging)
}
DRAWS_PER_EXERCISE = 8  # a small network has few distinct exercises; stop looking after this

__all__ = [
    "KINDS",
    "BadAnswer",
    "Exercise",
    "Unavailable",
    "UnknownExercise",
    "answer",
    "available",
    "exercises",
]


def available(result: dict[str, Any]) -> dict[str, str | None]:
    """Each kind and why this result cannot give it (None: it can)."""
    r = Reading(result)
    return {kind: m.missing(r) for kind, m in KINDS.items()}


def exercises(
    job_id: str,
    result: dict[str, Any],
    count: int = 5,
    kinds: list[str] | None = None,
    seed: int = 0,
) -> list[dict[str, Any]]:
    """Up to `count` distinct exercises, the kinds taken in turn; the same for the same job,
    kinds and seed. Asked-for kinds this result cannot give raise Unavailable; without
    `kinds`, every kind it can give takes part."""
    r = Reading(result)
    reasons = {kind: KINDS[kind].missing(r) for kind in kinds or KINDS}
    if kinds:
        refused = [f"{kind} {why}" for kind, why in reasons.items() if why]
        if refused:
            raise Unavailable("; ".join(refused))
    usable = [kind for kind, why in reasons.items() if why is None]
    rng = np.random.default_rng(seed)
    out: dict[str, dict[str, Any]] = {}
    for turn in range(count * DRAWS_PER_EXERCISE):
        if len(out) == count or not usable:
            break
        kind = usable[turn % len(usable)]
        params = KINDS[kind].draw(r, rng)
        exercise_id = ids.encode(job_id, kind, params)
        if exercise_id not in out:
            out[exercise_id] = KINDS[kind].build(r, params).public(exercise_id)
    return list(out.values())


def rebuild(job_id: str, result: dict[str, Any], exercise_id: str) -> Exercise:
    kind, params = ids.decode(job_id, exercise_id)
    r = Reading(result)
    # the tag is a check, not a secret: an id can be made up for a kind this result cannot give
    if kind not in KINDS or KINDS[kind].missing(r):
        raise UnknownExercise(exercise_id)
    return KINDS[kind].build(r, params)


def answer(job_id: str, result: dict[str, Any], exercise_id: str, given: Any) -> dict[str, Any]:
    return rebuild(job_id, result, exercise_id).check(given)
