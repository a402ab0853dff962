"""Scratch arrays reused from call to call, one set per thread.

A forward pass that keeps nothing (`Network.cost`, which the naive method repeats thousands of
times) writes each layer into the same arrays every time instead of asking for new ones: fewer
allocations, and no page faults on large fresh arrays. Nothing a caller gets back ever lives in
these arrays; they hold only numbers that are used up before the call returns.

Per thread: each thread (a Celery pool thread, a library user's thread pool) has its own
arrays, so two calls at once never write into each other's. Within a thread, calls do not
nest, and every user overwrites an array completely before reading it, so the previous call's
numbers never leak into the next one.
"""

from __future__ import annotations

import threading

import numpy as np

Array = np.ndarray
KEPT = 8  # sets of arrays kept per thread (network shape x batch size x dtype), newest last
LARGEST = 32 * 2**20  # bytes: a set larger than this is made fresh for each call, not kept

_local = threading.local()


def rows(batch: int, widths: tuple[int, ...], dtype: np.dtype) -> list[Array]:
    """Uninitialised (batch, width) arrays, one per width, this thread's own, reused from the
    last call that asked for the same shapes and dtype."""
    key = (batch, widths, dtype)
    kept: dict | None = getattr(_local, "kept", None)
    if kept is None:
        kept = _local.kept = {}
    found = kept.get(key)
    if found is not None:
        return found
    made = [np.empty((batch, width), dtype) for width in widths]
    if sum(a.nbytes for a in made) <= LARGEST:
        if len(kept) >= KEPT:
            del kept[next(iter(kept))]
        kept[key] = made
    return made
