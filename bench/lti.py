"""LTI 1.3 launches and grade passback on this machine, against the offline fake platform.

The service as its users run it (`backprop-lab run`: its own embedded Redis, the interactive
and the batch worker, gunicorn), the platform registered with `backprop-lab lti add-platform`,
the platform (bench/lti_platform.py) in this process over HTTP on loopback, and each student's
browser played by a requests session (the platform's forms, the tool's cookie and redirect).

1. *launch to first exercise*: STUDENTS students one after another: the platform's start, the
   tool's login, the platform's authorization, the launch (an embed token, the redirect to the
   practice view), the page's exchange of the token for its learner session, the round's job
   (the lesson's trained preset on a digit of its own, `?wait`), and its first exercise.
   Then the one answer that finishes the round, and the
   *score passback*: from sending that answer to the score's arrival at the platform's line
   item (the answer checked and recorded, the score's record, the task, a token with a signed
   client assertion when none is kept, the POST).
2. *100 concurrent launches*: CONCURRENT students start at once (a barrier); each launch's
   seconds from the platform's start to the tool's redirect.

Medians with quartiles, p95; the CPU and the load average are printed with them.

    flock /tmp/backprop-bench.lock .venv/bin/python -m bench.lti
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import requests

from bench.common import check, cpu
from bench.lti_platform import LTI, fake_platform, launch_over_http
from bench.processes import backprop_lab, free_port, service_process

AGS = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
SCORE_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
STUDENTS = 30
CONCURRENT = 100


def register(platform, redis_url: str) -> None:
    import subprocess

    r = platform.registration()
    argv = backprop_lab(
        "lti", "add-platform", "--issuer", r["issuer"], "--client-id", r["client_id"],
        "--deployment", r["deployment_ids"][0], "--jwks-url", r["jwks_url"],
        "--login-url", r["login_url"], "--token-url", r["token_url"],
    )  # fmt: skip
    subprocess.run(argv, check=True, env=os.environ | {"REDIS_URL": redis_url})  # noqa: S603  ours


def offer(platform, digit: int) -> str:
    custom = {"preset": "lesson-trained", "digit": str(digit), "kinds": "output-wish", "count": "1"}
    lineitem = f"{platform.url}/lineitems/{digit}"
    return platform.offer(
        {LTI + "custom": custom, AGS: {"scope": [SCORE_SCOPE], "lineitem": lineitem}}
    )


def launched(platform, hint: str) -> tuple[requests.Session, dict[str, list[str]]]:
    """The launch, to the tool's redirect: the browser, and the page URL's query."""
    browser = requests.Session()
    reply, _ = launch_over_http(browser, platform, hint)
    check(reply.status_code == 303, reply.text)
    return browser, parse_qs(urlsplit(reply.headers["Location"]).query)


def session_of(url: str, browser: requests.Session, query: dict[str, list[str]]) -> str:
    """What the page does first: its embed token exchanged for a learner session."""
    asked = {"token": query["embed_token"][0], "origin": query["origin"][0]}
    opened = browser.post(
        f"{url}/v1/embed-sessions",
        json=asked | {"preset": query["preset"][0]},
        headers={"Origin": url},
        timeout=60,
    )
    check(opened.status_code == 201, opened.text)
    return opened.json()["session"]


def student(url: str, platform, digit: int) -> dict[str, float]:
    began = time.perf_counter()
    browser, query = launched(platform, offer(platform, digit))
    credential = session_of(url, browser, query)
    as_learner = {"X-Learner-Session": credential}
    spec = {
        "network": {"preset": query["preset"][0]},
        "batch": {"dataset": "mnist", "split": "test", "indices": [int(query["digit"][0])]},
        "include": {"per_example": True},
    }
    job = browser.post(
        f"{url}/v1/jobs", params={"wait": 10}, json=spec, headers=as_learner, timeout=60
    ).json()
    check(job["status"] == "succeeded", job)
    exercises = browser.get(
        f"{url}/v1/jobs/{job['id']}/exercises",
        params={"count": 1, "kinds": query["kinds"][0]},
        headers=as_learner,
        timeout=60,
    ).json()["exercises"]
    first = time.perf_counter()
    (exercise,) = exercises
    accepts = exercise["answer"]
    answer = accepts["options"][0] if accepts["type"] == "choice" else 0.5
    answered = time.monotonic()  # the score may arrive before the answer's reply: from here
    reply = browser.post(
        f"{url}/v1/jobs/{job['id']}/exercises/{exercise['id']}/answer",
        json={"answer": answer},
        headers=as_learner,
        timeout=60,
    )
    check(reply.ok, reply.text)
    item = str(digit)
    deadline = answered + 60
    while not (got := [s for s in platform.scores if s["item"] == item]):
        check(time.monotonic() < deadline, "no score within 60 s")
        time.sleep(0.002)
    return {"first": first - began, "passback": got[0]["at"] - answered}


def concurrent_launches(platform, count: int) -> list[float]:
    hints = [offer(platform, 900 + i % 100) for i in range(count)]
    barrier, times, failures = threading.Barrier(count), [], []

    def one(hint: str) -> None:
        barrier.wait()
        began = time.perf_counter()
        try:
            launched(platform, hint)
            times.append(time.perf_counter() - began)
        except Exception as error:  # counted and shown, not hidden
            failures.append(repr(error))

    threads = [threading.Thread(target=one, args=(h,)) for h in hints]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if failures:
        print(f"  {len(failures)} launches failed, e.g. {failures[0]}")
    return times


def summary(name: str, times: list[float]) -> str:
    q1, median, q3 = statistics.quantiles(times, n=4, method="inclusive")
    p95 = statistics.quantiles(times, n=100, method="inclusive")[94]
    return (
        f"{name:<30} n={len(times):<4} median {median * 1000:7.1f} ms "
        f"(quartiles {q1 * 1000:.1f}-{q3 * 1000:.1f})  p95 {p95 * 1000:7.1f} ms"
    )


def load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=STUDENTS)
    parser.add_argument("--concurrent", type=int, default=CONCURRENT)
    args = parser.parse_args()
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # the platform's request lines
    print(f"{cpu()}; load average before: {load()}")
    with tempfile.TemporaryDirectory() as folder:
        redis_url = f"redis://127.0.0.1:{free_port()}/0"
        with service_process(Path(folder), REDIS_URL=redis_url) as (url, _):
            with fake_platform(url) as platform:
                register(platform, redis_url)
                student(url, platform, 0)  # warm: the preset's weights, the keys, the pools
                platform.scores.clear()
                rounds = [student(url, platform, 1 + i) for i in range(args.students)]
                launches = concurrent_launches(platform, args.concurrent)
    print(summary("launch to first exercise", [r["first"] for r in rounds]))
    print(summary("score passback", [r["passback"] for r in rounds]))
    print(summary(f"{args.concurrent} concurrent launches", launches))
    print(f"load average after: {load()}")


if __name__ == "__main__":
    main()
