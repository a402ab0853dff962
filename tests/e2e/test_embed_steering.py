"""Embedding a host can steer, in real headless Chromium against the service and its workers:
the embed URL sets the preset, digit, exercise kinds and count; a page loaded again with the
same settings shows the same job (no submit, no record; the newest fifty specs are kept);
another browser's load is answered by the result cache (computed at most once); the page posts
backprop-lab:ready to the host's origin, and to no other (docs/page.md)."""

from __future__ import annotations

import pytest

from tests.support.browser import Page, host_page, needs_chromium
from tests.support.processes import api_server
from tests.support.written import stored
from worker.records import JobStore

pytestmark = needs_chromium

PRACTICE = "#practice-prompt[data-exercise-id]"
STEERED = "embed=1&preset=lesson-trained&digit=680&kinds=trace-back&count=2"


@pytest.fixture(scope="module")
def cache_url(redis_url, queue_prefix, worker):
    """An API with the result cache on (the tests' services keep it off), on the session's
    workers: their jobs take part in the cache as their records say."""
    with api_server(redis_url, queue_prefix, max_wait=5.0, result_cache=True) as url:
        yield url


def ready_in_host(page, base_url: str) -> dict:
    """Load the host page, wait for the lab's first exercise and its ready message."""
    page.page.goto(page.host)
    inner = page.page.frame_locator("#lab")
    inner.locator(PRACTICE).wait_for()
    page.page.wait_for_function("window.scores.some(m => m.type === 'backprop-lab:ready')")
    frame = page.page.frame(url=lambda url: url.startswith(base_url))
    return {
        "messages": page.page.evaluate("window.scores"),
        "job": frame.get_attribute(PRACTICE, "data-job-id"),
        "kind": frame.get_attribute(PRACTICE, "data-kind"),
        "of": frame.inner_text("#practice-kind"),
    }


def records(redis_url: str) -> set[bytes]:
    return stored(redis_url)["records"]


def test_repeated_embedded_loads_reuse_one_job(browser, cache_url, redis_url):
    before = records(redis_url)
    student = Page(browser, cache_url, 400)
    submits = []
    student.context.on(
        "request", lambda r: r.method == "POST" and "/v1/jobs?" in r.url and submits.append(r.url)
    )
    other = Page(browser, cache_url, 400)
    try:
        with host_page(cache_url, STEERED) as host:
            student.host = other.host = host
            loads = [ready_in_host(student, cache_url) for _ in range(3)]
            again = ready_in_host(other, cache_url)
        job_id = loads[0]["job"]
        for load in loads:
            assert load["job"] == job_id
            assert load["kind"] == "trace-back" and load["of"].startswith("1 of 2")
            assert load["messages"] == [
                {"type": "backprop-lab:ready", "job_id": job_id, "kinds": "trace-back", "count": 2}
            ]
        assert len(submits) == 1  # three loads, one submit
        assert records(redis_url) - before == {
            JobStore.key(job_id).encode(),
            JobStore.key(again["job"]).encode(),
        }
        jobs = {}
        for name, load in (("first", loads[0]), ("other", again)):
            jobs[name] = student.page.request.get(f"{cache_url}/v1/jobs/{load['job']}").json()
        assert jobs["first"]["spec"]["network"] == {"preset": "lesson-trained"}
        assert jobs["first"]["spec"]["batch"]["indices"] == [680]
        assert jobs["other"]["spec"] == jobs["first"]["spec"]
        # another browser has no memory of the job: its submit is served from the cache
        assert again["job"] != job_id
        assert jobs["first"]["cache"] in ("computed", "hit")  # "hit": an earlier run kept it
        assert jobs["other"]["cache"] == "hit"
        assert jobs["other"]["result"]["wishes"] == jobs["first"]["result"]["wishes"]
        assert student.errors == [] and other.errors == []
    finally:
        student.close()
        other.close()


def test_an_origin_that_differs_only_by_its_host_name_gets_no_message(browser, base_url):
    page = Page(browser, base_url, 400, enforce_csp=True)
    try:
        # the host is on 127.0.0.1 and names itself localhost, on its own port: the page's
        # frame-ancestors names localhost, so the browser does not show it in that host at all
        with host_page(base_url, "embed=1", origin="http://localhost:{port}") as host:
            page.page.goto(host, wait_until="load")  # the frame's load too
            page.page.wait_for_timeout(500)  # a posted message would have arrived by now
            assert page.page.evaluate("window.scores") == []
            shown = [f for f in page.page.frames if f.url.startswith(base_url)]
            assert all(f.locator("#setup").count() == 0 for f in shown)
        assert page.errors and all("frame-ancestors" in e for e in page.errors), page.errors
    finally:
        page.close()


def test_the_browser_remembers_the_newest_fifty_specs(browser, base_url):
    page = Page(browser, base_url, 400)
    try:
        page.open()
        kept = page.page.evaluate(
            """async () => {
              const memory = await import("./static/job-memory.js");
              localStorage.clear();
              for (let n = 0; n < 60; n++) memory.remember({ digit: n }, `job-${n}`);
              memory.remember({ digit: 30 }, "job-30-again");
              memory.forget({ digit: 59 });
              return {
                entries: JSON.parse(localStorage.getItem("backprop-lab:jobs")).length,
                gone: memory.remembered({ digit: 9 }), kept: memory.remembered({ digit: 10 }),
                again: memory.remembered({ digit: 30 }),
                forgotten: memory.remembered({ digit: 59 }),
              };
            }"""
        )
        assert kept == {
            "entries": 49,
            "gone": None,
            "kept": "job-10",
            "again": "job-30-again",
            "forgotten": None,
        }
        assert page.errors == []
    finally:
        page.close()
