"""The Python client against the real service: the API over HTTP, Redis, a Celery worker."""

from __future__ import annotations

import json
import secrets
from collections import Counter
from urllib.parse import urlsplit

import pytest
import requests

from backprop_lab import ApiError, Client, JobError
from tests.support.specs import EXAMPLES as FOLDER

EXAMPLES = sorted(FOLDER.glob("*.json"))
TINY = FOLDER / "tiny-2-3-2.json"
LESSON = FOLDER / "lesson-784-16-16-10.json"


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
    timing = result["timing"]  # how fast is bench/'s to say; here, that it is reported whole
    assert timing["speedup"] == pytest.approx(
        timing["naive"]["full_seconds"] / timing["backprop"]["seconds"], rel=1e-12
    )
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


def test_run_returns_the_finished_job_with_its_id(client):
    job = client.run(TINY, timeout=60)
    assert job["status"] == "succeeded" and client.get(job["id"])["id"] == job["id"]
    assert set(job["result"]) >= {"cost", "gradients", "wishes", "naive", "timing"}
    asked = client.run(TINY, timeout=60, fields=["cost"])
    assert asked.keys() == {"id", "status", "progress", "error", "result"}
    assert asked["result"] == {"cost": job["result"]["cost"]}


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


# a 784-96-10 network on one digit: about 3.3 MB of JSON, most of it one `end` event line
BIG = {
    "network": {"layers": [784, 96, 10], "init": {"seed": 1}},
    "batch": {"dataset": "mnist", "size": 1, "seed": 0},
}


def counting_session(read: Counter) -> requests.Session:
    """A session that adds up the bytes each request reads off the wire, by method and path."""

    def count(response, *args, **kwargs):
        chunks = response.iter_content  # what .content, .json() and a stream's reader use
        key = f"{response.request.method} {urlsplit(response.url).path}"

        def counted(*a, **k):
            for chunk in chunks(*a, **k):
                read[key] += len(chunk)
                yield chunk

        response.iter_content = counted
        return response

    session = requests.Session()
    session.hooks["response"].append(count)
    return session


def test_wait_reads_a_big_result_once(live_api):
    # The stream's `end` event carries the whole job on one line. wait() stops at the `end`
    # event's name and reads the job with one GET, so it reads what one get() does and little
    # more: counted in bytes off the wire, not in seconds.
    read: Counter = Counter()
    client = Client(live_api, timeout=10, session=counting_session(read))
    job = client.run(BIG, timeout=120)
    assert len(json.dumps(job)) > 3_000_000
    read.clear()
    waited = client.wait(job["id"], timeout=60)
    on_wait = dict(read)
    read.clear()
    got = client.get(job["id"])
    on_get = dict(read)
    assert waited == got
    one_get = f"GET /v1/jobs/{job['id']}"
    assert on_get.keys() == {one_get}
    assert on_wait[one_get] == on_get[one_get]  # the job, read once
    stream = on_wait.pop(f"GET /v1/jobs/{job['id']}/events")
    assert on_wait.keys() == {one_get}
    # of the stream, its head and the chunk where the `end` begins, not the 3 MB job it carries
    assert stream < 100_000, stream


def test_the_line_reader_joins_a_long_line_cut_anywhere():
    from backprop_lab.sse import lines_of, parse_events

    line = b"data: " + b"7" * 3_000_000
    stream = b"event: progress\r\ndata: {}\n\n" + b"event: end\n" + line + b"\n\n"
    for size in (1, 512, 65_536):
        chunks = (
            [stream[i : i + size] for i in range(0, len(stream), size)]
            if size > 1
            else [stream[:30], stream[30:31], stream[31:]]
        )
        assert list(lines_of(chunks)) == [
            "event: progress",
            "data: {}",
            "",
            "event: end",
            line.decode(),
            "",
        ]
    # with `until`, the end is seen from its name line, and its data is never parsed
    events = list(parse_events(lines_of([stream]), until=("end",)))
    assert events == [("progress", {}), ("end", None)]
    assert list(lines_of([b"no newline at the end"])) == ["no newline at the end"]


def naive_job(seed: int, sample: int = 500) -> dict:
    """A job of a few hundred milliseconds: long enough to be in flight beside another."""
    return {
        "network": {"layers": [784, 64, 10], "init": {"seed": seed}},
        "batch": {"dataset": "mnist", "size": 50, "seed": seed},
        "methods": ["backprop", "naive"],
        "naive": {"sample": sample, "seed": seed},
    }


def most_in_flight(jobs: list[dict]) -> int:
    """The most of these jobs queued or running at one moment: each is in flight from its
    creation to its end (an end and a creation at the same millisecond do not overlap)."""
    moves = sorted([(j["created_at"], 1) for j in jobs] + [(j["finished_at"], -1) for j in jobs])
    running = peak = 0
    for _, move in sorted(moves, key=lambda m: (m[0], m[1])):
        running += move
        peak = max(peak, running)
    return peak


def test_submit_many_keeps_its_bound_in_flight_and_yields_every_job(client):
    specs = [naive_job(seed) for seed in range(6)]
    finished = dict(client.submit_many(specs, max_in_flight=2, timeout=120))
    assert sorted(finished) == list(range(6))
    jobs = [client.get(job["id"]) for job in finished.values()]
    assert all(job["status"] == "succeeded" for job in jobs)
    for position, job in finished.items():  # each yielded with the position of its spec
        assert job["spec"] == specs[position]
    assert most_in_flight(jobs) == 2


def test_as_completed_yields_each_job_once_it_has_finished(client):
    jobs = [client.submit(naive_job(seed)) for seed in (10, 11, 12)]
    seen = list(client.as_completed(jobs, timeout=120, fields=["cost"]))
    assert sorted(j["id"] for j in seen) == sorted(j["id"] for j in jobs)
    assert all(j["status"] == "succeeded" and "cost" in j["result"] for j in seen)


def test_a_429_is_retried_after_its_retry_after_and_then_exposed(redis_url, worker):
    from tests.support.processes import api_server

    key = secrets.token_hex(16)  # a quota of this test's own, whatever ran before it
    with api_server(redis_url, "", interactive_quota=1, batch_quota=1, api_keys=(key,)) as url:
        first = Client(url, api_key=key).submit(naive_job(20, sample=2500))  # seconds of work
        with pytest.raises(ApiError) as refused:
            Client(url, api_key=key, retries=0).submit(naive_job(21, sample=2500))
        assert refused.value.status == 429 and refused.value.retry_after == 10
        assert refused.value.problem["in_flight"] == 1
        # retried (every 0.2 s here, not the 10 s asked) until the first job has ended
        patient = Client(url, api_key=key, max_retry_wait=0.2, retries=1000)
        second = patient.run(naive_job(21, sample=2500), timeout=120)
        first = patient.get(first["id"])
        assert first["status"] == second["status"] == "succeeded"
        assert second["created_at"] >= first["finished_at"]
