"""A sweep's wall time through the service, with 1 and 2 batch workers.

    python -m bench.sweep_workers [--workers 1,2] [--widths 1,4,16,...] [--sample 200]

For each worker count: an embedded Redis, the API (`backprop-lab serve`), one interactive
worker and N batch workers (`backprop-lab worker -Q batch`, one pool process each), started as
users start them (bench/processes.py); then one POST /v1/sweeps of the lesson's family
784-h-h-10 over the widths at batch 1 and 100, backprop and the naive method on a seeded sample
of parameters (a full naive run of the large networks takes hours), timed from the submit to
the sweep's end as GET /v1/sweeps/<id> reports it. The service sends SWEEP_IN_FLIGHT children
at a time (2 by default), so two workers can run two points side by side. Each worker count
runs --repeats sweeps on one service without the result cache; the wall times are reported as
their median and quartiles.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

import requests

from bench import processes
from bench.common import check, cpu, print_table

WIDTHS = (1, 4, 16, 64, 128, 256, 400, 675)  # 807 .. 993,035 parameters (MAX_PARAMETERS: 1e6)
BATCHES = (1, 100)


def sweep_body(widths: tuple[int, ...], sample: int) -> dict:
    return {
        "base": {
            "network": {"layers": [784, 16, 16, 10], "init": {"seed": 7}},
            "batch": {"dataset": "digits", "resolution": 28, "size": 1, "seed": 0},
            "methods": ["backprop", "naive"],
            "naive": {"difference": "central", "sample": sample, "seed": 11},
            "include": {"gradients": False, "wishes": False, "layers": False},
        },
        "grid": {
            "network.layers": [[784, h, h, 10] for h in widths],
            "batch.size": list(BATCHES),
        },
    }


def sweeps(folder: Path, batch_workers: int, body: dict, repeats: int) -> list[dict]:
    """`repeats` sweeps one after the other on one service with `batch_workers` batch workers
    (no result cache: each point is computed again); each one's wall time and last answer."""
    with ExitStack() as stack:
        redis_url = stack.enter_context(processes.redis_server(folder))
        env = {"REDIS_URL": redis_url, "QUEUE_PREFIX": "", "RESULT_CACHE": "false"}
        api = stack.enter_context(processes.api(folder, WEB_CONCURRENCY="1", **env))
        stack.enter_context(
            processes.worker(folder, "interactive", celery=["-Q", "interactive"], **env)
        )
        for i in range(batch_workers):
            stack.enter_context(
                processes.worker(folder, f"batch{i}", celery=["-Q", "batch"], **env)
            )
        return [one_sweep(api, body) for _ in range(repeats)]


def one_sweep(api: str, body: dict) -> dict:
    began = time.perf_counter()
    made = requests.post(f"{api}/v1/sweeps", json=body, timeout=60)
    check(made.status_code == 202, made.text)
    sweep_id = made.json()["id"]
    while True:
        sweep = requests.get(f"{api}/v1/sweeps/{sweep_id}", timeout=60).json()
        if sweep["status"] != "running":
            break
        time.sleep(0.1)
    wall = time.perf_counter() - began
    check(sweep["progress"]["by_state"].get("succeeded") == sweep["progress"]["total"], sweep)
    return {"wall": wall, "sweep": sweep, "load": os.getloadavg()}


def spread(values: list[float]) -> str:
    """The median and quartiles, in seconds."""
    if len(values) < 2:
        return f"{values[0]:.1f} s"
    q1, q2, q3 = statistics.quantiles(values, n=4)
    return f"{q2:.1f} s [{q1:.1f}-{q3:.1f}]"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", default="1,2", help="batch worker counts (default 1,2)")
    parser.add_argument("--widths", default=",".join(map(str, WIDTHS)))
    parser.add_argument("--sample", type=int, default=200, help="naive: parameters sampled")
    parser.add_argument("--repeats", type=int, default=5, help="sweeps per worker count")
    args = parser.parse_args()
    widths = tuple(int(w) for w in args.widths.split(","))
    body = sweep_body(widths, args.sample)
    print(f"{cpu()}; load average at start {os.getloadavg()[0]:.2f}")
    rows = []
    for count in (int(c) for c in args.workers.split(",")):
        with tempfile.TemporaryDirectory(prefix="bench-sweep-") as folder:
            done = sweeps(Path(folder), count, body, args.repeats)
        fit = done[-1]["sweep"].get("fit") or {}
        exponents = ", ".join(
            f"{method} k = {law['k']:.2f}"
            for method, law in sorted(fit.items())
            if isinstance(law, dict) and "k" in law
        )
        rows.append(
            [
                count,
                done[-1]["sweep"]["progress"]["total"],
                len(done),
                spread([d["wall"] for d in done]),
                ", ".join(f"{d['wall']:.1f}" for d in done),
                f"{done[-1]['load'][0]:.2f}",
                exponents or "-",
            ]
        )
    header = ["batch workers", "points", "sweeps", "wall: median [quartiles]", "each (s)"]
    print_table([*header, "load (1 min) at end", "the service's fit, last sweep"], rows)


if __name__ == "__main__":
    main()
