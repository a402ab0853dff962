"""Sweeps end to end over real HTTP, Redis and Celery worker processes: the children's specs and
table, the table's three forms, the refusal of a sweep over the limits, the in-flight bound
watched from the records while the children run, and cancel reaching every child."""

from __future__ import annotations

import csv
import io
import json
import math
import os
import signal
import time
from contextlib import ExitStack

import numpy as np
import pytest
import redis
import requests

from tests.support.processes import api_server, free_port, start_redis, stop, worker_process
from tests.support.specs import seeded
from tests.support.waiting import PATIENCE, wait_until
from worker import keyspace
from worker.records import TERMINAL

BASE = seeded([2, 3, 2], "sigmoid", "squared_error", 4, seed=1, batch_seed=2) | {
    "methods": ["backprop", "naive"]
}
GRID = {"network.layers": [[2, 3, 2], [2, 8, 2]], "batch.size": [1, 5]}
# parameters: 2*3 + 3 + 3*2 + 2 = 17; 2*8 + 8 + 8*2 + 2 = 42
PARAMETERS = [17, 17, 42, 42]
# a child of a few hundred ms: every parameter of a 64-48-10 net nudged (2 x 3,610 passes)
SLOW = seeded([64, 48, 10], "sigmoid", "squared_error", 20, seed=1, batch_seed=2) | {
    "methods": ["backprop", "naive"]
}
LONG = SLOW | {"batch": {"dataset": "random", "size": 400, "seed": 2}}  # a second or more each


def submit(api: str, body: dict) -> requests.Response:
    return requests.post(f"{api}/v1/sweeps", json=body, timeout=PATIENCE)


def sweep(api: str, sweep_id: str) -> dict:
    reply = requests.get(f"{api}/v1/sweeps/{sweep_id}", timeout=PATIENCE)
    assert reply.status_code == 200, reply.text
    return reply.json()


def finished(api: str, sweep_id: str) -> dict:
    return wait_until(
        lambda: (s := sweep(api, sweep_id))["progress"]["done"] == s["progress"]["total"] and s,
        f"sweep {sweep_id}",
    )


def child(api: str, job_id: str) -> dict:
    return requests.get(f"{api}/v1/jobs/{job_id}", timeout=PATIENCE).json()


@pytest.fixture(scope="module")
def tiny_sweep(live_api: str) -> dict:
    reply = submit(live_api, {"base": BASE, "grid": GRID})
    assert reply.status_code == 202, reply.text
    assert reply.headers["Location"] == reply.json()["links"]["self"]
    return finished(live_api, reply.json()["id"])


def test_one_child_per_point_with_the_points_spec(live_api: str, tiny_sweep: dict):
    assert tiny_sweep["status"] == "finished"
    assert tiny_sweep["progress"] == {
        "done": 4,
        "total": 4,
        "by_state": {"queued": 0, "running": 0, "succeeded": 4, "failed": 0, "cancelled": 0},
    }
    points = tiny_sweep["points"]
    assert [p["coordinates"] for p in points] == [
        {"network.layers": layers, "batch.size": size}
        for layers in GRID["network.layers"]
        for size in GRID["batch.size"]
    ]
    assert [p["parameters"] for p in points] == PARAMETERS
    assert [p["job"] for p in points] == tiny_sweep["children"]
    for point in points:
        job = child(live_api, point["job"])
        assert job["class"] == "batch"
        expected = json.loads(json.dumps(BASE))
        expected["network"]["layers"] = point["coordinates"]["network.layers"]
        expected["batch"]["size"] = point["coordinates"]["batch.size"]
        assert job["spec"] == expected


def test_the_table_holds_each_childs_numbers(live_api: str, tiny_sweep: dict):
    table = requests.get(tiny_sweep["links"]["table"], timeout=PATIENCE).json()
    assert table["columns"][:2] == ["grid.network.layers", "grid.batch.size"]
    rows = [dict(zip(table["columns"], r)) for r in table["rows"]]
    assert [r["parameters"] for r in rows] == PARAMETERS
    assert [r["batch"] for r in rows] == [1, 5, 1, 5]
    assert [json.loads(r["grid.network.layers"]) for r in rows] == [[2, 3, 2]] * 2 + [[2, 8, 2]] * 2
    for row, job_id in zip(rows, tiny_sweep["children"]):
        result = child(live_api, job_id)["result"]
        timing = result["timing"]
        assert row["job"] == job_id
        assert row["method"] == "backprop+naive"
        assert row["backprop_seconds"] == timing["backprop"]["seconds"]
        assert row["forward_seconds"] == timing["forward"]["seconds"]
        assert row["naive_full_seconds"] == timing["naive"]["full_seconds"]
        assert row["naive_basis"] == "measured"
        assert row["naive_passes"] == 2 * row["parameters"]  # central differences
        assert row["speedup"] == timing["speedup"]
        assert row["relative_error"] == result["naive"]["relative_error"]
        provenance = result["provenance"]
        assert row["host"] == provenance["host"]
        numpy_blas = [b for b in provenance["blas"] if b["loaded_by"] == "numpy"]
        assert row["kernel"] == numpy_blas[0]["kernel"]


