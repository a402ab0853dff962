"""A name that is both a job field and a result key (`layers`) gives both, over real HTTP with
a real worker's result."""

from __future__ import annotations

import requests

from tests.support.specs import example


def test_layers_gives_the_widths_and_the_results_layers(live_api):
    job = requests.post(f"{live_api}/v1/jobs?wait=5", json=example("tiny-2-3-2"), timeout=30)
    assert job.json()["status"] == "succeeded"
    whole = job.json()
    answer = requests.get(f"{live_api}/v1/jobs/{whole['id']}?fields=layers", timeout=30).json()
    assert answer == {"layers": [2, 3, 2], "result": {"layers": whole["result"]["layers"]}}
    assert [layer["layer"] for layer in answer["result"]["layers"]] == [1, 2]
