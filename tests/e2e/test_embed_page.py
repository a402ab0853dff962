"""Signed embedding in real headless Chromium, API keys on: a course page on another loopback
origin frames the service with a platform's embed token, the page opens its learner session,
runs the lesson's job and a practice exercise with the session alone, and posts the score
with a receipt to that origin; jwcrypto verifies the receipt against the live JWKS, and a
student's forged message fails. The page, the API docs and the API answers carry the security
headers, and the pages run under the content security policy without one violation."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests
from jwcrypto import jwk, jws, jwt

from tests.e2e.test_practice_page import PRACTICE, answer_in_page
from tests.support.browser import DONE, Page, needs_chromium
from tests.support.processes import api_server, free_port

pytestmark = needs_chromium

KEY = "course-platform-key"
HOST_PAGE = """<!doctype html><title>course</title>
<iframe id="lab" src="{src}" width="420" height="760" title="backprop-lab"></iframe>
<script>
window.scores = [];
window.addEventListener("message", (event) => {{
  if (event.origin === "{api}") window.scores.push(event.data);
}});
</script>"""
# the score messages among those the host received (the page also posts `ready`)
SCORES = "window.scores.filter((m) => m.type === 'backprop-lab:score')"
# every violation of a page's content security policy, as a console error the test collects
REPORT_VIOLATIONS = """document.addEventListener("securitypolicyviolation", (e) =>
  console.error(`CSP violation: ${e.violatedDirective} ${e.blockedURI}`));"""


@pytest.fixture(scope="module")
def keyed_api(redis_url, queue_prefix, worker):
    with api_server(redis_url, queue_prefix, api_keys=(KEY,), max_wait=5.0) as url:
        yield url


class CoursePage:
    """A course page on its own loopback port, serving whatever page it is given."""

    def __init__(self):
        self.port = free_port()
        self.origin = f"http://127.0.0.1:{self.port}"
        self.body = b""
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 (the http.server name)
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(outer.body)))
                self.end_headers()
                self.wfile.write(outer.body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture(scope="module")
def course():
    page = CoursePage()
    yield page
    page.server.shutdown()


def browser_page(browser, base_url: str) -> Page:
    page = Page(browser, base_url, 900, enforce_csp=True)
    page.context.add_init_script(REPORT_VIOLATIONS)  # runs in every frame, before its scripts
    return page


def security_headers(reply: requests.Response, ancestors: str = "'none'") -> None:
    policy = reply.headers["Content-Security-Policy"]
    assert "script-src 'self';" in policy and "style-src 'self';" in policy
    assert "unsafe-inline" not in policy
    assert policy.endswith(f"frame-ancestors {ancestors}")
    assert reply.headers["X-Content-Type-Options"] == "nosniff"
    assert reply.headers["Referrer-Policy"] == "no-referrer"


def test_embed_with_a_token_on_a_service_with_keys(browser, keyed_api, course):
    preset = requests.get(f"{keyed_api}/v1/presets", timeout=10).json()["presets"][0]["name"]
    minted = requests.post(
        f"{keyed_api}/v1/embed-tokens",
        json={"learner": "student-42", "origin": course.origin, "preset": preset, "count": 3},
        headers={"X-API-Key": KEY},
        timeout=10,
    )
    assert minted.status_code == 201, minted.text
    course.body = HOST_PAGE.format(src=minted.json()["embed_url"], api=keyed_api).encode()
    page = browser_page(browser, keyed_api)
    try:
        page.page.goto(course.origin + "/")
        frame = page.page.frame_locator("#lab")
        frame.locator(DONE).wait_for()
        frame.locator(PRACTICE).wait_for()
        inner = page.page.frame(url=lambda url: url.startswith(keyed_api))
        assert "embed_token" not in inner.url  # the token left the address bar
        job_id = inner.get_attribute(PRACTICE, "data-job-id")
        exercise_id = inner.get_attribute(PRACTICE, "data-exercise-id")
        # the right answer, asked with the platform's key (the check records nothing then)
        options = inner.locator("#practice-answer .option")
        guess = json.loads(options.first.get_attribute("data-option")) if options.count() else 0
        expected = requests.post(
            f"{keyed_api}/v1/jobs/{job_id}/exercises/{exercise_id}/answer",
            json={"answer": guess},
            headers={"X-API-Key": KEY},
            timeout=10,
        ).json()["expected"]
        answer_in_page(inner, expected, True)
        page.page.wait_for_function(f"{SCORES}.length === 1")
        message = page.page.evaluate(f"{SCORES}[0]")
        # a student's forgery from the frame itself: better numbers on the genuine receipt
        head, body, signature = message["receipt"].split(".")
        claims = json.loads(jws.base64url_decode(body))
        forged_body = jws.base64url_encode(json.dumps(claims | {"correct": 3, "total": 3}))
        inner.evaluate(
            "([origin, receipt]) => window.parent.postMessage({type: 'backprop-lab:score', "
            "correct: 3, total: 3, receipt}, origin)",
            [course.origin, f"{head}.{forged_body}.{signature}"],
        )
        page.page.wait_for_function(f"{SCORES}.length === 2")
        forged = page.page.evaluate(f"{SCORES}[1]")
        assert page.errors == []  # no console error, no CSP violation, in either frame
    finally:
        page.close()

    assert message["type"] == "backprop-lab:score"
    assert (message["correct"], message["total"], message["count"]) == (1, 1, 3)
    assert message["exercise"] == {
        "id": exercise_id,
        "kind": exercise_id.split(".")[0],
        "job_id": job_id,
        "correct": True,
    }
    # the platform's backend: the receipt against the service's published keys (jwcrypto)
    keys = jwk.JWKSet.from_json(requests.get(f"{keyed_api}/.well-known/jwks.json", timeout=10).text)
    checks = {"iss": keyed_api, "sub": "student-42", "aud": course.origin}
    verified = json.loads(
        jwt.JWT(jwt=message["receipt"], key=keys, algs=["RS256"], check_claims=checks).claims
    )
    assert (verified["correct"], verified["total"]) == (1, 1)
    assert verified["answers"] == [f"{job_id}/{exercise_id}"]
    assert verified["scope"] == {"preset": preset, "count": 3}
    with pytest.raises(jws.InvalidJWSSignature):
        kid = json.loads(jws.base64url_decode(head))["kid"]
        jwt.JWT(jwt=forged["receipt"], key=keys.get_key(kid), algs=["RS256"])
    # and the platform reads the same score with its key
    scores = requests.get(
        f"{keyed_api}/v1/learner-scores",
        params={"learner": "student-42"},
        headers={"X-API-Key": KEY},
        timeout=10,
    ).json()["sessions"]
    mine = [s for s in scores if s["sid"] == verified["sid"]]
    assert [(s["correct"], s["total"], s["answers"][0]["exercise"]) for s in mine] == [
        (1, 1, exercise_id)
    ]


def test_a_page_framed_by_another_origin_than_its_tokens_is_not_shown(browser, keyed_api, course):
    minted = requests.post(
        f"{keyed_api}/v1/embed-tokens",
        json={"learner": "student-43", "origin": "http://localhost:9", "preset": "lesson-trained"},
        headers={"X-API-Key": KEY},
        timeout=10,
    ).json()
    security_headers(requests.get(minted["embed_url"], timeout=10), "http://localhost:9")
    course.body = HOST_PAGE.format(src=minted["embed_url"], api=keyed_api).encode()
    page = browser_page(browser, keyed_api)
    try:
        page.page.goto(course.origin + "/", wait_until="load")  # the frame's load too
        shown = [f for f in page.page.frames if f.url.startswith(keyed_api)]
        assert all(f.locator("#setup").count() == 0 for f in shown)  # nothing of the page
        assert any("frame-ancestors" in e for e in page.errors), page.errors
    finally:
        page.close()
    # the token was never used: the page that should frame it still can
    opened = requests.post(
        f"{keyed_api}/v1/embed-sessions",
        json={"token": minted["token"], "origin": "http://localhost:9"},
        timeout=10,
    )
    assert opened.status_code == 201


def test_the_page_and_the_api_docs_run_under_the_policy(browser, keyed_api):
    for path in ("/", "/docs", "/openapi.json", "/v1/health", "/v1/presets", "/static/app.js"):
        security_headers(requests.get(keyed_api + path, timeout=10))
    security_headers(requests.get(f"{keyed_api}/v1/jobs", timeout=10))  # a 401 problem too
    security_headers(requests.get(f"{keyed_api}/no-such-path", timeout=10))
    page = browser_page(browser, keyed_api)
    try:
        page.page.goto(keyed_api + "/docs")
        page.page.wait_for_selector("#paths details#create_embed_token")
        assert page.page.eval_on_selector("h1", "e => getComputedStyle(e).marginBottom") == "0px"
        page.page.goto(keyed_api + "/")
        page.page.wait_for_selector("#status[data-state]")  # the page ran (here: no key typed)
        assert page.page.eval_on_selector(".tabs", "e => getComputedStyle(e).display") != "inline"
        assert not [e for e in page.errors if "CSP" in e or "Content Security" in e]
    finally:
        page.close()


def test_a_course_page_named_in_frame_ancestors_frames_the_whole_page(
    browser, redis_url, queue_prefix, worker, course
):
    # a keyless deployment that lets one course site frame the page (FRAME_ANCESTORS): the
    # frame loads, runs and draws in 360 px under the policy; a site not named is refused
    with api_server(redis_url, queue_prefix, frame_ancestors=(course.origin,)) as api:
        security_headers(requests.get(api + "/", timeout=10), course.origin)
        security_headers(requests.get(api + "/v1/health", timeout=10), course.origin)
        course.body = (
            f'<iframe src="{api}/" width="360" height="700" title="backprop-lab"></iframe>'
        ).encode()
        page = browser_page(browser, api)
        try:
            page.page.goto(course.origin + "/")
            frame = page.page.frame_locator("iframe")
            frame.locator(DONE).wait_for()
            assert frame.locator("#net .neuron[data-layer='3']").count() == 10
            assert page.errors == []
        finally:
            page.close()
    with api_server(redis_url, queue_prefix) as api:  # FRAME_ANCESTORS unset: nobody
        security_headers(requests.get(api + "/", timeout=10), "'none'")
