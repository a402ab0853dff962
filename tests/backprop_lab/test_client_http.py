"""The Python client against the real service: the API over HTTP, Redis, a Celery worker."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from backprop_lab import ApiError, Client, JobError

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((ROOT / "examples").glob("*.json"))
TINY = ROOT / "examples" / "tiny-2-3-2.json"
LESSON = ROOT / "examples" / "lesson-784-16-16-10.json"


@pytest.fixture
def client(live_api: str) -> Client:
    return Client(live_api, timeout=10)


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_every_example_runs_through_the_service(client, path):
    progress: list[tuple[int, int]] = []
    job = client.wait(client.submit(path), timeout=240, progress=lambda *p: progress.append(p))
    assert job["status"] == "succeeded", job["error"]
    result = job["result"]
    spec = json.loads(path.read_text())
    assert result["network"]["layers"] == spec["network"].get("layers", [784, 16, 16, 10])
    assert result["timing"]["speedup"] > 1
    if "naive" in spec.get("methods", []):
        assert result["naive"]["relative_error"] < 1e-4
        if "sample" not in spec["naive"]:  # a naive job reports its passes as it goes
            assert progress and progress[-1] == (result["naive"]["passes"],) * 2
    if "train" in spec:  # a training job reports its steps' passes as it goes
        passes = result["training"]["passes"]
        assert progress and progress[-1] == (passes["forward"] + passes["backward"],) * 2
    assert progress == sorted(progress)


def test_submit_with_wait_answers_with_the_finished_job(client):
    job = client.submit(json.loads(TINY.read_text()), wait=5)
    assert job["status"] == "succeeded"
    assert client.get(job["id"])["result"]["cost"] == pytest.approx(
        job["result"]["cost"], rel=1e-12
    )


def test_run_returns_the_result(client):
    result = client.run(TINY, timeout=60)
    assert set(result) >= {"cost", "gradients", "wishes", "naive", "timing"}


def test_invalid_spec_raises_api_error_with_the_problem_document(client):
    with pytest.raises(ApiError) as caught:
        client.submit(
            {"network": {"layers": [2, 0, 2]}, "batch": {"dataset": "random", "size": 2, "seed": 0}}
        )
    error = caught.value
    assert error.status == 422
    assert error.problem["status"] == 422 and error.errors
    assert any(e["field"].startswith("network.layers") for e in error.errors)
    assert "network.layers" in str(error)


def test_unknown_job_is_a_404_api_error(client):
    with pytest.raises(ApiError) as caught:
        client.get("no-such-job")
    assert caught.value.status == 404
    assert caught.value.title


def test_wait_times_out_then_cancel_ends_the_job(client):
    job = client.submit(LESSON)
    with pytest.raises(TimeoutError):
        client.wait(job, timeout=0)
    assert client.cancel(job["id"])["id"] == job["id"]
    final = client.wait(job["id"], timeout=60)
    assert final["status"] == "cancelled"
    assert "cancelled" in str(JobError(final))


def test_list_health_ready(client):
    job = client.submit(TINY, wait=5)
    page = client.list(limit=100)
    assert job["id"] in [j["id"] for j in page["jobs"]]
    assert client.list(limit=1)["jobs"][0].keys() >= {"id", "status"}
    assert client.health()
    assert client.ready() is True
    assert Client("http://127.0.0.1:9").ready() is False


def test_arrays_and_download_give_the_result_as_numpy(client, tmp_path, capsys):
    import numpy as np

    from backprop_lab.cli import main

    job = client.submit(json.loads(TINY.read_text()), wait=5)
    arrays = client.arrays(job["id"])
    result = job["result"]
    assert set(arrays) >= {"gradients/weights/0", "gradients/biases/1", "wishes/0", "wishes/2"}
    for l, matrix in enumerate(result["gradients"]["weights"]):
        assert np.array_equal(arrays[f"gradients/weights/{l}"], np.array(matrix))
    assert client.get(job["id"], fields=["status", "cost"]) == {
        "status": "succeeded",
        "result": {"cost": result["cost"]},
    }

    path = tmp_path / "job.npz"
    assert main(["--url", client.url, "download", job["id"], "-o", str(path)]) == 0
    assert str(path) in capsys.readouterr().out
    with np.load(path, allow_pickle=False) as npz:
        assert all(np.array_equal(npz[name], arrays[name]) for name in arrays)
    with pytest.raises(ApiError) as missing:
        client.arrays("never-issued")
    assert missing.value.status == 404


def test_list_pages_follow_next_and_delete_removes_a_job(client):
    older = client.submit(TINY, wait=5)["id"]
    newer = client.submit(TINY, wait=5)["id"]
    first = client.list(limit=1)
    assert [j["id"] for j in first["jobs"]] == [newer]
    second = client.list(limit=1, cursor=first["next"])
    assert [j["id"] for j in second["jobs"]] == [older]
    assert client.delete(older) is None
    with pytest.raises(ApiError) as caught:
        client.get(older)
    assert caught.value.status == 404
    assert older not in [j["id"] for j in client.list(limit=100)["jobs"]]
