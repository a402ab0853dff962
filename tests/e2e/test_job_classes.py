"""Job classes over real HTTP, with the two workers the run command starts (`-Q interactive`,
`-Q batch`): each class is taken only by its own worker, and a batch job that occupies the
batch worker does not hold up an interactive job.

The bound is an ordering, not a clock: the interactive job, submitted after the batch job has
started, finishes while the batch job (minutes of work) is still running.
"""

from __future__ import annotations

import pytest
import requests

from tests.support.specs import example
from tests.support.waiting import PATIENCE, poll
from worker.records import TERMINAL, JobStore
from worker.settings import Settings

TINY = example("tiny-2-3-2")
LESSON = example("lesson-784-16-16-10")
# the page's job: the lesson's net on one digit, backprop and 200 sampled parameters
PAGE = LESSON | {
    "batch": {"dataset": "digits", "indices": [3]},
    "naive": {"difference": "central", "sample": 200, "seed": 0},
}
# about a second of naive work, not split: one batch task
QUICK_BATCH = LESSON | {"naive": {"difference": "central", "sample": 4000, "seed": 1}}
# the lesson's full naive job on 1,000 digits: minutes of batch work, split into parts
LONG = LESSON | {"batch": {"dataset": "digits", "resolution": 28, "size": 1000, "seed": 0}}


def submit(api: str, spec, wait: float = 0) -> dict:
    reply = requests.post(f"{api}/v1/jobs", json=spec, params={"wait": wait}, timeout=PATIENCE)
    assert reply.status_code in (200, 202), reply.text
    return reply.json()


@pytest.mark.parametrize(
    ("spec", "job_class"),
    [(TINY, "interactive"), (PAGE, "interactive"), (QUICK_BATCH, "batch"), (LONG, "batch")],
)
def test_the_class_comes_from_the_cost_estimate(live_api, spec, job_class):
    job = submit(live_api, spec)
    assert job["class"] == job_class
    assert requests.get(f"{live_api}/v1/jobs/{job['id']}", timeout=10).json()["class"] == job_class
    requests.delete(f"{live_api}/v1/jobs/{job['id']}", timeout=10)


def test_each_class_is_taken_only_by_its_own_worker(live_api, redis_url, workers):
    store = JobStore.from_settings(Settings(redis_url=redis_url))
    jobs = [submit(live_api, spec) for spec in (TINY, QUICK_BATCH, PAGE, QUICK_BATCH, TINY)]
    for job in jobs:
        poll(live_api, job["id"], lambda j: j["status"] == "succeeded")
        taken_by = store.redis.hget(store.key(job["id"]), "worker")
        assert taken_by == workers[job["class"]], (job["class"], taken_by)


def test_a_batch_job_on_the_batch_worker_does_not_hold_up_an_interactive_job(live_api):
    long = submit(live_api, LONG)
    poll(live_api, long["id"], lambda j: (j["progress"] or {}).get("done", 0) > 0)
    try:
        page = submit(live_api, PAGE)
        assert page["class"] == "interactive"
        assert (
            poll(live_api, page["id"], lambda j: j["status"] in TERMINAL)["status"] == "succeeded"
        )
        # ... while the batch job, started before it, is still at work
        still = requests.get(f"{live_api}/v1/jobs/{long['id']}", timeout=10).json()
        assert (
            still["status"] == "running" and still["progress"]["done"] < still["progress"]["total"]
        )
    finally:
        requests.post(f"{live_api}/v1/jobs/{long['id']}/cancel", timeout=10)
    assert poll(live_api, long["id"], lambda j: j["status"] != "running")["status"] == "cancelled"
