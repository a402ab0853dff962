"""Big results: the 784-1000-200-10 network (986,000 parameters) on 10 digits, backprop only.

Everything runs on the processes `backprop-lab run` starts (bench/processes.py): its own
embedded redis-server, the interactive and the batch worker and the API, all with
RESULT_STORE_BYTES = --budget. Measured:

- the result's JSON bytes, the estimate made at submit, and the bytes stored in Redis (MEMORY
  USAGE of the result's key, and what the store accounted);
- the time of a full `GET /v1/jobs/<id>`, of `?fields=cost,timing`, and of `result.npz`,
  interleaved round after round (median [quartiles]); and, in this process, the server's work
  for the full JSON: written from the stored form (`api.results`) against the way it was
  before, the record's JSON text parsed and written again (`json.loads` + `json.dumps`);
- a sweep of --jobs such jobs, one after another: the store's bytes and MEMORY USAGE of every
  result key against the budget after each, and Redis' used_memory before and after.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

import redis
import requests

from bench.common import check, print_table
from bench.processes import free_port, service

SPEC = {
    "network": {"layers": [784, 1000, 200, 10]},
    "batch": {"dataset": "digits", "resolution": 28, "size": 10},
}
MB = 1e6


def finished(api: str, spec: dict) -> dict:
    job = requests.post(f"{api}/v1/jobs", json=spec, params={"wait": 60}, timeout=120).json()
    while job["status"] in ("queued", "running"):
        time.sleep(0.2)
        job = requests.get(
            f"{api}/v1/jobs/{job['id']}", params={"fields": "status,id"}, timeout=120
        ).json()
    check(job["status"] == "succeeded", job)
    return requests.get(
        f"{api}/v1/jobs/{job['id']}", params={"fields": "id,result_size"}, timeout=120
    ).json()


def key_memory(client: redis.Redis) -> int:
    return sum(client.memory_usage(k, samples=0) or 0 for k in client.keys("backprop-lab:result:*"))


def reads(api: str, job_id: str, rounds: int) -> dict[str, list[float]]:
    urls = {
        "full GET": (f"{api}/v1/jobs/{job_id}", None),
        "?fields=cost,timing": (f"{api}/v1/jobs/{job_id}", {"fields": "cost,timing"}),
        "result.npz": (f"{api}/v1/jobs/{job_id}/result.npz", None),
    }
    times: dict[str, list[float]] = {name: [] for name in urls}
    for r in range(rounds + 1):
        for name, (url, params) in list(urls.items())[r % 3 :] + list(urls.items())[: r % 3]:
            start = time.perf_counter()
            body = requests.get(url, params=params, timeout=120).content
            if r:  # the first round warms up
                times[name].append(time.perf_counter() - start)
            times[name + " bytes"] = [len(body)]
    return times


def writing(stored: dict[bytes, bytes], rounds: int) -> dict[str, list[float]]:
    """Seconds to write the result's JSON from the stored form, and from JSON text as the
    record held it before (parse, then write again)."""
    from api.results import _buffered, _result, _shown

    fields = {k.decode(): v for k, v in stored.items()}
    text = b"".join(_buffered(_result(*_shown(dict(fields), None))))
    ways = {
        "streamed from the store": lambda: sum(
            map(len, _buffered(_result(*_shown(dict(fields), None))))
        ),
        "before: json.loads + json.dumps": lambda: len(json.dumps(json.loads(text))),
    }
    times: dict[str, list[float]] = {name: [] for name in ways}
    for r in range(rounds):
        for name, way in list(ways.items())[r % 2 :] + list(ways.items())[: r % 2]:
            start = time.perf_counter()
            way()
            times[name].append(time.perf_counter() - start)
    return times


def spread(values: list[float]) -> str:
    q = statistics.quantiles(values, n=4) if len(values) > 1 else values * 3
    return f"{statistics.median(values):.3f} s [{q[0]:.3f}, {q[2]:.3f}]"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=50, help="jobs in the sweep")
    parser.add_argument(
        "--budget", type=float, default=256 * 2**20, help="RESULT_STORE_BYTES for the run (bytes)"
    )
    parser.add_argument("--rounds", type=int, default=7, help="rounds of the three reads")
    args = parser.parse_args()
    budget = int(args.budget)
    with ExitStack() as stack:
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        url = f"redis://127.0.0.1:{free_port()}/0"  # the run command starts Redis there
        api = stack.enter_context(service(folder, REDIS_URL=url, RESULT_STORE_BYTES=str(budget)))
        client = redis.Redis.from_url(url)
        before = client.info("memory")["used_memory"]

        job = finished(api, SPEC)
        size = job["result_size"]
        times = reads(api, job["id"], args.rounds)
        json_bytes = len(
            json.dumps(
                requests.get(
                    f"{api}/v1/jobs/{job['id']}", params={"fields": "result"}, timeout=120
                ).json()["result"],
                separators=(",", ":"),
            )
        )
        print(f"one job ({SPEC['network']['layers']}, 10 digits, backprop only):")
        print_table(
            ["what", "bytes"],
            [
                ["result as JSON", f"{json_bytes:,}"],
                [
                    "estimate at submit",
                    f"{size['estimate']:,} ({size['estimate'] / json_bytes:.3f} of the JSON)",
                ],
                ["reserved while it ran", f"{size['reserved']:,}"],
                [
                    "stored (accounted)",
                    f"{size['stored']:,} ({json_bytes / size['stored']:.2f}x "
                    "smaller than the JSON)",
                ],
                ["stored (MEMORY USAGE)", f"{key_memory(client):,}"],
                ["full GET body", f"{times.pop('full GET bytes')[0]:,}"],
                ["?fields=cost,timing body", f"{times.pop('?fields=cost,timing bytes')[0]:,}"],
                ["result.npz body", f"{times.pop('result.npz bytes')[0]:,}"],
            ],
        )
        print(f"\nreads, median [quartiles] over {args.rounds} interleaved rounds:")
        print_table(["read", "time"], [[name, spread(t)] for name, t in times.items()])
        writes = writing(client.hgetall(f"backprop-lab:result:{job['id']}"), args.rounds)
        print("\nthe server's work for the full JSON, in this process, interleaved:")
        print_table(["how", "time"], [[name, spread(t)] for name, t in writes.items()])

        rows = []
        for n in range(2, args.jobs + 1):
            finished(api, SPEC)
            accounted = int(client.get("backprop-lab:results:total") or 0)
            if n % 10 == 0 or n == args.jobs:
                rows.append(
                    [
                        n,
                        f"{accounted / MB:,.1f}",
                        f"{key_memory(client) / MB:,.1f}",
                        client.zcard("backprop-lab:results"),
                        f"{(client.info('memory')['used_memory'] - before) / MB:,.1f}",
                    ]
                )
            check(accounted <= budget, (accounted, budget))
        print(f"\nsweep of {args.jobs} jobs, RESULT_STORE_BYTES = {budget / MB:,.1f} MB:")
        print_table(
            [
                "jobs",
                "store MB (accounted)",
                "result keys MB (MEMORY USAGE)",
                "results kept",
                "Redis used_memory growth MB",
            ],
            rows,
        )


if __name__ == "__main__":
    main()
