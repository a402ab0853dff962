"""A client nobody here wrote: openapi-python-client generates one from the running service's
/openapi.json (with no warning: --fail-on-warning), and submit / wait / get / cancel / delete /
list go through it against the real API, Redis and worker.

The generator runs offline (a local file in, no post hooks, so no formatter is needed either).
"""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from tests.support.specs import example

TINY = example("tiny-2-3-2")
LESSON = example("lesson-784-16-16-10")
LONG = LESSON | {"batch": {"dataset": "digits", "resolution": 28, "size": 1000, "seed": 0}}
PACKAGE = "backprop_lab_generated"
PATIENCE = 60  # seconds before a poll gives up: a timeout, not a speed claim


@pytest.fixture(scope="module")
def generated(live_api, tmp_path_factory):
    """The generated package, imported; its Client pointed at the live API."""
    folder = tmp_path_factory.mktemp("generated")
    (folder / "openapi.json").write_text(requests.get(f"{live_api}/openapi.json", timeout=10).text)
    # no post hooks (no formatter needed); result.npz's application/zip read as bytes, which the
    # generator's own setting says (it does not know the type by that name)
    (folder / "config.json").write_text(
        json.dumps(
            {
                "post_hooks": [],
                "content_type_overrides": {"application/zip": "application/octet-stream"},
            }
        )
    )
    generator = Path(sys.executable).parent / "openapi-python-client"
    run = subprocess.run(
        [
            str(generator),
            "generate",
            "--path",
            "openapi.json",
            "--config",
            "config.json",
            "--meta",
            "none",
            "--output-path",
            PACKAGE,
            "--fail-on-warning",
        ],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "Warning" not in run.stdout + run.stderr, run.stdout + run.stderr
    sys.path.insert(0, str(folder))
    try:
        package = importlib.import_module(PACKAGE)
        names = (
            "submit_job",
            "get_job",
            "cancel_job",
            "delete_job",
            "list_jobs",
            "exercises_for_job",
            "answer_exercise",
            "flashcards",
        )
        api = {n: importlib.import_module(f"{PACKAGE}.api.default.{n}") for n in names}
        models = importlib.import_module(f"{PACKAGE}.models")
        yield package.Client(base_url=live_api, raise_on_unexpected_status=True), api, models
    finally:
        sys.path.remove(str(folder))
        for name in [m for m in sys.modules if m.startswith(PACKAGE)]:
            del sys.modules[name]


def test_submit_and_wait_give_a_typed_job_with_every_field(generated):
    client, api, models = generated
    spec = TINY | {"methods": ["backprop", "naive"], "include": {"per_example": True}}
    reply = api["submit_job"].sync_detailed(
        client=client, body=models.JobSpec.from_dict(spec), wait=5
    )
    job = reply.parsed
    assert reply.status_code == 200 and isinstance(job, models.Job)
    assert job.status == models.JobStatus.SUCCEEDED
    # typed all the way down: attributes, not dict look-ups
    result = job.result
    assert isinstance(result, models.Result) and result.cost > 0
    assert len(result.gradients.weights) == 2 and len(result.wishes) == 3
    assert result.layers[0].three_ways.previous and result.examples.costs
    assert result.naive.relative_error < 1e-6 and result.timing.naive.cpu_seconds > 0
    assert isinstance(job.spec, models.JobSpec) and job.spec.network.layers == [2, 3, 2]
    # nothing lost on the way: the typed job gives back the service's JSON exactly
    assert job.to_dict() == json.loads(reply.content)

    same = api["get_job"].sync(job.id, client=client)
    assert isinstance(same, models.Job) and same.result.cost == result.cost


def test_a_queued_job_is_waited_for_by_polling_get(generated):
    client, api, models = generated
    job = api["submit_job"].sync(client=client, body=models.JobSpec.from_dict(TINY))
    deadline = time.monotonic() + PATIENCE
    while job.status not in (models.JobStatus.SUCCEEDED, models.JobStatus.FAILED):
        assert time.monotonic() < deadline
        time.sleep(0.05)
        job = api["get_job"].sync(job.id, client=client)
    assert job.status == models.JobStatus.SUCCEEDED and job.result.cost > 0


def test_cancel_delete_and_list(generated):
    client, api, models = generated
    long = api["submit_job"].sync(client=client, body=models.JobSpec.from_dict(LONG))
    cancelled = api["cancel_job"].sync(long.id, client=client)
    assert isinstance(cancelled, models.Job)
    assert cancelled.status in (models.JobStatus.CANCELLED, models.JobStatus.RUNNING)
    deadline = time.monotonic() + PATIENCE
    while (job := api["get_job"].sync(long.id, client=client)).status != models.JobStatus.CANCELLED:
        assert time.monotonic() < deadline, job.status
        time.sleep(0.05)

    newer = api["submit_job"].sync(client=client, body=models.JobSpec.from_dict(TINY), wait=5)
    first = api["list_jobs"].sync(client=client, limit=1)
    assert isinstance(first, models.JobList) and [j.id for j in first.jobs] == [newer.id]
    second = api["list_jobs"].sync(client=client, limit=1, cursor=first.next_)
    assert [j.id for j in second.jobs] == [long.id]

    assert api["delete_job"].sync_detailed(long.id, client=client).status_code == 204
    gone = api["get_job"].sync_detailed(long.id, client=client)
    assert gone.status_code == 404 and isinstance(gone.parsed, models.ProblemDocument)
    assert gone.parsed.type_ == "/problems/job-not-found"


def test_practice_through_the_generated_client(generated):
    client, api, models = generated
    spec = TINY | {"include": {"per_example": True}}
    job = api["submit_job"].sync(client=client, body=models.JobSpec.from_dict(spec), wait=5)
    page = api["exercises_for_job"].sync(job.id, client=client, count=6, seed=1)
    assert isinstance(page, models.Exercises) and len(page.exercises) == 6
    # each kind its own typed class, told apart by `kind`
    trace = next(e for e in page.exercises if isinstance(e, models.TraceBackExercise))
    assert trace.data.layer in (1, 2) and isinstance(trace.answer, models.NumberAnswer)
    check = api["answer_exercise"].sync(
        job.id, trace.id, client=client, body=models.AnswerBody(answer=0.5)
    )
    assert isinstance(check, models.AnswerCheck) and check.explanation
    cards = api["flashcards"].sync(client=client, job=job.id)
    assert isinstance(cards, models.Flashcards) and "17 parameters" in " ".join(
        c.back for c in cards.cards
    )
