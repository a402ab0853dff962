"""Waiting in the tests: on a condition (a status, a log line, a ping), never on a sleep, and
bounded by one patience that is a timeout, not a claim on speed."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

import requests

# Seconds before a wait gives up. Generous: the two cores are shared, and can be four times
# busy; a test that passes never waits this long, so the bound costs only a failing test.
PATIENCE = 180

T = TypeVar("T")


def wait_until(check: Callable[[], T], what: str, seconds: float = PATIENCE) -> T:
    """Call `check` until it returns something true, and return that; TimeoutError naming
    `what` after `seconds`."""
    deadline = time.monotonic() + seconds
    while not (value := check()):
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what}: not within {seconds:g} s")
        time.sleep(0.05)
    return value


def job(base: str, job_id: str, **params: str) -> dict:
    """GET /v1/jobs/<id> from the API at `base`."""
    return requests.get(f"{base}/v1/jobs/{job_id}", params=params, timeout=PATIENCE).json()


def poll(base: str, job_id: str, until: Callable[[dict], bool], patience: float = PATIENCE) -> dict:
    """GET the job until `until(job)` holds; returns it."""
    seen: list[dict] = []

    def holds() -> bool:
        seen[:] = [job(base, job_id)]
        return until(seen[0])

    try:
        wait_until(holds, f"job {job_id}", patience)
    except TimeoutError as exc:
        raise AssertionError(f"{exc}; last seen: {seen[0] if seen else None}") from None
    return seen[0]


def ended(base: str, job_id: str, patience: float = PATIENCE) -> dict:
    """The job once it is no longer queued or running."""
    return poll(base, job_id, lambda j: j["status"] not in ("queued", "running"), patience)
