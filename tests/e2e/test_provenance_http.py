"""Every job's result says where it came from (model/provenance.py), and says it truly: what
the result records is what the worker process that ran it reads back of itself."""

from __future__ import annotations

import requests

from tests.support.processes import api_server, sender_app, worker_process
from tests.support.specs import example
from tests.support.waiting import PATIENCE, ended
from worker.queues import BATCH, INTERACTIVE, names


def test_a_jobs_result_records_the_workers_blas_kernel_numpy_and_host(
    redis_url, queue_prefix, tmp_path
):
    prefix = f"{queue_prefix}provenance-"
    app = "tests.support.watched_worker"
    with (
        worker_process(redis_url, prefix, tmp_path, app=app, classes=(INTERACTIVE, BATCH)),
        api_server(redis_url, prefix) as api,
    ):
        ids = [
            requests.post(f"{api}/v1/jobs", json=example(name), timeout=PATIENCE).json()["id"]
            for name in ("tiny-2-3-2", "lesson-784-16-16-10")
        ]
        jobs = [ended(api, job_id) for job_id in ids]
        asked = sender_app(redis_url, prefix).send_task(
            "tests.runtime", queue=names(prefix)[INTERACTIVE]
        )
        worker = asked.get(timeout=PATIENCE)
    assert [j["status"] for j in jobs] == ["succeeded", "succeeded"]
    first, second = (j["result"]["provenance"] for j in jobs)
    assert first == second  # one process, recorded once
    recorded = first
    openblas = sorted({b["kernel"] for b in recorded["blas"] if b["library"] == "openblas"})
    assert openblas == worker["kernels"] and openblas
    assert recorded["numpy"] == worker["numpy"]
    assert recorded["host"] == worker["host"]
    assert sorted({b["threads"] for b in recorded["blas"]}) == worker["threads"] == [1]
    assert recorded["threads"]["OPENBLAS_NUM_THREADS"] == "1"  # the worker sets one thread
    assert "numpy" in {b["loaded_by"] for b in recorded["blas"]}
    assert recorded["package"]["name"] == "backprop-lab"
