"""Past one machine: a tiny job's round trip on each broker, and the lesson's naive job with its
parts on 1 vs 2 worker hosts.

    python -m bench.brokers [--budget 30] [--naive-runs 5]      (the hosts part needs root)

Everything runs on processes this script starts: a redis-server and a rabbitmq-server node of
its own (tests/support/rabbitmq.py), each broker with its own API (gunicorn, one process) and worker
(one pool process). Measured, side by side in one run:

- round trip of the tiny 2-3-2 job, `POST /v1/jobs?wait=10`, Redis as the broker against
  RabbitMQ as the broker (Redis holding the records either way), request after request in
  turn: medians with quartiles.
- the lesson's naive job (784-16-16-10, 100 digits, central differences, all 13,002
  parameters, cut into 4 parts) from submit to result, on worker hosts: network namespaces
  (tests/support/hosts.py) that reach Redis and RabbitMQ over a veth link each, one worker with one
  pool process per host. Host two stops and starts consuming (Celery's cancel_consumer and
  add_consumer) so that 1-host and 2-host jobs alternate. The machine has two cores: the ideal
  is 2x, less the parts of a job that do not split (parse, plan and send; the join, which runs
  backprop and its timing once).
"""

from __future__ import annotations

import argparse
import logging
import statistics
import tempfile
from contextlib import ExitStack
from pathlib import Path

from bench.common import interleaved, print_table, ratio, seconds
from bench.service import QUEUE, gunicorn, naive_job, tiny_job
from tests.support import hosts, rabbitmq
from tests.support.processes import (
    api_server,
    free_port,
    sender_app,
    start_redis,
    stop,
    worker_process,
)

HOSTS_QUEUE = "bench-hosts-"  # the queues' prefix
ONE_THREAD = {name: "1" for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")}


def quartiles(times: list[float]) -> str:
    q1, q2, q3 = statistics.quantiles(times, n=4)
    return f"{seconds(q2)} [{seconds(q1)}-{seconds(q3)}]"


def round_trips(
    stack: ExitStack, folder: Path, redis_url: str, amqp_url: str, budget: float
) -> None:
    apis = {}
    for name, broker_url in (("Redis", ""), ("RabbitMQ", amqp_url)):
        stack.enter_context(
            worker_process(
                redis_url, QUEUE, folder, f"-{name}", broker_url=broker_url, **ONE_THREAD
            )
        )
        apis[name] = stack.enter_context(gunicorn(redis_url, folder, broker_url))
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
    port = free_port()
    stack.callback(stop, start_redis(port, folder, bind=f"127.0.0.1 {one.server} {two.server}"))
    broker = stack.enter_context(
        rabbitmq.node(folder / "hosts-rabbitmq", ("127.0.0.1", one.server, two.server))
    )
    workers = []
    for host in (one, two):
        process = stack.enter_context(
            worker_process(
                f"redis://{host.server}:{port}/0",
                HOSTS_QUEUE,
                folder,
                f"-{host.namespace}",
                broker_url=broker.url.replace("127.0.0.1", host.server),
                host=host.namespace,
                prefix=host.prefix,
                **ONE_THREAD,
            )
        )
        workers.append(process.name)
    redis_url = f"redis://127.0.0.1:{port}/0"
    api = stack.enter_context(api_server(redis_url, HOSTS_QUEUE, broker.url))
    control = sender_app(redis_url, HOSTS_QUEUE, broker.url).control
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
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # the in-process API's request log
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", type=float, default=30, help="seconds of round trips")
    parser.add_argument("--naive-runs", type=int, default=5, help="naive jobs per host count")
    args = parser.parse_args()
    with ExitStack() as stack:
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        port = free_port()
        stack.callback(stop, start_redis(port, folder))
        broker = stack.enter_context(rabbitmq.node(folder / "rabbitmq"))
        round_trips(stack, folder, f"redis://127.0.0.1:{port}/0", broker.url, args.budget)
    reason = hosts.why_no_hosts()
    if reason:
        print(f"worker hosts: skipped ({reason})")
        return
    with ExitStack() as stack:
        on_hosts(stack, Path(stack.enter_context(tempfile.TemporaryDirectory())), args.naive_runs)


if __name__ == "__main__":
    main()
