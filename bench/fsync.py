"""What `appendfsync always` costs a submit: POST /v1/jobs to its 202, with Redis writing each
command to disk before it answers (`always`) or once a second (`everysec`), side by side.

    flock /tmp/backprop-bench.lock python -m bench.fsync [--submits 600]

Two embedded redis-servers (append-only, their files in one temporary folder on the same
disk), one per policy, each holding records and queues (the broker), and one `backprop-lab
serve` on each; no worker, so every job stays queued (a submit writes its record, its index
entries and its broker message: the writes a 202 waits for). Submits alternate between the two
services in a shuffled order, one at a time, so the load of the machine falls on both alike.
Reported: the median, quartiles and p95 of each policy's submit latency, and the median
per-round difference. docs/durability.md holds the numbers.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

import requests

from backprop_lab import embedded
from bench import processes
from bench.common import cpu, print_table, seconds

TINY = {
    "network": {"layers": [2, 3, 2], "init": {"seed": 1}},
    "batch": {"inputs": [[0.5, -0.25]], "targets": [[1.0, 0.0]]},
}
POLICIES = ("always", "everysec")


def redis_with(policy: str, folder: Path, stack: ExitStack) -> str:
    """The embedded redis-server with `appendfsync policy`, its data in `folder`; its URL."""
    folder.mkdir()
    port = processes.free_port()
    argv = embedded.server_command(port, folder)
    argv[argv.index("--appendfsync") + 1] = policy
    url = f"redis://127.0.0.1:{port}/0"
    stack.enter_context(
        processes.started(argv, folder / "redis.log", lambda: embedded.answers(url))
    )
    return url


def submit(session: requests.Session, api: str) -> float:
    started = time.perf_counter()
    reply = session.post(f"{api}/v1/jobs", json=TINY, timeout=30)
    took = time.perf_counter() - started
    if reply.status_code != 202:
        raise RuntimeError(f"a submit was not accepted: {reply.status_code} {reply.text}")
    return took


def summary(times: list[float]) -> list[str]:
    q1, q2, q3 = statistics.quantiles(times, n=4)
    p95 = statistics.quantiles(times, n=20)[-1]
    return [seconds(q2), f"{seconds(q1)}-{seconds(q3)}", seconds(p95)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--submits", type=int, default=600, help="per policy")
    args = parser.parse_args()
    with ExitStack() as stack:
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-fsync-")))
        apis = {}
        for policy in POLICIES:
            url = redis_with(policy, folder / policy, stack)
            apis[policy] = stack.enter_context(
                processes.api(
                    folder, REDIS_URL=url, INTERACTIVE_QUOTA="1000000", WEB_CONCURRENCY="1"
                )
            )
        sessions = {policy: requests.Session() for policy in POLICIES}
        for policy in POLICIES:  # warm: connections, the app's first requests
            for _ in range(20):
                submit(sessions[policy], apis[policy])
        times: dict[str, list[float]] = {policy: [] for policy in POLICIES}
        for _ in range(args.submits):
            for policy in random.sample(POLICIES, len(POLICIES)):
                times[policy].append(submit(sessions[policy], apis[policy]))
    print(f"{cpu()}; {args.submits} submits per policy, interleaved")
    print_table(
        ["appendfsync", "p50", "quartiles", "p95"],
        [[policy, *summary(times[policy])] for policy in POLICIES],
    )
    extra = [a - e for a, e in zip(times["always"], times["everysec"])]
    q1, q2, q3 = statistics.quantiles(extra, n=4)
    print(f"always - everysec, per round: median {seconds(q2)} [{seconds(q1)} to {seconds(q3)}]")


if __name__ == "__main__":
    main()
