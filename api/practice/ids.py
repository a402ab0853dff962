"""Exercise ids: self-describing, so an answer is checked from the job alone.

An id is `<kind>.<param>...<tag>`, e.g. `trace-back.2.5.11.share.9f3c01d2`: the kind, the
choices that make the exercise (which layer, neuron, example, direction...), and a tag that
binds it to its job (the first 8 hex digits of SHA-256 over the job id and the rest). Answering
rebuilds the exercise from the id and the job's stored result, so nothing is stored per
exercise, every id stays valid as long as its job, and an id of another job is refused by its
tag. The tag is a check, not a secret: the answer is not in the id.
"""

from __future__ import annotations

import hashlib
import re

import numpy as np

from .exercise import UnknownExercise

TOKEN = re.compile(r"^[a-z0-9-]+$")


def _tag(job_id: str, body: str) -> str:
    return hashlib.sha256(f"{job_id}/{body}".encode()).hexdigest()[:8]


def encode(job_id: str, kind: str, params: tuple[str, ...]) -> str:
    body = ".".join((kind, *params))
    return f"{body}.{_tag(job_id, body)}"


def decode(job_id: str, exercise_id: str) -> tuple[str, tuple[str, ...]]:
    """(kind, params) of an id made for this job; UnknownExercise otherwise."""
    body, _, tag = exercise_id.rpartition(".")
    parts = body.split(".")
    if not body or not all(TOKEN.match(p) for p in parts) or tag != _tag(job_id, body):
        raise UnknownExercise(exercise_id)
    return parts[0], tuple(parts[1:])


def index(token: str, count: int) -> int:
    """A neuron, layer or example number in 0..count-1, from an id's token."""
    if not token.isdigit() or int(token) >= count:
        raise UnknownExercise(token)
    return int(token)


def connection(tokens: tuple[str, ...], sizes: list[int]) -> tuple[int, int, int]:
    """(l, j, k) from an id's first three tokens: weighted layer l (1..L), neuron j of layer l,
    neuron k of layer l-1 (and so the weight W_jk between them)."""
    l = index(tokens[0], len(sizes))
    if l == 0:
        raise UnknownExercise(tokens)
    return l, index(tokens[1], sizes[l]), index(tokens[2], sizes[l - 1])


def draw_connection(sizes: list[int], rng: np.random.Generator) -> tuple[str, str, str]:
    l = int(rng.integers(1, len(sizes)))
    return str(l), str(rng.integers(sizes[l])), str(rng.integers(sizes[l - 1]))


def one_of(token: str, allowed: tuple[str, ...]) -> str:
    if token not in allowed:
        raise UnknownExercise(token)
    return token
