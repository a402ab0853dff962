"""A client nobody here wrote: openapi-python-client generates one from the running service's
/openapi.json with its defaults (no config file, no option but --fail-on-warning: not one
warning), and every operation of the document goes through it against the real API, Redis and
worker, result.npz included.

Its default post hooks run ruff (`ruff check --fix`, `ruff format`), the dev extra's, found on
the PATH of this environment.
"""

from __future__ import annotations

import importlib
import io
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import requests

from tests.support.specs import example

TINY = example("tiny-2-3-2")
LESSON = example("lesson-784-16-16-10")
LONG = LESSON | {"batch": {"dataset": "digits", "resolution": 28, "size": 1000, "seed": 0}}
PACKAGE = "backprop_lab_client"  # the generator's name for a document titled backprop-lab
PATIENCE = 60  # seconds before a poll gives up: a timeout, not a speed claim


@pytest.fixture(scope="module")
def document(live_api) -> dict:
    return requests.get(f"{live_api}/openapi.json", timeout=10).json()


@pytest.fixture(scope="module")
def generated(live_api, document, tmp_path_factory):
    """The generated package, imported; its Client pointed at the live API; and its operation
    modules by operationId."""
    folder = tmp_path_factory.mktemp("generated")
    (folder / "openapi.json").write_text(json.dumps(document))
    tools = Path(sys.executable).parent  # openapi-python-client, and ruff for its post hooks
    run = subprocess.run(
        [str(tools / "openapi-python-client"), "generate", "--path", "openapi.json"]
        + ["--fail-on-warning"],
        cwd=folder,
        env=os.environ | {"PATH": f"{tools}{os.pathsep}{os.environ.get('PATH', '')}"},
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "Warning" not in run.stdout + run.stderr, run.stdout + run.stderr
    project = folder / "backprop-lab-client"
    sys.path.insert(0, str(project))
    try:
        package = importlib.import_module(PACKAGE)
        operations = [
            op["operationId"] for ops in document["paths"].values() for op in ops.values()
        ]
        api = {n: importlib.import_module(f"{PACKAGE}.api.default.{n}") for n in operations}
        models = importlib.import_module(f"{PACKAGE}.models")
        yield package.Client(base_url=live_api, raise_on_unexpected_status=True), api, models
    finally:
        sys.path.remove(str(project))
        for name in [m for m in sys.modules if m.startswith(PACKAGE)]:
            del sys.modules[name]


def test_every_operation_of_the_document_is_generated(generated, document):
    _, api, _ = generated
    generated_modules = {
        p.stem for p in Path(next(iter(api.values())).__file__).parent.glob("*.py")
    } - {"__init__"}
    operations = {op["operationId"] for ops in document["paths"].values() for op in ops.values()}
    assert generated_modules == operations and {"submit_job", "get_result_npz"} <= operations
    assert all(hasattr(module, "sync_detailed") for module in api.values())


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


def test_result_npz_through_the_generated_client_loads_in_numpy(generated):
    client, api, models = generated
    spec = TINY | {"methods": ["backprop", "naive"]}
    job = api["submit_job"].sync(client=client, body=models.JobSpec.from_dict(spec), wait=5)
    assert job.status == models.JobStatus.SUCCEEDED
    reply = api["get_result_npz"].sync_detailed(job.id, client=client)
    assert reply.status_code == 200
    assert type(reply.parsed).__name__ == "File"  # the generator's bytes, not a model
    arrays = np.load(io.BytesIO(reply.parsed.payload.read()), allow_pickle=False)
    result = job.result.to_dict()
    for l in range(2):
        for part in ("weights", "biases"):
            got = arrays[f"gradients/{part}/{l}"]
            np.testing.assert_array_equal(got, np.array(result["gradients"][part][l]))
    for l in range(3):
        np.testing.assert_array_equal(arrays[f"wishes/{l}"], np.array(result["wishes"][l]))
    # the rest is in the member result.json: the cost, and where each array was
    rest = json.loads(arrays["result.json"])
    assert rest["cost"] == result["cost"]
    assert rest["wishes"][0] == {"$array": "wishes/0", "shape": [2]}


def test_the_rest_of_the_operations_through_the_generated_client(generated, live_api):
    client, api, models = generated
    job = api["submit_job"].sync(client=client, body=models.JobSpec.from_dict(TINY), wait=5)
    # the event stream of a finished job: its one end event, the job as get_job gives it
    stream = api["job_events"].sync(job.id, client=client)
    end = stream.split("event: end\ndata: ", 1)[1].split("\n", 1)[0]
    assert json.loads(end) == api["get_job"].sync(job.id, client=client).to_dict()
    assert isinstance(api["health"].sync(client=client), models.Health)
    ready = api["ready"].sync(client=client)
    assert isinstance(ready, models.Ready) and ready.workers >= 1
    names = [d.name for d in api["datasets"].sync(client=client).datasets]
    assert names == ["mnist", "digits", "random"]
    presets = api["presets"].sync(client=client).presets
    assert [p.name for p in presets] == [
        "lesson-untrained",
        "lesson-partly-trained",
        "lesson-trained",
    ]
    examples = api["examples"].sync(client=client).examples
    assert "tiny-2-3-2" in [e.name for e in examples]
    assert "backprop_lab_jobs_submitted_total" in api["metrics"].sync(client=client)
    page = api["problem_type"].sync(models.ProblemTypeSlug.JOB_NOT_FOUND, client=client)
    assert "Job not found" in page
