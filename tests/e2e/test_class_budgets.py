"""Every job the API classes `interactive` keeps within the interactive class's budget on this
machine, over a sweep of shapes: at most 2 x INTERACTIVE_SECONDS (1 s) of the worker's CPU,
from the task's start to its result stored, and at most 10 s on the wall clock from start to
end (the machine is shared: the wall budget is generous, the CPU budget is the class's claim).

Real processes: a worker of the test's own (one pool process, both queues) and the API over
real HTTP; each job runs alone (`?wait`), and its CPU seconds are the pool process's user and
system time (/proc/<pid>/stat) before and after it. The sweep crosses widths, depths, batch
sizes, the report's switches and naive samples; the jobs it classes batch are only classed
(not run), and the [999, 1000] network at batch 1 is among them.
"""

from __future__ import annotations

import itertools
import os
from datetime import datetime
from pathlib import Path

import requests

import model
from tests.api.test_classes import class_of
from tests.support.processes import api_server, purge_queues, worker_process
from tests.support.waiting import PATIENCE
from worker.settings import Settings

PREFIX = "budget-"
SETTINGS = Settings()
CPU_BUDGET = 2 * SETTINGS.interactive_seconds
WALL_BUDGET = 10.0
TICK = os.sysconf("SC_CLK_TCK")


def shapes() -> list[dict]:
    specs = []
    for width, depth, size, include, sample in itertools.product(
        (16, 100, 300, 999),
        (1, 2),
        (1, 300),
        ({}, {"per_example": True}, {"gradients": False, "layers": False}),
        (None, 500),
    ):
        layers = [784 if width < 999 else 999] + [width] * depth + [10]
        spec = {
            "network": {"layers": layers, "init": {"seed": 0}},
            "batch": {"dataset": "random", "size": size, "seed": 0},
            "include": include,
        }
        if sample:
            spec |= {"methods": ["backprop", "naive"], "naive": {"sample": sample, "seed": 0}}
        try:
            model.parse_spec(spec, SETTINGS.limits)
        except model.SpecError:
            continue  # over a limit: the API refuses it
        specs.append(spec)
    return specs


def pool_cpu(worker_pid: int) -> tuple[tuple[int, ...], float]:
    """The worker's pool processes and their CPU seconds (user + system) so far."""
    children = tuple(
        int(pid)
        for task in os.listdir(f"/proc/{worker_pid}/task")
        for pid in Path(f"/proc/{worker_pid}/task/{task}/children").read_text().split()
    )
    ticks = 0
    for pid in children:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        ticks += int(fields[11]) + int(fields[12])
    return children, ticks / TICK


def seconds(start: str, end: str) -> float:
    return (datetime.fromisoformat(end) - datetime.fromisoformat(start)).total_seconds()


def test_every_interactive_job_of_the_sweep_keeps_within_the_class_budget(redis_url, tmp_path):
    sweep = shapes()
    interactive = [s for s in sweep if class_of(s) == "interactive"]
    purge_queues(redis_url, PREFIX)
    over = []
    with (
        worker_process(redis_url, PREFIX, tmp_path) as worker,
        api_server(redis_url, PREFIX, max_wait=PATIENCE, interactive_quota=1000) as api,
    ):
        for spec in interactive:
            pool, before = pool_cpu(worker.pid)
            reply = requests.post(
                f"{api}/v1/jobs",
                json=spec,
                params={"wait": PATIENCE, "fields": "status,class,started_at,finished_at"},
                timeout=2 * PATIENCE,
            )
            same_pool, after = pool_cpu(worker.pid)
            job = reply.json()
            assert reply.status_code == 200 and job["status"] == "succeeded", job
            assert job["class"] == "interactive" and same_pool == pool
            cpu, wall = after - before, seconds(job["started_at"], job["finished_at"])
            if cpu > CPU_BUDGET or wall > WALL_BUDGET:
                over.append((spec, cpu, wall))
    assert not over, over
    # the sweep reaches both sides of the line, and the report's [999, 1000] job is batch
    assert 20 <= len(interactive) <= len(sweep) - 15, (len(interactive), len(sweep))
    big = {"network": {"layers": [999, 1000]}, "batch": {"dataset": "random", "size": 1}}
    assert class_of(big) == "batch"
