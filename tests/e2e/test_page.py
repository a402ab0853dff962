"""The page at / in real headless Chromium, against the real running service.

Each check reads the page's drawing (data attributes on the SVG) and compares it with the job
JSON that the same run left in the service: the page must show the service's own answers.
Screenshots of a wide window and a narrow frame go to artifacts/ for a person to look at.
"""

from __future__ import annotations

import math
import re

import pytest
import requests

from tests.support.browser import DONE, Page, needs_chromium, screenshot
from tests.support.waiting import ended

GREY = (201, 204, 211)  # the page's colour for a wish not reached yet

pytestmark = needs_chromium


@pytest.fixture
def wide(browser, base_url):
    page = Page(browser, base_url, 1280)
    yield page
    page.close()


@pytest.fixture
def narrow(browser, base_url):
    page = Page(browser, base_url, 360, 740)
    yield page
    page.close()


def rgb(fill: str) -> tuple[int, ...]:
    return tuple(int(v) for v in re.findall(r"\d+", fill)[:3])


def assert_coloured_by_sign(neurons: list[dict], wishes: list[float]) -> None:
    """Blue for a wish up, red for a wish down, and the wish itself is the API's number."""
    assert [n["neuron"] for n in neurons] == list(range(len(wishes)))
    for n, wish in zip(neurons, wishes):
        assert math.isclose(float(n["wish"]), wish, rel_tol=1e-12, abs_tol=1e-300)
        r, _, b = rgb(n["fill"])
        if abs(wish) > 1e-3 * max(abs(w) for w in wishes):  # visibly coloured
            assert (b > r) if wish > 0 else (r > b), (n, wish)


def test_lesson_run_draws_the_apis_wishes_and_steps_backward(wide):
    wide.open()
    job = wide.job("#net")
    result = job["result"]
    assert result["network"]["layers"] == [784, 16, 16, 10]
    wishes = result["wishes"]
    top = len(wishes) - 1

    # the output's wishes first, beside their targets; nothing behind them yet
    assert wide.revealed() == {layer: layer == top for layer in range(top + 1)}
    assert_coloured_by_sign(wide.neurons(top), wishes[top])
    notes = wide.page.locator("#net [data-output-wish]")
    assert notes.count() == 10
    for layer in range(top):
        assert {rgb(n["fill"]) for n in wide.neurons(layer)[:16]} <= {GREY} or layer == 0

    # each step backward reveals one more layer, coloured by the API's wish signs
    for layer in range(top - 1, -1, -1):
        wide.page.click("#step-back")
        assert wide.revealed() == {l: l >= layer for l in range(top + 1)}
        assert_coloured_by_sign(wide.neurons(layer), wishes[layer])
    assert wide.page.is_disabled("#step-back")

    # a neuron's three ways are the job's result.layers
    wide.page.click("#net circle.neuron[data-layer='2'][data-neuron='5']")
    wide.page.wait_for_selector("#detail [data-way=bias]")  # fetched for this neuron
    detail = wide.page.inner_text("#detail")
    for heading in ("Raise its bias", "bright inputs", "previous layer", "wish comes from"):
        assert heading in detail
    shown = wide.page.get_attribute("#detail [data-way=bias] [data-value]", "data-value")
    bias = result["layers"][1]["three_ways"]["bias"][5]
    assert math.isclose(float(shown), bias, rel_tol=1e-12)

    screenshot(wide, "page-wide.png")
    assert wide.errors == []


def test_cost_chart_shows_the_apis_timing(wide):
    wide.open()
    wide.page.click("#tab-cost")
    wide.page.wait_for_selector("#cost g.bar")
    timing = wide.job("#cost")["result"]["timing"]
    bars = {
        b["key"]: b
        for b in wide.page.eval_on_selector_all(
            "#cost g.bar",
            "els => els.map(e => ({key: e.dataset.bar, seconds: +e.dataset.seconds, "
            "passes: +e.dataset.passes, text: e.textContent}))",
        )
    }
    naive = timing["naive"]
    expected = {
        "forward": (timing["forward"]["seconds"], 1),
        "backprop": (timing["backprop"]["seconds"], 2),
        "naive-sample": (naive["cpu_seconds"], naive["passes"]),
        "naive-full": (naive["full_seconds"], naive["full_passes"]),
    }
    assert set(bars) == set(expected)
    for key, (seconds, passes) in expected.items():
        assert math.isclose(bars[key]["seconds"], seconds, rel_tol=1e-12)
        assert bars[key]["passes"] == passes
    assert f"{naive['full_passes']:,} passes" in bars["naive-full"]["text"]
    headline = wide.page.inner_text("#cost-headline")
    assert headline.replace("\u00a0", " ") == f"{naive['full_passes']:,} run-throughs vs 1 + 1"
    assert wide.errors == []


