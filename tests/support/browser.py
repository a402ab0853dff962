"""The page's tests in real headless Chromium: the browser, one page on the service that
collects console errors and uncaught exceptions (tests/e2e/test_*page.py), and axe-core's
accessibility check of what a page shows (`Page.axe`, axe-core from package.json's dev
dependencies, installed by `npm ci`); a course page on another origin framing the page
(`host_page`), and the right answer of the exercise on show (`right_answer`)."""

from __future__ import annotations

import json
import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import requests

from tests.support.processes import free_port
from tests.support.waiting import PATIENCE

CHROMIUM = next(
    (p for p in ("/usr/bin/chromium", shutil.which("chromium")) if p and Path(p).exists()), None
)
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"
DONE = "#status[data-state=done]"
AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
# WCAG 2.1 A and AA, as axe-core tags its rules
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]

needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed")


def chromium() -> Iterator:
    """A headless Chromium (Playwright driving the system's browser), closed afterwards."""
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


class Page:
    """One browser page on the service, collecting console errors and uncaught exceptions.

    The service's content security policy is set aside unless `enforce_csp`: it refuses eval,
    with which Playwright runs a test's string predicates (wait_for_function("x > 1")). The
    policy's own tests (tests/e2e/test_embed_page.py) enforce it."""

    def __init__(
        self, browser, base_url: str, width: int, height: int = 900, enforce_csp: bool = False
    ):
        self.context = browser.new_context(
            viewport={"width": width, "height": height}, bypass_csp=not enforce_csp
        )
        self.page = self.context.new_page()
        self.page.set_default_timeout(PATIENCE * 1000)
        self.base_url = base_url
        self.errors: list[str] = []
        self.page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))

    def open(self) -> Page:
        self.page.goto(self.base_url + "/")
        self.page.wait_for_selector(DONE)
        return self

    def job(self, selector: str) -> dict:
        job_id = self.page.get_attribute(selector, "data-job-id")
        reply = requests.get(f"{self.base_url}/v1/jobs/{job_id}", timeout=10)
        reply.raise_for_status()
        job = reply.json()
        assert job["status"] == "succeeded"
        return job

    def neurons(self, layer: int) -> list[dict]:
        return self.page.eval_on_selector_all(
            f"#net .neuron[data-layer='{layer}']",
            "els => els.map(e => ({neuron: +e.dataset.neuron, wish: e.dataset.wish, "
            "fill: getComputedStyle(e).fill}))",
        )

    def revealed(self) -> dict[int, bool]:
        groups = self.page.eval_on_selector_all(
            "#net g.layer", "els => els.map(e => [+e.dataset.layer, e.dataset.revealed])"
        )
        return {layer: flag == "true" for layer, flag in groups}

    def axe(self) -> list[dict]:
        """axe-core's WCAG 2.1 AA violations on what the page shows now (hidden panels are not
        checked: axe skips hidden elements), each {id, impact, help, targets}."""
        if not AXE.exists():
            pytest.fail(f"{AXE.name} is missing: run `npm ci` (make node_modules/.installed)")
        if not self.page.evaluate("typeof window.axe === 'object'"):
            self.page.add_script_tag(path=str(AXE))
        found = self.page.evaluate(
            "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})"
            ".then(r => r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,"
            " targets: v.nodes.map(n => n.target.join(' '))})))",
            WCAG_21_AA,
        )
        return found

    def close(self) -> None:
        self.context.close()


def right_answer(base_url: str, frame):
    """The expected answer of the exercise on show in `frame` (a page or a frame), asked of the
    API with any valid answer (checking is stateless: that records nothing)."""
    prompt = frame.locator("#practice-prompt[data-exercise-id]")
    job_id = prompt.get_attribute("data-job-id")
    exercise_id = prompt.get_attribute("data-exercise-id")
    options = frame.locator("#practice-answer .option")
    guess = json.loads(options.first.get_attribute("data-option")) if options.count() else 0
    reply = requests.post(
        f"{base_url}/v1/jobs/{job_id}/exercises/{exercise_id}/answer",
        json={"answer": guess},
        timeout=10,
    )
    assert reply.status_code == 200, reply.text
    return reply.json()["expected"]


def screenshot(page: Page, name: str) -> None:
    """A full-page screenshot into artifacts/, for a person to look at."""
    ARTIFACTS.mkdir(exist_ok=True)
    page.page.screenshot(path=str(ARTIFACTS / name), full_page=True)


# A course page framing the lab: it keeps every message from the lab's origin in window.scores.
HOST = """<!doctype html><title>course</title>
<iframe id="lab" src="{src}" width="400" height="760" title="backprop-lab"></iframe>
<script>
window.scores = [];
window.addEventListener("message", (event) => {{
  if (event.origin === "{api}") window.scores.push(event.data);
}});
</script>"""


@contextmanager
def host_page(base_url: str, query: str, origin: str | None = None) -> Iterator[str]:
    """A course page on another origin (127.0.0.1, a port of its own) framing the page at
    `base_url` with `query` and origin=<the host's origin> (or `origin`, its `{port}` the
    host's); yields its URL."""
    port = free_port()
    told = (origin or "http://127.0.0.1:{port}").format(port=port)
    src = f"{base_url}/?{query}&origin={told}" if query else f"{base_url}/?origin={told}"
    body = HOST.format(src=src, api=base_url).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (the http.server name)
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{port}/"
    finally:
        server.shutdown()
