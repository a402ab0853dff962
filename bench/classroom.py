"""A class and a lab on one service: students' latency, CPU per job, a big result, held streams.

Runs against the processes `backprop-lab run` starts (its own embedded Redis under a temporary
folder, the interactive and the batch worker, gunicorn with gevent workers), as a user would;
the students' HTTP clients run on the same machine. In turn:

1. *different digits*: STUDENTS students each submit the page's "Run backprop" request (the
   lesson's 784-16-16-10 preset on one MNIST test digit, each student a digit no one asked for
   before), arriving evenly spread over ARRIVAL seconds; a student's latency is submit to the
   answer's last byte. The CPU seconds the service's processes spent meanwhile (API, workers,
   Redis: their own counters in /proc/<pid>/stat), over the jobs served, is the CPU per job.
2. *same digit*: as many students, all the same digit (one no one asked for before).
3. *a bigger class*: 3 x STUDENTS students over 3 x ARRIVAL seconds, different digits.
4. *loaded*: two researchers start the lesson's naive job on 1,000 digits (central
   differences, every parameter: minutes of batch work, split into parts), and once both run,
   the first storm again (new digits). The researchers' progress (passes done) is read before
   and after the storm: it must keep rising.
5. *held*: HELD clients open an event stream on a researcher's job and keep it open, then
   /v1/health is asked HEALTH_REQUESTS times, one at a time; the same without held clients
   first.
6. *big result*: the 784-1000-200-10 network (986,000 parameters) on 10 digits, backprop only;
   its full GET (63.5 MB of JSON) timed, and the API processes' resident memory sampled while
   the first one streams.

Targets are printed with each number. Percentiles are of every student (or health request) in
one storm; the machine's cores, CPU and load are printed with them.
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

from bench.common import check, cpu, print_table
from bench.processes import PATIENCE, service_process
from bench.results import finished

ROOT = Path(__file__).resolve().parents[1]
LESSON = json.loads((ROOT / "examples" / "lesson-784-16-16-10.json").read_text())


def research_job(seed: int) -> dict:
    """A researcher's naive job on 1,000 digits; each researcher draws other digits (two
    identical jobs would be computed once: the result cache)."""
    return LESSON | {"batch": {"dataset": "digits", "resolution": 28, "size": 1000, "seed": seed}}


BIG = {
    "network": {"layers": [784, 1000, 200, 10]},
    "batch": {"dataset": "digits", "resolution": 28, "size": 10},
}
STUDENTS, ARRIVAL, HELD, HEALTH_REQUESTS = 100, 5.0, 200, 300
SAME_DIGIT = 999  # of the mnist test split's 1,000: no other storm asks for it
TARGETS = {"p95": 1.0, "same p95": 0.3, "cpu": 0.015, "big": 0.5, "health p99": 0.050}
TICK = os.sysconf("SC_CLK_TCK")
PAGE_FIELDS = "id,status,progress,error,network,batch,wishes,examples,naive,timing"


def page_request(digit: int) -> tuple[str, dict]:
    """The page's "Run backprop" request for one digit (api/static/app.js, singleSpec and
    its submit): the query (the fields its network and cost views draw) and the spec."""
    return f"wait=10&fields={PAGE_FIELDS}", {
        "network": {"preset": "lesson-untrained"},
        "batch": {"dataset": "mnist", "split": "test", "indices": [digit]},
        "methods": ["backprop", "naive"],
        "naive": {"difference": "central", "sample": 20, "seed": 0},
        "include": {"gradients": False, "wishes": True, "layers": True, "per_example": True},
    }


def wait_for(check, what: str, seconds: float = PATIENCE) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what} did not happen within {seconds:g} s")
        time.sleep(0.2)


# -- the service's processes and their CPU counters -----------------------------------------


def _stat(pid: int) -> tuple[int, float] | None:
    """(parent pid, CPU seconds: user + system) of a process, or None once it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return int(fields[1]), (int(fields[11]) + int(fields[12])) / TICK


def _kind(pid: int) -> str:
    try:
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return "gone"
    for kind, word in (("API", "gunicorn"), ("workers", "celery"), ("Redis", "redis-server")):
        if word in argv:
            return kind
    return "other"


