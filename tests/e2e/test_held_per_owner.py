"""One API key opening 5,000 event streams against gunicorn's gevent processes: the ones beyond
HELD_PER_OWNER are refused with 429 and Retry-After (counted in Redis, so exactly the bound is
held over both processes), /v1/health keeps answering, another key can still submit and
stream, and afterwards each API process is back to a few Redis connections.

Real processes: gunicorn (two gevent workers, API keys on) on the test's Redis with no worker
on its queues, so the job stays queued and every stream it grants stays open. The attempts are
raw HTTP requests from 16 threads; each reads its status line and keeps a granted stream open
until the end. The Redis connections are the API processes' own TCP sockets to the Redis
port (/proc, through psutil).
"""

from __future__ import annotations

import socket
import statistics
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

import psutil
import redis
import requests

from api.clients import owner_id
from tests.support.processes import gunicorn
from tests.support.specs import example
from tests.support.waiting import PATIENCE, wait_until
from worker import keyspace

TINY = example("tiny-2-3-2")
ATTEMPTS, LIMIT, POOL = 5000, 50, 20
A, B = "key-of-the-attacker", "key-of-a-student"


def attempt(host: str, port: int, path: str, key: str) -> tuple[int, dict[str, str], socket.socket]:
    """GET `path` with `key`; the status, the headers, and the open socket."""
    client = socket.create_connection((host, port), timeout=PATIENCE)
    client.sendall(f"GET {path} HTTP/1.1\r\nHost: {host}\r\nX-API-Key: {key}\r\n\r\n".encode())
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = client.recv(4096)
        if not chunk:
            break
        head += chunk
    lines = head.split(b"\r\n\r\n")[0].decode().split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines[1:] if ": " in line)
    return int(lines[0].split()[1]), {k.lower(): v for k, v in headers.items()}, client


def api_processes(port: int) -> list[psutil.Process]:
    """gunicorn's worker processes serving `port`: the children of the master bound to it."""
    bound = f"127.0.0.1:{port}"
    serving = [p for p in psutil.process_iter(["cmdline"]) if bound in (p.info["cmdline"] or [])]
    pids = {p.pid for p in serving}
    return [p for p in serving if p.ppid() in pids]  # the workers share the master's command


def redis_sockets(process: psutil.Process, redis_port: int) -> int:
    return sum(
        1
        for c in process.net_connections("tcp")
        if c.raddr and c.raddr.port == redis_port and c.status == "ESTABLISHED"
    )


def test_5000_streams_from_one_key_are_refused_beyond_the_bound(redis_url, tmp_path):
    redis_port = urlsplit(redis_url).port or 6379
    store = redis.Redis.from_url(redis_url)
    with gunicorn(
        tmp_path,
        REDIS_URL=redis_url,
        QUEUE_PREFIX="held-per-owner-no-worker-",
        WEB_CONCURRENCY="2",
        API_KEYS=f"{A},{B}",
        HELD_PER_OWNER=str(LIMIT),
        API_REDIS_CONNECTIONS=str(POOL),
        API_REDIS_IDLE_SECONDS="1",
        JOB_TTL="300",
    ) as base:
        host, port = urlsplit(base).hostname, urlsplit(base).port
        processes = api_processes(port)
        assert len(processes) == 2
        job = requests.post(f"{base}/v1/jobs", json=TINY, headers={"X-API-Key": A}, timeout=10)
        assert job.status_code == 202
        path = f"/v1/jobs/{job.json()['id']}/events"

        health, stop = [], threading.Event()

        def watch_health() -> None:
            while not stop.is_set():
                began = time.perf_counter()
                reply = requests.get(f"{base}/v1/health", timeout=PATIENCE)
                health.append((reply.status_code, time.perf_counter() - began))
                time.sleep(0.02)

        watcher = threading.Thread(target=watch_health, daemon=True)
        watcher.start()
        peak = 0
        with ThreadPoolExecutor(16) as pool:
            answers = list(pool.map(lambda _: attempt(host, port, path, A), range(ATTEMPTS)))
            peak = max(redis_sockets(p, redis_port) for p in processes)
        granted = [client for status, _, client in answers if status == 200]
        refused = [(status, headers) for status, headers, _ in answers if status != 200]
        try:
            assert len(granted) == LIMIT
            assert len(refused) == ATTEMPTS - LIMIT
            assert {status for status, _ in refused} == {429}
            assert all(int(headers["retry-after"]) >= 1 for _, headers in refused)
            assert {headers["content-type"] for _, headers in refused} == {
                "application/problem+json"
            }
            problem = requests.get(f"{base}{path}", headers={"X-API-Key": A}, timeout=10).json()
            assert problem["type"] == "/problems/held-requests"
            assert (problem["held"], problem["limit"]) == (LIMIT, LIMIT)
            # a ?wait of the same key is a held request too: refused before anything is recorded
            waited = requests.post(
                f"{base}/v1/jobs?wait=5", json=TINY, headers={"X-API-Key": A}, timeout=10
            )
            assert waited.status_code == 429 and "Retry-After" in waited.headers
            # another key is not held back: it submits, and streams
            other = requests.post(
                f"{base}/v1/jobs", json=TINY, headers={"X-API-Key": B}, timeout=10
            )
            assert other.status_code == 202
            status, _, stream = attempt(host, port, f"/v1/jobs/{other.json()['id']}/events", B)
            stream.close()
            assert status == 200
        finally:
            stop.set()
            watcher.join()
            for client in granted:
                client.close()
        times = sorted(seconds for _, seconds in health)
        p99 = times[int(0.99 * (len(times) - 1))]
        print(
            f"health: {len(times)} answers, median {statistics.median(times) * 1000:.1f} ms, "
            f"p99 {p99 * 1000:.1f} ms; Redis sockets per API process at most {peak}"
        )
        assert {status for status, _ in health} == {200} and len(times) >= 10
        assert p99 < 2.0, times[-10:]  # it timed out (15 s) beyond 1,500 open streams
        # the held slots come back as the streams end ...
        # (B's too, so that no lease of this test outlives it in the service's held count)
        held = [keyspace.holds(f"key:{owner_id(key)}") for key in (A, B)]
        wait_until(lambda: sum(map(store.zcard, held)) == 0, "the held streams released")
        # ... and each process's idle Redis connections close: its pools' few, the
        # subscriber, the Celery sender's
        assert peak <= 2 * POOL + 5
        wait_until(
            lambda: max(redis_sockets(p, redis_port) for p in processes) <= 6,
            "the idle Redis connections closed",
        )
        for queued in (job.json()["id"], other.json()["id"]):
            for key in (A, B):
                requests.delete(f"{base}/v1/jobs/{queued}", headers={"X-API-Key": key}, timeout=10)
