"""The term run's short mode on each broker: a minute of mixed load with faults overlapping
(bench/term), and every accepted job ended once, right, or cancelled when it was cancelled.

On RabbitMQ the run has a vhost of its own: the session's vhost has a worker of the session's
(rabbitmq_api's) taking the same queue names, which would take the run's messages while the
run's records live in the run's own Redis."""

from __future__ import annotations

import json
import subprocess
import sys
from contextlib import nullcontext

from tests.support import rabbitmq
from tests.support.processes import ROOT

MINUTES = "1"


def test_a_short_term_loses_duplicates_and_miscomputes_nothing(broker, broker_url, tmp_path):
    out = tmp_path / "term.json"
    with rabbitmq.vhost() if broker_url else nullcontext("") as url:
        argv = [sys.executable, "-m", "bench.term", "--minutes", MINUTES, "--fault-gap", "20"]
        argv += ["--seed", "3", "--broker-url", url, "--drain", "120", "--out", str(out)]
        run = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=400)
    print(run.stdout[-6000:], run.stderr[-3000:])
    assert run.returncode == 0
    report = json.loads(out.read_text())
    assert report["lost"] == report["duplicated"] == report["wrong"] == []
    accepted = {row[0]: row[1] for row in report["jobs"]}
    assert accepted["page"] >= 20 and sum(accepted.values()) > accepted["page"]
    assert sum(report["faults"].values()) >= 3
