"""`python -m bench.term`: see bench/term/__init__.py."""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

from bench.common import cpu
from bench.term import account, report, stack
from bench.term.faults import Faults
from bench.term.load import Clients, Ledger
from bench.term.samples import Sampler


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.term", description=__doc__)
    parser.add_argument("--minutes", type=float, default=20.0, help="of load and faults")
    parser.add_argument("--broker-url", default="", help="amqp://...; empty: the Redis")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--page-rate", type=float, default=2.0, help="page jobs a second")
    parser.add_argument("--batch-gap", type=float, default=4.0, help="seconds between batch jobs")
    parser.add_argument("--fault-gap", type=float, default=45.0, help="mean s between bursts")
    parser.add_argument("--lease", type=float, default=5.0, help="WORKER_LEASE_SECONDS")
    parser.add_argument("--job-ttl", type=int, default=300, help="JOB_TTL: records expire")
    parser.add_argument("--drain", type=float, default=240.0, help="seconds to wait for ends")
    parser.add_argument(
        "--settle", type=float, default=0.0, help="seconds to wait for Redis' memory to return"
    )
    parser.add_argument("--out", type=Path, help="the report as JSON")
    return parser.parse_args()


def main() -> int:
    args = arguments()
    broker = "RabbitMQ" if args.broker_url else "Redis"
    print(f"bench.term: {args.minutes:g} min, broker {broker}, seed {args.seed}; {cpu()}")
    with tempfile.TemporaryDirectory(prefix="bench-term-") as folder:
        settings = {
            "JOB_TTL": str(args.job_ttl),
            "WORKER_LEASE_SECONDS": str(args.lease),
            "RESULT_CACHE": "false",  # each job computed: the workers' work is what is tested
            "INTERACTIVE_QUOTA": "100000",
            "BATCH_QUOTA": "100000",
        }
        with stack.service(Path(folder), args.broker_url, **settings) as service:
            ledger = Ledger()
            sampler = Sampler(service, 5.0, ledger.now)
            faults = Faults(service, args.seed, args.fault_gap, args.lease, ledger.now)
            clients = Clients(service.url, ledger, args.seed, args.page_rate, args.batch_gap)
            collector = account.Collector(service.url, service.redis.url, ledger)
            for part in (sampler, collector):
                part.thread.start()
            clients.start()
            faults.thread.start()
            time.sleep(args.minutes * 60)
            faults.join()
            clients.join()
            print(f"t={ledger.now():7.1f} s  load and faults over; waiting for every job to end")
            collector.drain(args.drain)
            end = ledger.now()
            sampler.stop.set()
            sampler.thread.join()
            sampler.sample()
            if args.settle:
                sampler.settle(args.settle, sampler.baseline())
            found = account.verdicts(ledger)
            summary = report.show(ledger, faults.log, found, sampler, end)
    if args.out:
        args.out.write_text(json.dumps(summary, default=str))
    bad = sum(len(found[k]) for k in ("lost", "duplicated", "wrong"))
    print(f"\n{len(ledger.jobs)} jobs accepted; lost, duplicated or wrong: {bad}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
