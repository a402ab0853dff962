"""Every accepted job to its end, read once it has ended, then checked against `model.run`.

The collector reads the jobs that have not ended yet, every second, through faults: once a job
has ended it reads the job in full (its result) and the entries of its `ended` list (one per
recorded end, kept a minute), and deletes it if its client meant to. At the end each job is
checked: ended exactly once, cancelled only if it was cancelled, and its result equal to
`model.run` of its spec, computed here.
"""

from __future__ import annotations

import math
import threading
import time

import redis
import requests

import model
from bench.term.load import TIMEOUT, Entry, Ledger
from worker import keyspace

ENDED = ("succeeded", "failed", "cancelled")


class Collector:
    def __init__(self, api: str, redis_url: str, ledger: Ledger):
        self.api, self.ledger = api, ledger
        self.redis = redis.Redis.from_url(redis_url, socket_timeout=5, socket_connect_timeout=5)
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.session = requests.Session()

    def open(self) -> list[Entry]:
        with self.ledger.lock:
            return [e for e in self.ledger.jobs.values() if e.final is None and e.gone is None]

    def run(self) -> None:
        while not self.stop.wait(1.0):
            for entry in self.open():
                try:
                    self.read(entry)
                except (requests.RequestException, redis.RedisError, ValueError):
                    pass  # a fault: read again next time

    def read(self, entry: Entry) -> None:
        reply = self.session.get(f"{self.api}/v1/jobs/{entry.id}", timeout=TIMEOUT)
        if reply.status_code == 404:
            entry.gone = "404 before it was seen ended"
            return
        reply.raise_for_status()
        job = reply.json()
        if job["status"] not in ENDED:
            return
        entry.ends = self.redis.llen(keyspace.ended(entry.id))
        entry.final = job
        if entry.delete:
            self.delete(entry)

    def delete(self, entry: Entry) -> None:
        for _ in range(20):
            try:
                if self.session.delete(f"{self.api}/v1/jobs/{entry.id}", timeout=TIMEOUT).ok:
                    gone = self.session.get(f"{self.api}/v1/jobs/{entry.id}", timeout=TIMEOUT)
                    if gone.status_code == 404:
                        return
            except requests.RequestException:
                pass
            time.sleep(1)
        entry.gone = "not deleted"

    def drain(self, seconds: float) -> None:
        """Wait up to `seconds` for every job to end, then stop."""
        deadline = time.monotonic() + seconds
        self.stop.clear()
        while self.open() and time.monotonic() < deadline:
            time.sleep(1)
        self.stop.set()
        self.thread.join(TIMEOUT + 5)


def clock(key: str) -> bool:
    """Does the key hold how long something took (`timing`, `step_timing`, `seconds`) or where
    it ran (`provenance`: the process, its threads)? No two runs agree on those."""
    return "timing" in key or key in ("seconds", "provenance")


def without_timing(value):
    """The value without the clocks, at any depth."""
    if isinstance(value, dict):
        return {k: without_timing(v) for k, v in value.items() if not clock(k)}
    if isinstance(value, list):
        return [without_timing(v) for v in value]
    return value


def differs(got, expected, path: str = "") -> str | None:
    """Where two JSON values differ (numbers within 1e-9 relative), or None."""
    if isinstance(expected, dict):
        if not isinstance(got, dict) or set(got) != set(expected):
            return f"{path}: keys {sorted(got) if isinstance(got, dict) else got!r:.80}"
        for key in expected:
            if (where := differs(got[key], expected[key], f"{path}.{key}")) is not None:
                return where
        return None
    if isinstance(expected, list):
        if not isinstance(got, list) or len(got) != len(expected):
            return f"{path}: length"
        for i, (g, e) in enumerate(zip(got, expected)):
            if (where := differs(g, e, f"{path}[{i}]")) is not None:
                return where
        return None
    if isinstance(expected, float) and isinstance(got, int | float):
        close = math.isclose(got, expected, rel_tol=1e-9, abs_tol=1e-12)
        return None if close else f"{path}: {got!r} != {expected!r}"
    return None if got == expected else f"{path}: {got!r:.80} != {expected!r:.80}"


def check(entry: Entry) -> str | None:
    """What is wrong with the job's end, or None."""
    if entry.gone is not None:
        return entry.gone
    if entry.final is None:
        return "never ended"
    if entry.ends is not None and entry.ends > 1:  # 0: the list (a minute's) expired unread
        return f"{entry.ends} ends recorded"
    status = entry.final["status"]
    if status == "cancelled":
        return None if entry.cancel else "cancelled, never asked to"
    if status != "succeeded":
        return f"{status}: {entry.final.get('error')}"
    expected = model.jsonable(model.run(entry.spec))
    return differs(without_timing(entry.final["result"]), without_timing(expected))


def verdicts(ledger: Ledger) -> dict[str, list[tuple[str, str, str]]]:
    """lost / duplicated / wrong: (id, kind, what) each."""
    found: dict[str, list[tuple[str, str, str]]] = {"lost": [], "duplicated": [], "wrong": []}
    for entry in ledger.jobs.values():
        problem = check(entry)
        if problem is None:
            continue
        problem += f" (submitted at {entry.submitted:.0f} s, answered {entry.answer})"
        if "never ended" in problem or entry.gone is not None:
            found["lost"].append((entry.id, entry.kind, problem))
        elif "ends recorded" in problem:
            found["duplicated"].append((entry.id, entry.kind, problem))
        else:
            found["wrong"].append((entry.id, entry.kind, problem))
    return found
