"""The service end to end: job round trips against a bare Celery task, and the naive method
split over 1 vs 2 worker processes.

Everything runs on processes this script starts, the service's own commands configured by
their environment (bench/processes.py): the embedded redis-server, `backprop-lab worker`
processes (one pool process each) and `backprop-lab serve` (one gunicorn process). Measured:

- round trip of a bare task (Celery's built-in `celery.accumulate`, which every app has and
  which only returns its argument: `send_task().get()`, the floor of any Celery job) against
  a tiny job (the 2-3-2 net) through the API, `POST /v1/jobs?wait=10`, one at a time:
  median and p95 latency, jobs per second; and `?wait` requests per second with CLIENTS
  concurrent clients. Target: the job within 1.5x of the bare task.
- the lesson's naive job (784-16-16-10, 100 digits, central differences, all 13,002
  parameters) on 1 and then 2 worker processes, wall time from submit to result. Target: 2
  workers at least 1.7x faster than 1.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path

import requests

from bench import processes
from bench.common import check, print_table, seconds
from worker.celery_config import sender
from worker.settings import Settings

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
TINY = json.loads((EXAMPLES / "tiny-2-3-2.json").read_text())
LESSON = json.loads((EXAMPLES / "lesson-784-16-16-10.json").read_text())
QUEUE = "bench-service-"  # the queues' prefix: a worker of another run never takes these jobs
CLIENTS = 4
ROUND_TRIP_TARGET, SPEEDUP_TARGET = 1.5, 1.7
SESSIONS = threading.local()
BARE = "celery.accumulate"  # built into every Celery app: returns its argument


def timed(fn: Callable[[], object], count: int) -> list[float]:
    fn()  # warm-up
    times = []
    for _ in range(count):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return times


def p95(times: list[float]) -> float:
    return statistics.quantiles(times, n=20)[-1]


def concurrent_rate(fn: Callable[[], object], count: int, clients: int) -> float:
    began = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(lambda _: fn(), range(count)))
    return count / (time.perf_counter() - began)


def tiny_job(api: str) -> None:
    """One job through the API; each client thread keeps its connection (keep-alive), as the
    Celery client keeps its own."""
    session = SESSIONS.__dict__.setdefault("session", requests.Session())
    reply = session.post(f"{api}/v1/jobs?wait=10", json=TINY, timeout=30)
    check(reply.status_code == 200 and reply.json()["status"] == "succeeded", reply.text)


def naive_job(api: str) -> float:
    """Seconds from submit to the result of the lesson's naive job, which must succeed."""
    began = time.perf_counter()
    job = requests.post(f"{api}/v1/jobs?wait=10", json=LESSON, timeout=30).json()
    while job["status"] in ("queued", "running"):
        time.sleep(0.02)
        job = requests.get(f"{api}/v1/jobs/{job['id']}", timeout=30).json()
    check(job["status"] == "succeeded", job["error"])
    check(job["result"]["naive"]["passes"] == 2 * 13_002, job["result"]["naive"]["passes"])
    return time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=200, help="round trips of each kind")
    parser.add_argument("--naive-runs", type=int, default=3, help="naive jobs per worker count")
    args = parser.parse_args()
    with ExitStack() as stack:
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        redis_url = stack.enter_context(processes.redis_server(folder))
        env = {"REDIS_URL": redis_url, "QUEUE_PREFIX": QUEUE}
        stack.enter_context(processes.worker(folder, "bench-1", **env))
        api = stack.enter_context(processes.api(folder, WEB_CONCURRENCY="1", **env))
        celery = sender(Settings(redis_url=redis_url, queue_prefix=QUEUE))

        def noop() -> None:
            celery.send_task(BARE, args=[None]).get(timeout=10)

        bare, job = timed(noop, args.count), timed(lambda: tiny_job(api), args.count)
        bare_rate = concurrent_rate(noop, args.count, CLIENTS)
        wait_rate = concurrent_rate(lambda: tiny_job(api), args.count, CLIENTS)
        one = [naive_job(api) for _ in range(args.naive_runs)]
        stack.enter_context(processes.worker(folder, "bench-2", **env))
        two = [naive_job(api) for _ in range(args.naive_runs)]

    ratio = statistics.median(job) / statistics.median(bare)
    speedup = statistics.median(one) / statistics.median(two)
    print_table(
        [
            "round trip",
            "median",
            "p95",
            "per second (one client)",
            f"per second ({CLIENTS} clients)",
        ],
        [
            [
                "bare Celery task",
                seconds(statistics.median(bare)),
                seconds(p95(bare)),
                f"{len(bare) / sum(bare):.0f}",
                f"{bare_rate:.0f}",
            ],
            [
                "tiny job, POST ?wait",
                seconds(statistics.median(job)),
                seconds(p95(job)),
                f"{len(job) / sum(job):.0f}",
                f"{wait_rate:.0f}",
            ],
        ],
    )
    print()
    print_table(
        ["naive job (13,002 parameters, central)", "1 worker", "2 workers", "speedup"],
        [
            [
                "784-16-16-10, 100 digits",
                seconds(statistics.median(one)),
                seconds(statistics.median(two)),
                f"{speedup:.2f}",
            ]
        ],
    )
    print(
        f"\ntiny job / bare task round trip {ratio:.2f} (target <= {ROUND_TRIP_TARGET}): "
        f"{'ok' if ratio <= ROUND_TRIP_TARGET else 'MISSED'}"
    )
    print(
        f"2 workers / 1 speedup {speedup:.2f} (target >= {SPEEDUP_TARGET}): "
        f"{'ok' if speedup >= SPEEDUP_TARGET else 'MISSED'}"
    )


if __name__ == "__main__":
    main()