def test_the_fit_is_in_the_ended_sweeps_answer(tiny_sweep: dict):
    fit = tiny_sweep["fit"]
    assert sorted(fit) == ["backprop", "naive"]
    for law in fit.values():  # two sizes, four points: a fit, if a loose one
        assert law["used"] == [0, 1, 2, 3] and math.isfinite(law["k"])
        assert law["k_interval"][0] <= law["k"] <= law["k_interval"][1]
        assert law["mixed"] is False


def test_csv_and_npz_equal_the_json_table(live_api: str, tiny_sweep: dict):
    links = tiny_sweep["links"]
    table = requests.get(links["table"], timeout=PATIENCE).json()
    as_csv = requests.get(links["csv"], timeout=PATIENCE)
    negotiated = requests.get(links["table"], headers={"Accept": "text/csv"}, timeout=PATIENCE)
    assert as_csv.headers["Content-Type"].startswith("text/csv")
    assert negotiated.headers["Content-Type"].startswith("text/csv")
    assert negotiated.text == as_csv.text
    lines = as_csv.text.splitlines()
    assert len(lines) == 1 + len(table["rows"]) == 5
    header, *cells = list(csv.reader(io.StringIO(as_csv.text)))
    assert header == table["columns"]
    npz = requests.get(links["npz"], timeout=PATIENCE)
    assert npz.headers["Content-Type"] == "application/octet-stream"
    arrays = np.load(io.BytesIO(npz.content), allow_pickle=False)
    assert sorted(arrays.files) == sorted(table["columns"])
    for i, name in enumerate(table["columns"]):
        column = [row[i] for row in table["rows"]]
        written = [line[i] for line in cells]
        if all(isinstance(v, (int, float)) or v is None for v in column) and any(
            isinstance(v, float) for v in column
        ):
            assert [float(w) if w else None for w in written] == column, name
            assert [None if math.isnan(a) else a for a in arrays[name].tolist()] == column, name
        else:
            assert written == ["" if v is None else str(v) for v in column], name
            assert arrays[name].tolist() == ["" if v is None else v for v in column], name


def test_a_sweep_over_the_limits_is_refused_naming_its_points(live_api: str):
    grid = {"network.layers": [[2, 3, 2], [2, 5000, 2]], "batch.size": [1, 3000]}
    reply = submit(live_api, {"base": BASE, "grid": grid})
    assert reply.status_code == 422
    assert reply.headers["Content-Type"] == "application/problem+json"
    problem = reply.json()
    named = [(e["point"], e["field"], e.get("limit")) for e in problem["errors"]]
    assert sorted(named) == [
        (1, "batch.size", 2000),
        (2, "network.layers", 4096),
        (3, "batch.size", 2000),
        (3, "network.layers", 4096),
    ]
    coordinates = {e["point"]: e["coordinates"] for e in problem["errors"]}
    assert coordinates == {
        1: {"network.layers": [2, 3, 2], "batch.size": 3000},
        2: {"network.layers": [2, 5000, 2], "batch.size": 1},
        3: {"network.layers": [2, 5000, 2], "batch.size": 3000},
    }
    assert "points [1, 2, 3]" in problem["detail"]


def test_a_grid_over_the_point_limit_is_refused(redis_url: str, queue_prefix: str, worker: str):
    with api_server(redis_url, queue_prefix, max_sweep_points=3) as api:
        reply = submit(api, {"base": BASE, "grid": GRID})
    assert reply.status_code == 422
    assert reply.json()["errors"] == [
        {"field": "grid", "message": "4 points is over the limit of 3", "limit": 3}
    ]


def test_the_sweep_counts_once_against_the_quota(live_api: str, redis_url: str, tiny_sweep):
    grid = {"batch.seed": [1, 2, 3, 4, 5, 6]}  # more children than BATCH_QUOTA (4)
    reply = submit(live_api, {"base": SLOW, "grid": grid})
    assert reply.status_code == 202, reply.text
    made = reply.json()
    client = redis.Redis.from_url(redis_url, decode_responses=True)
    counted = client.zrange(keyspace.inflight("batch", "address:127.0.0.1"), 0, -1)
    assert made["id"] in counted and not set(made["children"]) & set(counted)
    # the workers release the children as each ends: nothing here reads the sweep meanwhile
    wait_until(
        lambda: all(client.hget(keyspace.job(c), "status") in TERMINAL for c in made["children"]),
        "every child ended",
    )
    wait_until(
        lambda: (
            made["id"] not in client.zrange(keyspace.inflight("batch", "address:127.0.0.1"), 0, -1)
        ),
        "the ended sweep leaves the quota",
    )
    assert sweep(live_api, made["id"])["status"] == "finished"


