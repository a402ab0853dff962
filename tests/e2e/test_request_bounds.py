"""Bounded work per request, over real HTTP against gunicorn as deployed (gevent workers): a
body of absurdly many keys is refused cheaply and briefly, while the process that holds it
keeps answering /v1/health."""

from __future__ import annotations

import http.client
import itertools
import json
import string
import threading
import time
from urllib.parse import urlsplit

import pytest
import requests

from tests.support.processes import gunicorn

KEYS = 938_463  # the attack's count of unknown top-level keys
ATTACKERS = 4
HEALTH_CALLS = 300
# each attacker sends its body at about 8 MB/s (as over a fast link): four bodies arriving at
# once still keep the process busy reading and refusing them, while the test's own threads
# leave the two cores to the server
PIECE, PACE = 256 * 1024, 0.03
ALPHABET = string.ascii_letters + string.digits


def _names():
    """Distinct short key names: the 62 one-character ones, then two characters, ..."""
    for length in itertools.count(1):
        for letters in itertools.product(ALPHABET, repeat=length):
            yield "".join(letters)


@pytest.fixture(scope="module")
def many_keys() -> bytes:
    """{"a":0,"b":0,...}: 938,463 unknown keys in about 8.3 MB, under the 8 MiB body limit."""
    body = ("{" + ",".join(f'"{k}":0' for k in itertools.islice(_names(), KEYS)) + "}").encode()
    assert 8_000_000 < len(body) < 8 * 1024 * 1024
    return body


def _post(base: str, path: str, body: bytes, pace: float = 0.0) -> tuple[int, bytes, float]:
    """POST `body` with its Content-Length on a connection of its own, in pieces of PIECE
    bytes `pace` seconds apart: status, answer, seconds."""
    where = urlsplit(base)
    connection = http.client.HTTPConnection(where.hostname, where.port, timeout=120)
    started = time.perf_counter()
    try:
        connection.putrequest("POST", path)
        connection.putheader("Content-Type", "application/json")
        connection.putheader("Content-Length", str(len(body)))
        connection.endheaders()
        for at in range(0, len(body), PIECE):
            connection.send(body[at : at + PIECE])
            time.sleep(pace)
        answer = connection.getresponse()
        return answer.status, answer.read(), time.perf_counter() - started
    finally:
        connection.close()


def _p99(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))]


def test_the_many_keys_body_is_refused_briefly_and_health_holds(redis_url, tmp_path, many_keys):
    """Four attackers send the 938,463-key body again and again (one gevent process holds them
    all) while /v1/health is called 300 times, the attack under way throughout (it starts
    before the first call and stops after the last). Each answer is a short 413 naming the
    limit, and health's p99 stays under 50 ms: p99 of many calls, not the worst one, so that a
    loaded machine's stray pause does not decide it."""
    with gunicorn(
        tmp_path, REDIS_URL=redis_url, QUEUE_PREFIX="bounds-no-worker-", WEB_CONCURRENCY="1"
    ) as base:
        health = requests.Session()
        health.get(f"{base}/v1/health", timeout=5)
        quiet = []
        for _ in range(100):
            started = time.perf_counter()
            health.get(f"{base}/v1/health", timeout=30)
            quiet.append(time.perf_counter() - started)

        answers: list[tuple[int, bytes, float]] = []
        started_all = threading.Barrier(ATTACKERS + 1)
        enough = threading.Event()

        def attack() -> None:
            started_all.wait()
            while not enough.is_set():  # body after body until health has been measured
                answers.append(_post(base, "/v1/jobs", many_keys, PACE))

        attackers = [threading.Thread(target=attack) for _ in range(ATTACKERS)]
        for thread in attackers:
            thread.start()
        started_all.wait()
        during = []
        deadline = time.monotonic() + 120
        try:
            while len(during) < HEALTH_CALLS and time.monotonic() < deadline:
                started = time.perf_counter()
                reply = health.get(f"{base}/v1/health", timeout=60)
                during.append(time.perf_counter() - started)
                assert reply.json() == {"status": "ok"}
                time.sleep(0.01)
            answered_while_measured = len(answers)
        finally:
            enough.set()
            for thread in attackers:
                thread.join()

        times = sorted(t for _, _, t in answers)
        print(
            f"\nhealth quiet p50 {sorted(quiet)[50] * 1e3:.1f} ms, p99 {_p99(quiet) * 1e3:.1f} ms;"
            f" under attack {len(during)} calls, p50 {sorted(during)[len(during) // 2] * 1e3:.1f}"
            f" ms, p99 {_p99(during) * 1e3:.1f} ms, max {max(during) * 1e3:.1f} ms;"
            f" {len(answers)} answers {sorted({s for s, _, _ in answers})}, largest"
            f" {max(len(a) for _, a, _ in answers)} bytes, times {times[0]:.2f}..{times[-1]:.2f} s"
        )
        # the attack was under way all along: every attacker had bodies answered meanwhile
        assert answered_while_measured >= 2 * ATTACKERS
        for status, answer, _ in answers:
            assert status == 413 and len(answer) < 2000
            problem = json.loads(answer)
            assert problem["errors"][0]["field"] == "(body)"
            assert problem["errors"][0]["limit"] == 1000  # MAX_BODY_KEYS
        assert len(during) == HEALTH_CALLS
        assert _p99(during) < 0.050
