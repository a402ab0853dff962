"""Training jobs over the wire: the training block as model.run gives it, progress per step,
cancel between steps, and the training limit refused before the job is queued."""

from __future__ import annotations

import numpy as np
import requests

import model
from api.schemas import Job
from tests.support.specs import example
from tests.support.waiting import PATIENCE, poll

TRAIN = example("lesson-train")


def test_a_training_job_gives_what_model_run_gives(live_api):
    reply = requests.post(f"{live_api}/v1/jobs", json=TRAIN, timeout=PATIENCE)
    job = poll(live_api, reply.json()["id"], lambda j: j["status"] not in ("queued", "running"))
    assert job["status"] == "succeeded", job["error"]
    Job.model_validate(job)
    assert job["progress"] == {"done": 400, "total": 400}  # 200 steps of 2 passes
    training, expected = job["result"]["training"], model.run(TRAIN)["training"]
    # the worker runs one BLAS thread, as this process does: the same trajectory
    np.testing.assert_allclose(training["cost"], expected["cost"], rtol=1e-12)
    assert training["accuracy"] == expected["accuracy"]
    # the presets' recipe: lesson-partly-trained's accuracy, on any BLAS kernel (rounding moves
    # no test image's digit: tests/model/test_train_job.py checks the margin)
    assert training["accuracy"][-1] == {"step": 200, "value": 0.599}
    averaging = job["result"]["averaging"]
    assert [s["batch_size"] for s in averaging["sizes"]] == [1, 10, 100, 1000]
    assert averaging["sizes"][-1]["overall"] > averaging["sizes"][0]["overall"]


def test_a_long_training_job_shows_progress_per_step_and_cancels(live_api):
    spec = TRAIN | {"train": {"steps": 100_000, "batch_size": 20}, "include": {}}
    job_id = requests.post(f"{live_api}/v1/jobs", json=spec, timeout=10).json()["id"]
    first = poll(live_api, job_id, lambda j: (j["progress"] or {}).get("done", 0) > 0)
    assert first["progress"]["total"] == 200_000 and first["progress"]["done"] % 2 == 0
    poll(live_api, job_id, lambda j: j["progress"]["done"] > first["progress"]["done"])
    cancelling = requests.post(f"{live_api}/v1/jobs/{job_id}/cancel", timeout=10)
    assert cancelling.status_code == 202
    ended = poll(live_api, job_id, lambda j: j["status"] != "running")
    assert ended["status"] == "cancelled" and ended["result"] is None
    assert ended["progress"]["done"] < 200_000


def test_training_over_the_limit_is_refused_with_the_estimate(live_api):
    spec = TRAIN | {"train": {"steps": 1000, "batch_size": 100, "method": "naive"}}
    reply = requests.post(f"{live_api}/v1/jobs", json=spec, timeout=10)
    assert reply.status_code == 422
    error = reply.json()["errors"][0]
    assert error["field"] == "train" and error["limit"] == 5e11
    assert error["estimate"]["training_passes"] == 1000 * (2 * 13_002 + 1)
