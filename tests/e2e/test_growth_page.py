"""The Growth view in real headless Chromium against the service: the page's small default
sweep runs, and what it draws (points, fitted exponents, the lesson's network) is the sweep's
JSON; no console error may occur."""

from __future__ import annotations

import json

import pytest
import requests

from tests.support.browser import Page, needs_chromium, screenshot

pytestmark = needs_chromium


@pytest.fixture
def wide(browser, base_url):
    page = Page(browser, base_url, 1280, 1200)
    yield page
    page.close()


def test_the_growth_view_plots_the_default_sweep_and_its_fit(wide, base_url):
    wide.open()
    wide.page.click("#tab-growth")
    wide.page.click("#growth-run")
    wide.page.wait_for_selector("#growth-status[data-state=done]")
    sweep_id = wide.page.get_attribute("#growth", "data-sweep-id")
    sweep = requests.get(f"{base_url}/v1/sweeps/{sweep_id}", timeout=10).json()
    table = requests.get(f"{base_url}/v1/sweeps/{sweep_id}/table", timeout=10).json()
    rows = [dict(zip(table["columns"], r)) for r in table["rows"]]
    widths = (2, 8, 32, 64, 128, 256, 512)  # growth.js's DEFAULT_GRID
    assert sweep["status"] == "finished" and len(rows) == len(widths)
    assert [json.loads(r["grid.network.layers"]) for r in rows] == [[784, h, h, 10] for h in widths]
    for method, seconds in (("backprop", "backprop_seconds"), ("naive", "naive_full_seconds")):
        drawn = wide.page.eval_on_selector_all(
            f"#growth g.{method} circle.point",
            "els => els.map(e => [+e.dataset.parameters, +e.dataset.seconds, e.dataset.measured])",
        )
        assert drawn == [
            [r["parameters"], r[seconds] / r["batch"], "true" if method == "backprop" else "false"]
            for r in rows
        ]
        k = float(wide.page.get_attribute(f"#growth g.{method}", "data-k"))
        assert k == sweep["fit"][method]["k"]
        label = wide.page.text_content(f"#growth g.{method} text.exponent")
        assert label.startswith(f"{method}: k = {k:.2f}")
    assert wide.page.get_attribute("#growth g.lesson", "data-parameters") == "13002"
    # drawn at its own size (its 11 px text neither blown up nor shrunk), and the lesson's
    # label clear of every point
    viewbox = wide.page.get_attribute("#growth", "viewBox").split()
    assert float(viewbox[2]) == wide.page.eval_on_selector(
        "#growth", "e => e.getBoundingClientRect().width"
    )
    overlaps = wide.page.eval_on_selector(
        "#growth",
        """svg => {
          const label = svg.querySelector("g.lesson text").getBoundingClientRect();
          return [...svg.querySelectorAll("circle.point")].map(c => c.getBoundingClientRect())
            .filter(r => r.left < label.right && r.right > label.left
              && r.top < label.bottom && r.bottom > label.top).length;
        }""",
    )
    assert overlaps == 0
    screenshot(wide, "growth.png")
    assert wide.errors == []
