"""The term's load: who submits what, and the ledger of every job the service accepted.

Each client is a thread of its own with a seeded random source. A submit the service did not
accept (no answer: an API process killed mid-request; 503: Redis away; 429) is counted by
reason and is no job of the ledger; an accepted one (202, or 200 with `?wait`) is.
"""

from __future__ import annotations

import json
import random
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import requests

from bench.classroom import page_request

ROOT = Path(__file__).resolve().parents[2]
LESSON = json.loads((ROOT / "examples" / "lesson-784-16-16-10.json").read_text())
TRAIN = json.loads((ROOT / "examples" / "lesson-train.json").read_text())
TIMEOUT = 30  # seconds a client waits for an answer


@dataclass
class Entry:
    """One accepted job."""

    id: str
    kind: str  # page, naive, train, big, stream, cancel, delete
    spec: dict
    submitted: float  # seconds since the start of the run
    answer: int  # 202, or 200 (with ?wait: it had ended)
    cancel: bool = False  # the client asked to cancel it
    delete: bool = False  # ... to delete it once it has ended and been read
    final: dict | None = None  # the job as read once it had ended (the result in full)
    ends: int | None = None  # entries in its ended list when first seen ended
    gone: str | None = None  # why it could not be read to its end


@dataclass
class Ledger:
    start: float = field(default_factory=time.monotonic)
    jobs: dict[str, Entry] = field(default_factory=dict)
    refused: Counter = field(default_factory=Counter)  # (kind, reason) -> submits
    page_latency: list[tuple[float, float]] = field(default_factory=list)  # (t, seconds)
    answers: Counter = field(default_factory=Counter)  # practice: ok, or the failure
    streams: Counter = field(default_factory=Counter)  # event streams: ended, cut
    lock: threading.Lock = field(default_factory=threading.Lock)

    def now(self) -> float:
        return time.monotonic() - self.start

    def submit(self, session: requests.Session, api: str, kind: str, spec: dict, query=""):
        """POST the spec; its Entry if accepted, else None (the refusal counted)."""
        t = self.now()
        try:
            reply = session.post(f"{api}/v1/jobs?{query}", json=spec, timeout=TIMEOUT)
        except requests.RequestException as exc:
            with self.lock:
                self.refused[(kind, type(exc).__name__)] += 1
            return None, None
        if reply.status_code not in (200, 202):
            with self.lock:
                self.refused[(kind, str(reply.status_code))] += 1
            return None, reply
        entry = Entry(reply.json()["id"], kind, spec, t, reply.status_code)
        with self.lock:
            self.jobs[entry.id] = entry
        return entry, reply


def page_spec(rng: random.Random) -> tuple[str, dict]:
    return page_request(rng.randrange(1000))


def naive_spec(rng: random.Random, sizes: tuple[int, int] = (2, 10)) -> dict:
    """The lesson's naive job (13,002 parameters, central: 26,004 passes, split into parts)
    on a few digits of its own."""
    size = rng.randint(*sizes)
    return LESSON | {
        "batch": {"dataset": "digits", "resolution": 28, "size": size, "seed": rng.randrange(10**6)}
    }


def train_spec(rng: random.Random) -> dict:
    steps = rng.choice([20, 40, 60])
    return TRAIN | {"train": TRAIN["train"] | {"steps": steps, "seed": rng.randrange(1000)}}


def big_spec(rng: random.Random) -> dict:
    """A result of about 10 MB of JSON: every example's gradients (25,450 parameters, 20
    digits)."""
    return {
        "network": {"layers": [784, 32, 10], "init": {"seed": rng.randrange(1000)}},
        "batch": {"dataset": "digits", "resolution": 28, "size": 20, "seed": rng.randrange(1000)},
        "methods": ["backprop"],
        "include": {"per_example": True},
    }


