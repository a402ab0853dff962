"""Past one machine: a tiny job's round trip on each broker, and the lesson's naive job with its
parts on 1 vs 2 worker hosts.

    python -m bench.brokers [--budget 30] [--naive-runs 5]      (the hosts part needs root)

Everything runs on processes this script starts with the service's own commands, configured by
their environment (bench/processes.py). Measured, side by side in one run:

- round trip of the tiny 2-3-2 job, `POST /v1/jobs?wait=10`, on two `backprop-lab run`
  services (each with its embedded Redis for the records): one with Redis as the broker, one
  with RabbitMQ at BROKER_URL (default: the machine's, amqp://guest:guest@127.0.0.1:5672//,
  whose queues `interactive` and `batch` it then uses: name a vhost of the benchmark's own
  where others share that RabbitMQ), request after request in turn: medians with quartiles.
- the lesson's naive job (784-16-16-10, 100 digits, central differences, all 13,002
  parameters, cut into 4 parts) from submit to result, on worker hosts: network namespaces
  (bench/hosts.py) that reach the server host's redis-server (records and broker) over a veth
  link each, one `backprop-lab worker` of one pool process per host, and `backprop-lab serve`
  here. Host two stops and starts consuming (Celery's cancel_consumer and add_consumer) so
  that 1-host and 2-host jobs alternate. The machine has two cores: the ideal is 2x, less the
  parts of a job that do not split (parse, plan and send; the join, which runs backprop and
  its timing once).
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
from contextlib import ExitStack
from pathlib import Path

from kombu import Connection

from bench import hosts, processes
from bench.common import interleaved, print_table, ratio, seconds
from bench.service import naive_job, tiny_job
from worker.celery_config import sender
from worker.settings import Settings

RABBITMQ = os.environ.get("BROKER_URL") or "amqp://guest:guest@127.0.0.1:5672//"
HOSTS_QUEUE = "bench-hosts-"  # the queues' prefix


def answers(url: str) -> bool:
    try:
        with Connection(url, connect_timeout=2) as connection:
            connection.connect()
        return True
    except Exception:  # refused, unknown host, bad credentials: no broker to measure
        return False


def quartiles(times: list[float]) -> str:
    q1, q2, q3 = statistics.quantiles(times, n=4)
    return f"{seconds(q2)} [{seconds(q1)}-{seconds(q3)}]"


def round_trips(stack: ExitStack, folder: Path, budget: float) -> None:
    apis = {
        name: stack.enter_context(processes.service(folder, BROKER_URL=url))
        for name, url in (("Redis", ""), ("RabbitMQ", RABBITMQ))
    }
    times = interleaved(
        {name: (lambda api=api: tiny_job(api)) for name, api in apis.items()}, budget, least=50
    )
    print_table(
        ["tiny 2-3-2 job, POST ?wait=10", "median [quartiles]", "rounds"],
        [[f"broker {name}", quartiles(t), str(len(t))] for name, t in times.items()],
    )
    print(f"RabbitMQ / Redis per round: {ratio(times['RabbitMQ'], times['Redis'])[0]:.2f}\n")


def on_hosts(stack: ExitStack, folder: Path, runs: int) -> None:
    one, two = stack.enter_context(hosts.worker_hosts(2))
    redis_url = stack.enter_context(
        processes.redis_server(folder, bind=("127.0.0.1", one.server, two.server))
    )
    workers = [
        stack.enter_context(
            processes.worker(
                folder,
                f"bench-{host.namespace}",
                prefix=host.prefix,
                REDIS_URL=redis_url.replace("127.0.0.1", host.server),
                QUEUE_PREFIX=HOSTS_QUEUE,
            )
        )
        for host in (one, two)
    ]
    api = stack.enter_context(
        processes.api(folder, REDIS_URL=redis_url, QUEUE_PREFIX=HOSTS_QUEUE, WEB_CONCURRENCY="1")
    )
    control = sender(Settings(redis_url=redis_url, queue_prefix=HOSTS_QUEUE)).control
    consuming = {True: control.add_consumer, False: control.cancel_consumer}

    def on(count: int) -> float:
        consuming[count == 2](f"{HOSTS_QUEUE}batch", destination=[workers[1]], reply=True)
        return naive_job(api)

    naive_job(api)  # warm-up
    times = {"1 host": [], "2 hosts": []}
    for turn in range(2 * runs):  # 1, 2, 2, 1, 1, 2, ...: drift falls on both alike
        count = 1 + (turn % 4 in (1, 2))
        times[f"{count} host{'s' * (count > 1)}"].append(on(count))
    speedup = ratio(times["1 host"], times["2 hosts"])
    print_table(
        [
            "lesson naive job (13,002 parameters, central, 4 parts)",
            "1 host",
            "2 hosts",
            "speedup [quartiles]",
        ],
        [
            [
                "784-16-16-10, 100 digits, submit to result",
                quartiles(times["1 host"]),
                quartiles(times["2 hosts"]),
                f"{speedup[0]:.2f} [{speedup[1]:.2f}-{speedup[2]:.2f}]",
            ]
        ],
    )
    print("ideal on these 2 cores: 2.00")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", type=float, default=30, help="seconds of round trips")
    parser.add_argument("--naive-runs", type=int, default=5, help="naive jobs per host count")
    args = parser.parse_args()
    if answers(RABBITMQ):
        with ExitStack() as stack:
            folder = Path(stack.enter_context(tempfile.TemporaryDirectory()))
            round_trips(stack, folder, args.budget)
    else:
        print("brokers: skipped (no RabbitMQ answers at BROKER_URL)")
    reason = hosts.why_no_hosts()
    if reason:
        print(f"worker hosts: skipped ({reason})")
        return
    with ExitStack() as stack:
        on_hosts(stack, Path(stack.enter_context(tempfile.TemporaryDirectory())), args.naive_runs)


if __name__ == "__main__":
    main()
