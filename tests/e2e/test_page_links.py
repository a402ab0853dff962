"""Links that reopen a view, in real headless Chromium against the service: the page's state
(preset, digit, view, practice settings, a job) is in its URL; loading the URL reopens that
view, changing the view changes the URL, and the back button returns (docs/page.md)."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from tests.support.browser import DONE, Page, needs_chromium

pytestmark = needs_chromium

PRACTICE = "#practice-prompt[data-exercise-id]"


def query(page: Page) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(page.page.url).query).items()}


def shown_view(page: Page) -> str:
    """The one selected tab, and its panel is the one shown."""
    selected = page.page.eval_on_selector_all(
        "[role=tab][aria-selected=true]", "els => els.map(e => e.id)"
    )
    shown = page.page.eval_on_selector_all(
        "[role=tabpanel]:not([hidden])", "els => els.map(e => e.id)"
    )
    assert len(selected) == 1 and shown == [selected[0].replace("tab-", "panel-")]
    return selected[0].removeprefix("tab-")


def test_a_shared_link_reopens_digit_680_trained_on_practice(browser, base_url):
    page = Page(browser, base_url, 1280)
    try:
        page.page.goto(f"{base_url}/?preset=lesson-trained&digit=680&view=practice")
        page.page.wait_for_selector(DONE)
        page.page.wait_for_selector(PRACTICE)
        assert shown_view(page) == "practice"
        assert page.page.input_value("#preset") == "lesson-trained"
        assert page.page.input_value("#digit") == "680"
        job = page.job("#net")
        assert job["spec"]["network"] == {"preset": "lesson-trained"}
        assert job["spec"]["batch"]["indices"] == [680]
        assert page.page.get_attribute(PRACTICE, "data-job-id") == job["id"]
        assert page.errors == []
    finally:
        page.close()


def test_changing_the_view_and_the_run_changes_the_url_and_back_returns(browser, base_url):
    page = Page(browser, base_url, 1280)
    try:
        page.open()
        p = page.page
        assert query(page) == {"preset": "lesson-untrained", "digit": "0"}
        p.click("#tab-cost")
        assert query(page) == {"preset": "lesson-untrained", "digit": "0", "view": "cost"}
        p.click("#tab-practice")
        assert query(page)["view"] == "practice"
        p.go_back()
        p.wait_for_function("location.search.includes('view=cost')")
        assert shown_view(page) == "cost"
        p.go_back()
        p.wait_for_function("!location.search.includes('view=')")
        assert shown_view(page) == "network"
        p.go_forward()
        p.wait_for_function("location.search.includes('view=cost')")
        assert shown_view(page) == "cost"
        # a new run replaces the entry: same view, its digit and preset, no new history step
        length = p.evaluate("history.length")
        p.select_option("#preset", "lesson-trained")
        p.fill("#digit", "7")
        first = p.get_attribute("#net", "data-job-id")
        p.click("#run")
        p.wait_for_function(f"document.getElementById('net').dataset.jobId !== '{first}'")
        p.wait_for_selector(DONE)
        assert query(page) == {"preset": "lesson-trained", "digit": "7", "view": "cost"}
        assert p.evaluate("history.length") == length
        # reloading the URL reopens it
        p.reload()
        p.wait_for_selector(DONE)
        assert shown_view(page) == "cost"
        assert page.job("#net")["spec"]["batch"]["indices"] == [7]
        # back to the first entry: the job this browser ran for it is shown again, not run again
        p.go_back()
        p.wait_for_function(f"document.getElementById('net').dataset.jobId === '{first}'")
        assert query(page) == {"preset": "lesson-untrained", "digit": "0"}
        assert shown_view(page) == "network"
        assert (p.input_value("#preset"), p.input_value("#digit")) == ("lesson-untrained", "0")
        # a link to the batch view: the single run, then the batch of its network
        p.goto(f"{base_url}/?preset=lesson-trained&view=batch")
        p.wait_for_selector("#batch[data-job-id]")
        assert shown_view(page) == "batch"
        assert page.job("#batch")["spec"]["network"] == {"preset": "lesson-trained"}
        assert page.errors == []
    finally:
        page.close()


def test_practice_settings_and_a_job_from_the_link(browser, base_url):
    page = Page(browser, base_url, 1280)
    asked = []
    page.page.on("request", lambda r: "/exercises?" in r.url and asked.append(r.url))
    try:
        page.page.goto(f"{base_url}/?digit=12&view=practice&kinds=trace-back&count=3")
        page.page.wait_for_selector(PRACTICE)
        p = page.page
        assert p.inner_text("#practice-kind").startswith("1 of 3")
        assert p.get_attribute(PRACTICE, "data-kind") == "trace-back"
        assert parse_qs(urlsplit(asked[0]).query) == {
            "count": ["3"],
            "seed": ["1"],
            "kinds": ["trace-back"],
        }
        job_id = p.get_attribute("#net", "data-job-id")
        # job=: that job is shown, nothing is submitted
        posts = []
        p.on("request", lambda r: r.method == "POST" and posts.append(r.url))
        p.goto(f"{base_url}/?job={job_id}&view=network")
        p.wait_for_selector(DONE)
        p.wait_for_selector("#net .neuron")
        assert p.get_attribute("#net", "data-job-id") == job_id
        assert shown_view(page) == "network"
        assert posts == []
        assert query(page)["job"] == job_id
        assert page.errors == []
    finally:
        page.close()
