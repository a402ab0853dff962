"""The naive method's `cpu_seconds` are the work its passes cost, not the time they waited for
a core: a job run while four other jobs share the two cores reports the CPU seconds it reports
alone (within 15 %), while its wall seconds grow with the load.

Real processes: one worker of the test's own with five pool processes (so five jobs run at
once), the API over real HTTP. The job takes about 1.5 s of one core (18,000 naive passes over
100 digits, one task: no parts), enough for the CPU clock's tick and a process switch's cache
refills to be small beside it (its arrays fit a core's L2 cache: 250 digits' did not, and the
shared caches then cost it up to 18 % more CPU time); the four others, as much work each, are
submitted first, and all five run side by side to their ends.
"""

from __future__ import annotations

import requests

from tests.support.processes import api_server, purge_queues, worker_process
from tests.support.specs import example
from tests.support.waiting import PATIENCE, ended

PREFIX = "load-"
SPLIT = 100_000  # one task for each job, in one process: no parts
LESSON = example("lesson-784-16-16-10")
NAIVE = {"difference": "central", "sample": 9000, "seed": 1}  # 18,000 passes
MEASURED = LESSON | {
    "batch": {"dataset": "mnist", "split": "test", "size": 100, "seed": 0},
    "naive": NAIVE,
}
OTHER = MEASURED | {"naive": NAIVE | {"seed": 2}}  # as much work: the five run side by side


def run(api: str, specs: list[dict]) -> list[dict]:
    """Submit the specs at once; their naive timings once they have all succeeded."""
    ids = []
    for spec in specs:
        reply = requests.post(f"{api}/v1/jobs", json=spec, timeout=PATIENCE)
        assert reply.status_code == 202, reply.text
        ids.append(reply.json()["id"])
    jobs = [ended(api, job_id) for job_id in ids]
    assert [j["status"] for j in jobs] == ["succeeded"] * len(jobs), [j.get("error") for j in jobs]
    return [j["result"]["timing"]["naive"] for j in jobs]


def test_naive_cpu_seconds_hold_while_four_other_jobs_share_the_cores(redis_url, tmp_path):
    purge_queues(redis_url, PREFIX)
    with (
        worker_process(redis_url, PREFIX, tmp_path, concurrency=5, NAIVE_SPLIT_PASSES=str(SPLIT)),
        api_server(redis_url, PREFIX, batch_quota=100, naive_split_passes=SPLIT) as api,
    ):
        (alone,) = run(api, [MEASURED])
        *others, loaded = run(api, [OTHER] * 4 + [MEASURED])
    # the load was real: five busy processes on two cores give each at most 2/5 of a core
    assert loaded["wall_seconds"] > 1.5 * loaded["cpu_seconds"], loaded
    assert loaded["passes"] == alone["passes"] == 18000
    assert abs(loaded["cpu_seconds"] - alone["cpu_seconds"]) <= 0.15 * alone["cpu_seconds"], (
        alone,
        loaded,
    )
    # the speedup's basis is the CPU time: per pass, as measured
    assert loaded["seconds_per_pass"] == loaded["cpu_seconds"] / loaded["passes"]
