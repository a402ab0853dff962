"""A class and a lab on one service: students' latency quiet vs loaded, held requests vs health.

Runs against the processes `backprop-lab run` starts (its own embedded Redis under a temporary
folder, the interactive and the batch worker, gunicorn with gevent workers), as a user would:

1. *quiet*: STUDENTS students each submit the page's job (the lesson's 784-16-16-10 net on one
   digit, backprop and 200 sampled parameters of the naive method, `POST /v1/jobs?wait=10`),
   arriving evenly spread over ARRIVAL seconds; each one's latency is submit to answer.
2. *loaded*: two researchers start the lesson's naive job on 1,000 digits (central
   differences, every parameter: minutes of batch work, split into parts), and once both run,
   the same storm of students again. The researchers' progress (passes done) is read before
   and after the storm: it must keep rising.
3. *held*: HELD clients open an event stream on a researcher's job and keep it open, then
   /v1/health is asked in turn, one request at a time; the same without held clients first.

Targets: loaded p95 at most 3x quiet p95 and under 1 s; health p99 at most 50 ms
with 200 held; the batch jobs keep progressing. Percentiles are of every student (or health
request) in one storm; the machine's cores and load are printed with them.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import threading
import time
from contextlib import ExitStack
from pathlib import Path

import requests

from bench.common import print_table
from bench.processes import PATIENCE, service

ROOT = Path(__file__).resolve().parents[1]
LESSON = json.loads((ROOT / "examples" / "lesson-784-16-16-10.json").read_text())
RESEARCH = LESSON | {"batch": {"dataset": "digits", "resolution": 28, "size": 1000, "seed": 0}}
STUDENTS, ARRIVAL, HELD, HEALTH_REQUESTS = 100, 5.0, 200, 300
TARGET_RATIO, TARGET_P95, TARGET_HEALTH_P99 = 3.0, 1.0, 0.050


def page_job(digit: int) -> dict:
    """The page's "Run backprop" job (api/static/app.js, singleSpec) for one digit."""
    return {
        "network": LESSON["network"],
        "batch": {"dataset": "digits", "indices": [digit]},
        "methods": ["backprop", "naive"],
        "naive": {"difference": "central", "sample": 200, "seed": 0},
        "include": {"gradients": False, "wishes": True, "layers": True, "per_example": True},
    }


def storm(url: str, students: int, arrival: float) -> list[float]:
    """Every student's seconds from submit to answer; each must get the finished job."""
    latencies: list[float] = []
    failures: list[str] = []
    start = time.perf_counter() + 0.5

    def student(i: int) -> None:
        time.sleep(max(0.0, start + arrival * i / students - time.perf_counter()))
        began = time.perf_counter()
        try:
            reply = requests.post(f"{url}/v1/jobs?wait=10", json=page_job(i % 10), timeout=30)
            job = reply.json()
            if reply.status_code != 200 or job["status"] != "succeeded":
                failures.append(f"{reply.status_code} {job.get('status', job)}")
        except requests.RequestException as exc:
            failures.append(repr(exc))
        latencies.append(time.perf_counter() - began)

    threads = [threading.Thread(target=student, args=(i,)) for i in range(students)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if failures:
        print(f"  {len(failures)} students did not get a finished job, e.g. {failures[0]}")
    return latencies


def percentiles(times: list[float]) -> tuple[float, float, float]:
    q = statistics.quantiles(times, n=100, method="inclusive")
    return q[49], q[94], q[98]


def progress(url: str, job_id: str) -> int:
    return requests.get(f"{url}/v1/jobs/{job_id}", timeout=30).json()["progress"]["done"]


def health_times(url: str, count: int) -> list[float]:
    session, times = requests.Session(), []
    session.get(f"{url}/v1/health", timeout=30)
    for _ in range(count):
        began = time.perf_counter()
        assert session.get(f"{url}/v1/health", timeout=30).ok
        times.append(time.perf_counter() - began)
    return times


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms" if seconds >= 0.01 else f"{seconds * 1000:.1f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=STUDENTS)
    parser.add_argument("--arrival", type=float, default=ARRIVAL, help="seconds they arrive over")
    parser.add_argument("--held", type=int, default=HELD, help="event streams held open")
    args = parser.parse_args()
    print(
        f"cores: {os.cpu_count()}, load average before: {os.getloadavg()[0]:.1f} "
        "(the machine may be shared with other work)"
    )
    with ExitStack() as stack:
        url = stack.enter_context(service(Path(stack.enter_context(tempfile.TemporaryDirectory()))))
        storm(url, 10, 1.0)  # warm-up: every pool process has loaded NumPy and the digits
        quiet = storm(url, args.students, args.arrival)

        research = [
            requests.post(f"{url}/v1/jobs", json=RESEARCH, timeout=30).json()["id"]
            for _ in range(2)
        ]
        deadline = time.monotonic() + PATIENCE
        while not all(progress(url, j) > 0 for j in research):
            assert time.monotonic() < deadline, "the research jobs did not start"
            time.sleep(0.2)
        before = [progress(url, j) for j in research]
        began = time.perf_counter()
        loaded = storm(url, args.students, args.arrival)
        spent = time.perf_counter() - began
        after = [progress(url, j) for j in research]

        calm = health_times(url, HEALTH_REQUESTS)
        # each stream's answer has begun (its headers read) and is left unread: held open
        streams = [
            requests.get(f"{url}/v1/jobs/{research[i % 2]}/events", stream=True, timeout=60)
            for i in range(args.held)
        ]
        time.sleep(1.0)  # every stream has sent its first event
        crowded = health_times(url, HEALTH_REQUESTS)
        for stream in streams:
            stream.close()
        for job_id in research:
            requests.post(f"{url}/v1/jobs/{job_id}/cancel", timeout=30)

    q, l = percentiles(quiet), percentiles(loaded)
    print(
        f"\n{args.students} students, page's job with ?wait=10, arriving over "
        f"{args.arrival:g} s; loaded = 2 research naive jobs (784-16-16-10, 1,000 digits, "
        "central) running on the batch worker"
    )
    print_table(
        ["storm", "p50", "p95", "p99", "max"],
        [["quiet", *map(ms, q), ms(max(quiet))], ["loaded", *map(ms, l), ms(max(loaded))]],
    )
    ratio = l[1] / q[1]
    ok = ratio <= TARGET_RATIO and l[1] < TARGET_P95
    print(
        f"loaded p95 / quiet p95 = {ratio:.2f} (target <= {TARGET_RATIO:g}, and loaded p95 "
        f"< {TARGET_P95:g} s): {'met' if ok else 'NOT met'}"
    )
    rates = [(a - b) / spent for a, b in zip(after, before)]
    print(
        "research jobs during the loaded storm: "
        + ", ".join(f"{b} -> {a} passes ({r:.0f}/s)" for b, a, r in zip(before, after, rates))
        + (": progressing" if all(r > 0 for r in rates) else ": STALLED")
    )
    c, h = percentiles(calm), percentiles(crowded)
    print(f"\n/v1/health, {HEALTH_REQUESTS} requests one at a time")
    print_table(
        ["held streams", "p50", "p95", "p99"], [["0", *map(ms, c)], [str(args.held), *map(ms, h)]]
    )
    print(
        f"health p99 with {args.held} held = {ms(h[2])} (target <= "
        f"{ms(TARGET_HEALTH_P99)}): {'met' if h[2] <= TARGET_HEALTH_P99 else 'NOT met'}"
    )
    print(f"load average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