def family(root: int) -> dict[int, str]:
    """Every process descended from `root` (its pid excluded), by kind."""
    parents = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (stat := _stat(int(entry.name))) is not None:
            parents[int(entry.name)] = stat[0]
    found, frontier = set(), {root}
    while frontier:
        frontier = {p for p, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return {pid: _kind(pid) for pid in found}


def cpu_seconds(root: int) -> dict[int, tuple[str, float]]:
    return {
        pid: (kind, stat[1])
        for pid, kind in family(root).items()
        if (stat := _stat(pid)) is not None
    }


def cpu_spent(before: dict, after: dict) -> dict[str, float]:
    """CPU seconds by kind between two readings (a process that started in between counts
    from zero)."""
    spent: dict[str, float] = {}
    for pid, (kind, seconds) in after.items():
        spent[kind] = spent.get(kind, 0.0) + seconds - before.get(pid, (kind, 0.0))[1]
    return spent


def rss(pids: list[int]) -> int:
    """Resident bytes of these processes together."""
    total = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
        except OSError:
            pass
    return total


# -- students --------------------------------------------------------------------------------


def storm(url: str, digits: list[int], arrival: float) -> list[float]:
    """Every student's seconds from submit to answer; each must get the finished job."""
    latencies: list[float] = []
    failures: list[str] = []
    start = time.perf_counter() + 0.5

    def student(i: int, digit: int) -> None:
        time.sleep(max(0.0, start + arrival * i / len(digits) - time.perf_counter()))
        query, spec = page_request(digit)
        began = time.perf_counter()
        try:
            reply = requests.post(f"{url}/v1/jobs?{query}", json=spec, timeout=30)
            job = reply.json()
            if reply.status_code != 200 or job["status"] != "succeeded":
                failures.append(f"{reply.status_code} {job.get('status', job)}")
        except requests.RequestException as exc:
            failures.append(repr(exc))
        latencies.append(time.perf_counter() - began)

    threads = [threading.Thread(target=student, args=(i, d)) for i, d in enumerate(digits)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if failures:
        print(f"  {len(failures)} students did not get a finished job, e.g. {failures[0]}")
    return latencies


def measured_storm(url: str, root: int, digits: list[int], arrival: float) -> dict:
    before = cpu_seconds(root)
    times = storm(url, digits, arrival)
    time.sleep(0.5)  # the last answers' bookkeeping (the worker's end, the API's close)
    spent = cpu_spent(before, cpu_seconds(root))
    return {"times": times, "cpu": spent, "jobs": len(digits)}


def percentiles(times: list[float]) -> tuple[float, float, float]:
    q = statistics.quantiles(times, n=100, method="inclusive")
    return q[49], q[94], q[98]


def progress(url: str, job_id: str) -> int:
    reply = requests.get(f"{url}/v1/jobs/{job_id}", params={"fields": "progress"}, timeout=30)
    return reply.json()["progress"]["done"]


def health_times(url: str, count: int) -> list[float]:
    session, times = requests.Session(), []
    session.get(f"{url}/v1/health", timeout=30)
    for _ in range(count):
        began = time.perf_counter()
        check(session.get(f"{url}/v1/health", timeout=30).ok, "/v1/health")
        times.append(time.perf_counter() - began)
    return times


def big_result(url: str, root: int, rounds: int) -> dict:
    """The big job's full GET: seconds per round, bytes, and the API's resident memory before
    and at its peak while the first GET streams (sampled every 5 ms)."""
    job = finished(url, BIG)
    job_id, size = job["id"], job["result_size"]
    api = [pid for pid, kind in family(root).items() if kind == "API"]
    base, peak, body, times = rss(api), 0, 0, []
    sampling = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not sampling.is_set():
            peak = max(peak, rss(api))
            time.sleep(0.005)

    for r in range(rounds):
        watcher = threading.Thread(target=sample) if r == 0 else None
        if watcher:
            watcher.start()
        began = time.perf_counter()
        with requests.get(f"{url}/v1/jobs/{job_id}", stream=True, timeout=120) as full:
            body = sum(len(chunk) for chunk in full.iter_content(1 << 20))
        times.append(time.perf_counter() - began)
        if watcher:
            sampling.set()
            watcher.join()
    return {"times": times, "bytes": body, "stored": size["stored"], "rss": base, "peak": peak}


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms" if seconds >= 0.01 else f"{seconds * 1000:.1f} ms"


def verdict(ok: bool) -> str:
    return "met" if ok else "NOT met"


def report(name: str, storm: dict, target: float, arrival: float) -> list[str]:
    p50, p95, p99 = percentiles(storm["times"])
    cpu = sum(storm["cpu"].values()) / storm["jobs"]
    parts = ", ".join(f"{k} {ms(v / storm['jobs'])}" for k, v in sorted(storm["cpu"].items()))
    return [
        f"{name}: {storm['jobs']} over {arrival:g} s",
        ms(p50),
        ms(p95),
        ms(p99),
        ms(max(storm["times"])),
        f"{ms(cpu)} ({parts})",
        f"p95 < {ms(target)}: {verdict(p95 < target)}",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=STUDENTS)
    parser.add_argument("--arrival", type=float, default=ARRIVAL, help="seconds they arrive over")
    parser.add_argument("--held", type=int, default=HELD, help="event streams held open")
    parser.add_argument("--rounds", type=int, default=5, help="full GETs of the big result")
    args = parser.parse_args()
    n, arrival = args.students, args.arrival
    print(f"{cpu()}; load average before: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    rows = []
    with ExitStack() as stack:
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        url, process = stack.enter_context(service_process(folder))
        root = process.pid
        storm(url, list(range(900, 910)), 1.0)  # warm-up: every process has loaded the data
        first = measured_storm(url, root, list(range(n)), arrival)
        rows.append(report("different digits, quiet", first, TARGETS["p95"], arrival))
        same = measured_storm(url, root, [SAME_DIGIT] * n, arrival)
        rows.append(report("same digit, quiet", same, TARGETS["same p95"], arrival))
        bigger = measured_storm(url, root, list(range(n, 4 * n)), 3 * arrival)
        rows.append(report("different digits, quiet", bigger, TARGETS["p95"], 3 * arrival))

        research = [
            requests.post(f"{url}/v1/jobs", json=research_job(seed), timeout=30).json()["id"]
            for seed in range(2)
        ]
        try:
            wait_for(lambda: all(progress(url, j) > 0 for j in research), "research", 300)
        except RuntimeError:
            states = [requests.get(f"{url}/v1/jobs/{j}", timeout=30).json() for j in research]
            raise RuntimeError(f"the research jobs did not start: {states}") from None
        before = [progress(url, j) for j in research]
        began = time.perf_counter()
        loaded = measured_storm(url, root, list(range(4 * n, 5 * n)), arrival)
        spent = time.perf_counter() - began
        after = [progress(url, j) for j in research]
        ended = [
            requests.get(f"{url}/v1/jobs/{j}", params={"fields": "status"}, timeout=30).json()
            for j in research
        ]
        rows.append(report("different digits, 2 research jobs", loaded, TARGETS["p95"], arrival))

        calm = health_times(url, HEALTH_REQUESTS)
        # each stream's answer has begun (its headers read) and is left unread: held open
        streams = [
            requests.get(f"{url}/v1/jobs/{research[i % 2]}/events", stream=True, timeout=60)
            for i in range(args.held)
        ]
        time.sleep(1.0)  # every stream is open and has sent its first event
        crowded = health_times(url, HEALTH_REQUESTS)
        for client in streams:
            client.close()
        for job_id in research:
            requests.post(f"{url}/v1/jobs/{job_id}/cancel", timeout=30)
        big = big_result(url, root, args.rounds)

    print("\nstudents: the page's request, ?wait=10; latency is submit to the answer's end")
    print_table(
        ["storm", "p50", "p95", "p99", "max", "CPU per job (API + workers + Redis)", "target"],
        rows,
    )
    per_job = sum(first["cpu"].values()) / first["jobs"]
    print(
        f"CPU per page job (different digits, quiet) = {ms(per_job)} (target <= "
        f"{ms(TARGETS['cpu'])}): {verdict(per_job <= TARGETS['cpu'])}"
    )
    rates = [(a - b) / spent for a, b in zip(after, before)]
    print(
        "research jobs during the loaded storm: "
        + ", ".join(f"{b} -> {a} passes ({r:.0f}/s)" for b, a, r in zip(before, after, rates))
        + ", ".join(f" ({e['status']})" for e in ended if e["status"] != "running")
        + (
            ": progressing"
            if all(r > 0 or e["status"] == "succeeded" for r, e in zip(rates, ended))
            else ": STALLED"
        )
    )
    c, h = percentiles(calm), percentiles(crowded)
    print(f"\n/v1/health, {HEALTH_REQUESTS} requests one at a time")
    print_table(
        ["held streams", "p50", "p95", "p99"], [["0", *map(ms, c)], [str(args.held), *map(ms, h)]]
    )
    print(
        f"health p99 with {args.held} held = {ms(h[2])} (target <= "
        f"{ms(TARGETS['health p99'])}): {verdict(h[2] <= TARGETS['health p99'])}"
    )
    q = statistics.quantiles(big["times"], n=4) if len(big["times"]) > 1 else big["times"] * 3
    grown = big["peak"] - big["rss"]
    print(
        f"\nbig result (784-1000-200-10, 10 digits): full GET of {big['bytes'] / 1e6:.1f} MB, "
        f"median {statistics.median(big['times']):.2f} s [{q[0]:.2f}, {q[2]:.2f}] over "
        f"{len(big['times'])} (target <= {TARGETS['big']:g} s): "
        f"{verdict(statistics.median(big['times']) <= TARGETS['big'])}; API resident memory "
        f"{big['rss'] / 1e6:.0f} MB before, +{grown / 1e6:.1f} MB at the first GET's peak, "
        f"stored result {big['stored'] / 1e6:.1f} MB (target: growth <= 2 x stored): "
        f"{verdict(grown <= 2 * big['stored'])}"
    )
    print(f"load average after: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
