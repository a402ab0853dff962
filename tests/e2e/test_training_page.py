"""The page's preset choice and Training view in real headless Chromium against the service:
what it draws is compared with the jobs' JSON, and no console error may occur."""

from __future__ import annotations

import math

import pytest
import requests

from tests.support.browser import Page, needs_chromium, screenshot

pytestmark = needs_chromium


@pytest.fixture
def wide(browser, base_url):
    page = Page(browser, base_url, 1280, 1400)
    yield page
    page.close()


def job(base_url: str, job_id: str) -> dict:
    reply = requests.get(f"{base_url}/v1/jobs/{job_id}", timeout=10)
    reply.raise_for_status()
    return reply.json()


def test_the_lesson_runs_a_chosen_preset_on_an_mnist_digit(wide):
    wide.open()
    assert wide.job("#net")["spec"]["network"] == {"preset": "lesson-untrained"}
    wide.page.select_option("#preset", "lesson-trained")
    wide.page.fill("#digit", "7")
    wide.page.click("#run")
    wide.page.wait_for_function(
        "document.getElementById('status').dataset.state === 'done' && "
        "document.getElementById('example-caption').textContent.includes('#7')"
    )
    result = wide.job("#net")["result"]
    assert result["batch"]["source"] == "mnist" and result["batch"]["indices"] == [7]
    caption = wide.page.inner_text("#example-caption")
    assert caption == f"#7 of the mnist test split: a handwritten {result['batch']['labels'][0]}"
    # the trained network gets this digit right: its label's output wants least change
    top = result["wishes"][-1]
    label = result["batch"]["labels"][0]
    assert max(range(10), key=lambda j: result["examples"]["activations"][-1][0][j]) == label
    assert abs(top[label]) < 0.5
    assert wide.errors == []


def test_training_view_draws_the_curves_and_the_shrinking_wishes(wide):
    wide.open()
    wide.page.click("#tab-training")
    wide.page.fill("#train-steps", "80")
    wide.page.fill("#train-digit", "3")
    wide.page.click("#train-run")
    wide.page.wait_for_selector("#train-status:has-text('held-out accuracy')")
    job_id = wide.page.get_attribute("#train-cost", "data-job-id")
    training = job(wide.base_url, job_id)["result"]["training"]
    assert training["steps"] == 80
    assert int(wide.page.get_attribute("#train-cost", "data-count")) == 80
    points = wide.page.eval_on_selector_all(
        "#train-accuracy .accuracy-point",
        "els => els.map(e => [+e.dataset.step, +e.dataset.value])",
    )
    assert points == [[a["step"], a["value"]] for a in training["accuracy"]]
    rows = wide.page.eval_on_selector_all(
        "#train-wishes .wish-row",
        "els => els.map(e => [+e.dataset.step, "
        "[...e.querySelectorAll('rect')].map(r => +r.dataset.wish)])",
    )
    assert [step for step, _ in rows] == [0, 10, 20, 40, 80]
    sizes = [math.sqrt(sum(w * w for w in wishes)) for _, wishes in rows]
    assert sizes[-1] < sizes[0] / 2  # the digit's output wishes shrink as the network learns
    assert training["accuracy"][-1]["value"] > training["accuracy"][0]["value"]

    wide.page.click("#averaging-run")
    wide.page.wait_for_selector("#averaging g.size")
    averaging = job(wide.base_url, wide.page.get_attribute("#averaging", "data-job-id"))["result"][
        "averaging"
    ]
    shown = wide.page.eval_on_selector_all(
        "#averaging g.size", "els => els.map(e => [+e.dataset.size, +e.dataset.cosine])"
    )
    assert shown == [[s["batch_size"], s["overall"]] for s in averaging["sizes"]]
    assert [s for s, _ in shown] == [1, 10, 100, 1000]
    assert "shuffled labels" in wide.page.inner_text("#averaging-consistency")
    inside = wide.page.eval_on_selector(  # a cosine near 1 must not put its label past the top
        "#averaging",
        "svg => { const box = svg.getBoundingClientRect(); "
        "return [...svg.querySelectorAll('g.size text')].every(t => { "
        "const r = t.getBoundingClientRect(); "
        "return r.top >= box.top && r.right <= box.right; }); }",
    )
    assert inside
    overlapping = wide.page.eval_on_selector(  # e.g. the axis title on the size 1000
        "#averaging",
        "svg => { const boxes = [...svg.querySelectorAll('text')].filter(t => t.textContent)"
        ".map(t => [t.textContent, t.getBoundingClientRect()]); "
        "return boxes.flatMap(([a, r], i) => boxes.slice(i + 1).filter(([, q]) => "
        "r.left < q.right && q.left < r.right && r.top < q.bottom && q.top < r.bottom)"
        ".map(([b]) => [a, b])); }",
    )
    assert overlapping == []
    screenshot(wide, "page-training.png")
    assert wide.errors == []
