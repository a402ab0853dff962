"""A digit picked by its label, over real HTTP with a real worker: the job runs on that image."""

from __future__ import annotations

import requests


def test_the_first_7_of_the_test_split_is_image_700(live_api):
    spec = {
        "network": {"preset": "lesson-trained"},
        "batch": {"dataset": "mnist", "split": "test", "by_label": [{"label": 7, "index": 0}]},
    }
    job = requests.post(
        f"{live_api}/v1/jobs?wait=5&fields=id,status,batch", json=spec, timeout=30
    ).json()
    assert job["status"] == "succeeded", job
    batch = job["result"]["batch"]
    assert batch["indices"] == [700] and batch["labels"] == [7]
    same = {**spec, "batch": {"dataset": "mnist", "split": "test", "indices": [700]}}
    other = requests.post(
        f"{live_api}/v1/jobs?wait=5&fields=status,cost", json=same, timeout=30
    ).json()
    mine = requests.get(f"{live_api}/v1/jobs/{job['id']}?fields=cost", timeout=30).json()
    assert other["status"] == "succeeded"
    assert mine["result"]["cost"] == other["result"]["cost"] > 0