def test_batch_view_shows_each_example_beside_the_average(wide):
    wide.open()
    wide.page.click("#tab-batch")  # opening the view runs the default batch
    first = wide.page.wait_for_selector("#batch[data-job-id]").get_attribute("data-job-id")
    wide.page.fill("#batch-size", "6")
    wide.page.click("#run-batch")
    wide.page.wait_for_function(f"document.getElementById('batch').dataset.jobId !== '{first}'")
    result = wide.job("#batch")["result"]
    assert result["batch"]["size"] == 6
    top = len(result["wishes"]) - 1
    rows = wide.page.eval_on_selector_all(
        f"#batch g[data-layer='{top}']",
        "els => els.map(e => [e.dataset.row, [...e.children].map(c => +c.dataset.wish)])",
    )
    assert [row for row, _ in rows] == ["0", "1", "2", "3", "4", "5", "average"]
    for (row, shown), i in zip(rows, range(7)):
        want = result["wishes"][top] if row == "average" else result["examples"]["wishes"][top][i]
        assert all(math.isclose(a, b, rel_tol=1e-12) for a, b in zip(shown, want, strict=True))
    consistency = wide.page.eval_on_selector_all(
        "#consistency g.consistency", "els => els.map(e => +e.dataset.consistency)"
    )
    assert consistency == pytest.approx(
        [layer["consistency"] for layer in result["layers"]], rel=1e-12
    )
    assert wide.errors == []


def test_narrow_frame_runs_the_tiny_network(narrow):
    narrow.open()
    narrow.page.check("input[name=net][value=tiny]")
    narrow.page.click("#run")
    narrow.page.wait_for_function("document.querySelectorAll('#net g.layer').length === 3")
    narrow.page.wait_for_selector(DONE)
    result = narrow.job("#net")["result"]
    assert result["network"]["layers"] == [2, 3, 2]
    narrow.page.click("#show-all")
    for layer, wishes in enumerate(result["wishes"]):
        assert_coloured_by_sign(narrow.neurons(layer), wishes)
    overflow = narrow.page.evaluate("document.documentElement.scrollWidth")
    assert overflow <= 360

    narrow.page.check("input[name=net][value=lesson]")
    narrow.page.click("#run")
    narrow.page.wait_for_function(
        "document.querySelectorAll('#net .neuron[data-layer=\"0\"]').length === 784"
    )
    narrow.page.wait_for_selector(DONE)
    screenshot(narrow, "page-narrow.png")
    assert narrow.errors == []


def test_narrow_tabs_show_their_whole_names(narrow):
    narrow.open()
    names = narrow.page.eval_on_selector_all(".tabs [role=tab]", "els => els.map(e => e.id)")
    assert len(names) == 6
    for name in names:  # the chosen tab is bold, so each is checked chosen
        narrow.page.click(f"#{name}")
        cut = narrow.page.eval_on_selector_all(
            ".tabs [role=tab]",
            "els => els.filter(e => e.scrollWidth > e.clientWidth).map(e => e.textContent)",
        )
        assert cut == [], name
    assert narrow.errors == []


def test_a_refused_spec_shows_the_problem_fields(wide):
    wide.open()
    wide.page.check("input[name=net][value=custom]")
    wide.page.fill("#widths", "2, 0, 2")
    wide.page.click("#run")
    wide.page.wait_for_selector("#status[data-state=error]")
    message = wide.page.inner_text("#error")
    assert "network.layers.1" in message
    # the browser logs the refused request itself; nothing else may fail
    assert all("status of 422" in e for e in wide.errors), wide.errors


def test_narrow_cost_chart_keeps_its_labels_inside(narrow):
    narrow.open()
    narrow.page.click("#tab-cost")
    narrow.page.wait_for_selector("#cost g.bar[data-bar=naive-full]")
    width = narrow.page.eval_on_selector("#cost", "e => e.getBoundingClientRect().right")
    rights = narrow.page.eval_on_selector_all(
        "#cost text", "els => els.map(e => e.getBoundingClientRect().right)"
    )
    assert len(rights) >= 6 + 3  # two lines for each of at least three bars, the axis
    assert max(rights) <= width
    assert narrow.errors == []


def test_a_stop_before_the_submit_answers_cancels_the_job_on_the_service(wide, base_url):
    # a naive job of about 160,000 passes: it is still running when the page is stopped, before
    # the ?wait=10 submit has answered with the job's id
    wide.open()
    spec = {
        "network": {"layers": [784, 100, 10]},
        "batch": {"dataset": "mnist", "split": "test", "size": 10, "seed": 0},
        "methods": ["backprop", "naive"],
    }
    outcome = wide.page.evaluate(
        """async (spec) => {
        const { runJob } = await import("/static/api.js");
        const controller = new AbortController();
        const running = runJob(spec, { signal: controller.signal });
        setTimeout(() => controller.abort(), 300);
        try { await running; return "finished"; } catch (err) { return err.name; }
    }""",
        spec,
    )
    assert outcome == "AbortError"
    newest = requests.get(f"{base_url}/v1/jobs", params={"limit": 1}, timeout=10).json()["jobs"][0]
    assert newest["layers"] == [784, 100, 10]
    assert ended(base_url, newest["id"])["status"] == "cancelled"
    assert wide.errors == []
