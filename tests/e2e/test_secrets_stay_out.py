"""A keyed service keeps its secrets to itself: `backprop-lab run` (gunicorn's API and the two
workers) on a Redis that requires a password (a redis-server of this test's own), taken by
every component from REDIS_URL, runs several jobs, failures and refused requests; then the
logs, /metrics, every answer (problem documents and job records included) and every key and
value in Redis are searched for the API keys and the Redis password: none is found."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
import redis
import requests

from tests.support.processes import free_port, start_redis, stop
from tests.support.specs import OVERFLOW, example
from tests.support.waiting import PATIENCE, wait_until

CLI = str(Path(sys.executable).with_name("backprop-lab"))


def _everything_in(client: redis.Redis) -> list[bytes]:
    """Every key of the database and all its values, as bytes."""
    found = []
    for key in client.scan_iter(count=1000):
        kind = client.type(key).decode()
        found.append(key)
        if kind == "string":
            found.append(client.get(key) or b"")
        elif kind == "hash":
            found += [part for pair in client.hgetall(key).items() for part in pair]
        elif kind == "list":
            found += client.lrange(key, 0, -1)
        elif kind == "set":
            found += list(client.smembers(key))
        elif kind == "zset":
            found += [member for member, _ in client.zrange(key, 0, -1, withscores=True)]
        elif kind == "stream":
            for _, fields in client.xrange(key):
                found += [part for pair in fields.items() for part in pair]
        else:
            pytest.fail(f"a Redis value of kind {kind} at {key!r} that this test cannot read")
    return found


def test_no_api_key_or_redis_password_in_logs_metrics_answers_or_redis(tmp_path):
    password = secrets.token_hex(16)
    keys = [secrets.token_hex(16), secrets.token_hex(16)]
    wrong = secrets.token_hex(16)  # presented, refused: no more echoed than the real ones
    port = free_port()
    server = start_redis(port, tmp_path, password=password)
    url = f"redis://:{password}@127.0.0.1:{port}/0"
    try:
        with pytest.raises(redis.AuthenticationError):  # the password is really required
            redis.Redis(port=port).set("open", "1")
        api = f"http://127.0.0.1:{free_port()}"
        env = os.environ | {
            "REDIS_URL": url,
            "API_KEYS": ",".join(keys),
            "PORT": api.rsplit(":", 1)[1],
            "BACKPROP_LAB_VAR": str(tmp_path / "var"),
            "WEB_CONCURRENCY": "1",
            "QUEUE_PREFIX": "",
            "GUNICORN_CMD_ARGS": "--access-logfile - --log-level debug",
        }
        with (tmp_path / "run.log").open("wb") as out:
            service = subprocess.Popen(
                [CLI, "run"], env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )
        try:
            wait_until(lambda: _started(tmp_path / "run.log", service), "backprop-lab run", 120)
            answers, job_ids = _run_jobs_and_errors(api, keys, wrong)
            answers.append(
                requests.get(f"{api}/metrics", headers={"X-API-Key": keys[0]}, timeout=PATIENCE)
            )
        finally:
            stop(service)
        stored = _everything_in(redis.Redis.from_url(url))
    finally:
        stop(server)
    assert answers[-1].status_code == 200 and "backprop_lab" in answers[-1].text
    texts = {f"answer {a.request.method} {a.url}": _shown(a) for a in answers}
    texts |= {f"log {log.name}": log.read_bytes() for log in tmp_path.glob("*.log")}
    texts["redis"] = b"\n".join(stored)
    for secret in [password, *keys, wrong]:
        found = [where for where, text in texts.items() if secret.encode() in text]
        assert found == [], (secret == password, found)
    # the material searched holds what it should: the jobs' ids in Redis and in the answers,
    # the worker's own log at info level, gunicorn's access lines
    assert all(job_id.encode() in texts["redis"] for job_id in job_ids)
    logs = texts["log run.log"]
    assert b"using the Redis at redis://:**@127.0.0.1" in logs  # the supervisor's own line
    assert logs.count(b"ready.") == 2 and b'"POST /v1/jobs' in logs  # both workers, gunicorn


def _started(log: Path, process: subprocess.Popen) -> bool:
    return process.poll() is not None or "backprop-lab is running" in log.read_text()


def _shown(answer: requests.Response) -> bytes:
    headers = "".join(f"{k}: {v}\n" for k, v in answer.headers.items())
    return headers.encode() + answer.content


def _run_jobs_and_errors(api: str, keys: list[str], wrong: str):
    """Jobs that succeed and fail, bad and unauthorised requests, reads, a cancel and a delete;
    every answer, and the ids of the jobs made."""
    answers: list[requests.Response] = []

    def call(method: str, path: str, key: str | None = keys[0], bearer=False, **kwargs):
        headers = {}
        if key is not None:
            headers = {"Authorization": f"Bearer {key}"} if bearer else {"X-API-Key": key}
        answer = requests.request(
            method, f"{api}{path}", headers=headers, timeout=PATIENCE, **kwargs
        )
        answers.append(answer)
        return answer

    made = [
        call("POST", "/v1/jobs", json=example("tiny-2-3-2")),
        call("POST", "/v1/jobs", keys[1], bearer=True, json=example("lesson-784-16-16-10")),
        call("POST", "/v1/jobs", json=OVERFLOW),  # accepted, then fails in the model
    ]
    assert [m.status_code for m in made] == [202, 202, 202], [m.text for m in made]
    ids = [m.json()["id"] for m in made]

    def ended(job_id: str, key: str) -> bool:
        return call("GET", f"/v1/jobs/{job_id}", key).json()["status"] not in ("queued", "running")

    for job_id, key in zip(ids, [keys[0], keys[1], keys[0]]):
        wait_until(lambda job_id=job_id, key=key: ended(job_id, key), f"job {job_id}")
    assert call("GET", f"/v1/jobs/{ids[2]}").json()["status"] == "failed"
    refused = [
        call("POST", "/v1/jobs", None, json=example("tiny-2-3-2")),  # no key: 401
        call("POST", "/v1/jobs", wrong, json=example("tiny-2-3-2")),  # a wrong key: 401
        call("POST", "/v1/jobs", wrong, bearer=True, json=example("tiny-2-3-2")),
        call("POST", "/v1/jobs", json={"network": {"layers": [2, -1]}}),  # 422
        call("GET", f"/v1/jobs/{ids[1]}"),  # another key's job: 404
        call("GET", "/v1/jobs/nonexistent"),
    ]
    assert [r.status_code for r in refused] == [401, 401, 401, 422, 404, 404]
    call("GET", "/v1/jobs")
    call("GET", f"/v1/jobs/{ids[0]}/result.npz")
    slow = call("POST", "/v1/jobs", keys[1], json=example("research-big-batch-sampled"))
    ids.append(slow.json()["id"])
    call("POST", f"/v1/jobs/{ids[-1]}/cancel", keys[1])
    call("DELETE", f"/v1/jobs/{ids[0]}")
    call("GET", "/v1/health")
    return answers, ids