class Clients:
    """The load's threads, stopped together."""

    def __init__(self, api: str, ledger: Ledger, seed: int, page_rate: float, batch_gap: float):
        self.api, self.ledger = api, ledger
        self.page_rate, self.batch_gap = page_rate, batch_gap
        self.stop = threading.Event()
        self.rng = random.Random(seed)  # noqa: S311  the load drawn from a seed, no secret
        self.threads: list[threading.Thread] = []

    def start(self) -> None:
        for target in (self.pages, self.pages, self.researchers):
            rng = random.Random(self.rng.randrange(2**32))  # noqa: S311  as above
            thread = threading.Thread(target=target, args=(rng,), daemon=True)
            thread.start()
            self.threads.append(thread)

    def join(self) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(TIMEOUT + 5)

    def pages(self, rng: random.Random) -> None:
        """Students on the page: a page job at a steady rate (each of the two threads half of
        it), and every third one's exercises answered."""
        session = requests.Session()
        gap = 2 / self.page_rate
        while not self.stop.wait(rng.uniform(0.5, 1.5) * gap):
            query, spec = page_spec(rng)
            started = time.monotonic()
            entry, reply = self.ledger.submit(session, self.api, "page", spec, query)
            if entry is None:
                continue
            took = time.monotonic() - started
            with self.ledger.lock:
                self.ledger.page_latency.append((entry.submitted, took))
            if reply.status_code == 200 and rng.random() < 1 / 3:
                self.practise(session, entry.id, rng)

    def practise(self, session: requests.Session, job_id: str, rng: random.Random) -> None:
        try:
            listed = session.get(
                f"{self.api}/v1/jobs/{job_id}/exercises",
                params={"count": 2, "seed": rng.randrange(100)},
                timeout=TIMEOUT,
            )
            if listed.status_code != 200:
                raise RuntimeError(str(listed.status_code))
            for exercise in listed.json()["exercises"]:
                options = exercise["answer"].get("options")
                value = rng.choice(options) if options else rng.uniform(-1, 1)
                checked = session.post(
                    f"{self.api}/v1/jobs/{job_id}/exercises/{exercise['id']}/answer",
                    json={"answer": value},
                    timeout=TIMEOUT,
                )
                outcome = "ok" if checked.status_code == 200 else str(checked.status_code)
                with self.ledger.lock:
                    self.ledger.answers[outcome] += 1
        except (requests.RequestException, RuntimeError, KeyError) as exc:
            with self.ledger.lock:
                self.ledger.answers[type(exc).__name__] += 1

    def researchers(self, rng: random.Random) -> None:
        """Batch work, one kind at a time in a random mix."""
        session = requests.Session()
        kinds = ["naive", "train", "big", "stream", "cancel", "delete"]
        while not self.stop.wait(rng.uniform(0.5, 1.5) * self.batch_gap):
            kind = rng.choice(kinds)
            spec = {
                "naive": naive_spec,
                "stream": naive_spec,
                "cancel": lambda rng: naive_spec(rng, (50, 100)),  # long enough to be stopped
                "train": train_spec,
                "big": big_spec,
                "delete": big_spec,
            }[kind](rng)
            entry, _ = self.ledger.submit(session, self.api, kind, spec)
            if entry is None:
                continue
            if kind == "cancel":
                entry.cancel = True
                self.stop.wait(rng.uniform(0.2, 3.0))
                self.ask(session, "post", f"/v1/jobs/{entry.id}/cancel")
            elif kind == "delete":
                entry.delete = True
            elif kind == "stream":
                threading.Thread(target=self.stream, args=(entry.id,), daemon=True).start()

    def ask(self, session: requests.Session, method: str, path: str) -> None:
        """A request that must reach the service: tried again through faults."""
        for _ in range(20):
            try:
                if session.request(method, self.api + path, timeout=TIMEOUT).status_code < 500:
                    return
            except requests.RequestException:
                pass
            time.sleep(1)

    def stream(self, job_id: str) -> None:
        """Hold the job's event stream open until its end event (opened again if cut)."""
        for _ in range(20):
            try:
                with requests.get(
                    f"{self.api}/v1/jobs/{job_id}/events", stream=True, timeout=TIMEOUT
                ) as reply:
                    for line in reply.iter_lines():
                        if line.startswith(b"event: end"):
                            with self.ledger.lock:
                                self.ledger.streams["ended"] += 1
                            return
            except requests.RequestException:
                pass
            with self.ledger.lock:
                self.ledger.streams["cut"] += 1
            time.sleep(1)
