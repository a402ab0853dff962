"""`?fields=` takes exactly the names a job shows, and an unknown one is refused with the names
closest to it."""

from __future__ import annotations

import pytest

from api.schemas import JOB_FIELDS
from tests.support.problems import problem

TINY = {"network": {"layers": [2, 3, 2]}, "batch": {"dataset": "random", "size": 4}}


@pytest.fixture
def queued(client):
    job = client.post("/v1/jobs", json=TINY).get_json()
    yield job
    client.delete(f"/v1/jobs/{job['id']}")


def test_every_name_a_job_shows_can_be_asked_for(client, queued):
    shown = client.get(f"/v1/jobs/{queued['id']}").get_json()
    assert set(shown) == set(JOB_FIELDS)
    for name in shown:
        answer = client.get(f"/v1/jobs/{queued['id']}?fields={name}").get_json()
        assert answer[name] == shown[name], name


def test_class_layers_and_methods_are_the_jobs(client, queued):
    answer = client.get(f"/v1/jobs/{queued['id']}?fields=class,layers,methods").get_json()
    # `layers` is also a result key: a queued job has no result to take it from
    assert answer == {
        "class": "interactive",
        "layers": [2, 3, 2],
        "methods": ["backprop"],
        "result": None,
    }


@pytest.mark.parametrize(
    "name, hint",
    [
        ("job_class", " Did you mean 'class'?"),
        ("wishs.3", " Did you mean 'wishes.3'?"),
        ("layer", " Did you mean 'layers'?"),
        ("gradient", " Did you mean 'gradients'?"),
        ("zzz", ""),
    ],
)
def test_an_unknown_name_gets_the_closest_known_ones(client, queued, name, hint):
    reply = problem(client.get(f"/v1/jobs/{queued['id']}?fields=status,{name}"), 422)
    [error] = reply["errors"]
    assert error["field"] == "fields"
    assert error["message"].startswith(f"{name!r} is neither a job field nor a result key")
    assert error["message"].endswith("warnings, wishes." + hint), error["message"]