def observe(api: str, sweep_id: str) -> list[dict[str, int]]:
    """The children's states, seen every few milliseconds until every child has ended."""
    seen = []
    deadline = time.monotonic() + PATIENCE
    while time.monotonic() < deadline:
        states = sweep(api, sweep_id)["progress"]["by_state"]
        seen.append(states)
        if not states["queued"] and not states["running"]:
            return seen
        time.sleep(0.01)
    raise AssertionError(f"sweep {sweep_id} did not end; last seen {seen[-1]}")


@pytest.fixture(scope="module")
def two_batch_workers(redis_url: str, tmp_path_factory):
    """Two batch workers on queues of their own: without a bound, two children would run at
    once."""
    folder = tmp_path_factory.mktemp("sweep-workers")
    with ExitStack() as stack:
        for name in ("a", "b"):
            stack.enter_context(
                worker_process(redis_url, "sweep-", folder, name=name, classes=("batch",))
            )
        yield "sweep-"


def test_children_respect_the_in_flight_bound(redis_url: str, two_batch_workers: str):
    with api_server(redis_url, two_batch_workers, sweep_in_flight=1) as api:
        made = submit(api, {"base": SLOW, "grid": {"batch.seed": [1, 2, 3, 4]}}).json()
        seen = observe(api, made["id"])
        assert max(s["running"] for s in seen) == 1
        jobs = [child(api, c) for c in made["children"]]
    assert [j["status"] for j in jobs] == ["succeeded"] * 4
    spans = sorted((j["started_at"], j["finished_at"]) for j in jobs)
    # one at a time: each child starts after the one before it has finished
    assert all(after[0] >= before[1] for before, after in zip(spans, spans[1:])), spans
    assert [j["id"] for j in sorted(jobs, key=lambda j: j["started_at"])] == made["children"]


def test_cancel_reaches_every_child(live_api: str):
    made = submit(live_api, {"base": LONG, "grid": {"batch.seed": [1, 2, 3, 4, 5]}}).json()
    wait_until(
        lambda: sweep(live_api, made["id"])["progress"]["by_state"]["running"], "a child running"
    )
    reply = requests.post(f"{live_api}/v1/sweeps/{made['id']}/cancel", timeout=PATIENCE)
    assert reply.status_code == 200
    ended = finished(live_api, made["id"])
    assert ended["status"] == "cancelled"
    assert ended["progress"]["by_state"]["cancelled"] == 5
    assert all(child(live_api, c)["status"] == "cancelled" for c in made["children"])
    gone = requests.delete(f"{live_api}/v1/sweeps/{made['id']}", timeout=PATIENCE)
    assert gone.status_code == 204
    assert requests.get(f"{live_api}/v1/sweeps/{made['id']}", timeout=PATIENCE).status_code == 404
    assert all(
        requests.get(f"{live_api}/v1/jobs/{c}", timeout=PATIENCE).status_code == 404
        for c in made["children"]
    )


def test_a_worker_killed_mid_sweep_loses_no_child_and_runs_none_twice(tmp_path):
    """The only worker is SIGKILLed while a child runs; a new one resumes it (worker/recovery.py)
    and the sweep goes on: every child ends succeeded, each recorded once, one at a time."""
    port, prefix = free_port(), "sweep-kill-"
    url = f"redis://127.0.0.1:{port}/0"
    server = start_redis(port, tmp_path)
    try:
        with api_server(url, prefix, sweep_in_flight=1) as api:
            with worker_process(url, prefix, tmp_path, "-a") as a:
                made = submit(api, {"base": LONG, "grid": {"batch.seed": [1, 2, 3]}}).json()
                first = made["children"][0]
                wait_until(lambda: (child(api, first)["progress"] or {})["done"] > 0, "child 1")
                os.killpg(a.pid, signal.SIGKILL)
                a.wait()
            with worker_process(url, prefix, tmp_path, "-b"):
                wait_until(
                    lambda: all(child(api, c)["status"] in TERMINAL for c in made["children"]),
                    "every child ended",
                )
            jobs = [child(api, c) for c in made["children"]]
        assert [j["status"] for j in jobs] == ["succeeded"] * 3
        finished_count = redis.Redis.from_url(url).hget(keyspace.FINISHED, "batch:succeeded")
        assert int(finished_count) == 3  # each child's end recorded once
        spans = sorted((j["started_at"], j["finished_at"]) for j in jobs)
        assert all(after[0] >= before[1] for before, after in zip(spans, spans[1:])), spans
    finally:
        stop(server)
