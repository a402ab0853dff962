"""The page for every student, in real headless Chromium against the service: axe-core finds no
WCAG 2.1 AA violation on any view, wide and narrow, and the keyboard alone runs a job, moves
between the views and answers a practice exercise."""

from __future__ import annotations

import json

import pytest

from tests.support.browser import DONE, Page, needs_chromium, right_answer

pytestmark = needs_chromium

VIEWS = ("network", "batch", "cost", "practice", "training", "growth")
READY = {
    "network": "#net .neuron",
    "batch": "#batch[data-job-id]",
    "cost": "#cost rect",
    "practice": "#practice-prompt[data-exercise-id]",
    "training": "#train-run:not([disabled])",
    "growth": "#growth-run:not([disabled])",
}


# What each view shows once used: a neuron chosen and every layer revealed, an answer's
# worked explanation, a short training run's charts.
def use_network(p) -> None:
    p.click("#net .neuron[data-layer='3'][data-neuron='0']")
    p.wait_for_function("document.getElementById('detail').textContent.includes('neuron 0')")
    p.click("#show-all")


def use_practice(p) -> None:
    if p.locator("#practice-answer .option").count():
        p.click("#practice-answer .option >> nth=0")
    else:
        p.fill("#practice-number", "0")
        p.click("#practice-answer [type=submit]")
    p.wait_for_selector("#practice-feedback:not([hidden])")


def use_training(p) -> None:
    p.fill("#train-steps", "8")
    p.click("#train-run")
    p.wait_for_selector("#train-status:has-text('held-out accuracy')")


def use_growth(p) -> None:
    p.click("#growth-run")
    p.wait_for_selector("#growth-status[data-state=done]")


USE = {
    "network": use_network,
    "practice": use_practice,
    "training": use_training,
    "growth": use_growth,
}


def violations(page: Page) -> dict[str, list[dict]]:
    """axe's violations on each view as it opens, and on the views again once used."""
    found = {}
    for view in VIEWS:
        page.page.click(f"#tab-{view}")
        page.page.wait_for_selector(READY[view])
        page.page.wait_for_selector(DONE)
        found[view] = page.axe()
        if view in USE:
            USE[view](page.page)
            found[f"{view}, used"] = page.axe()
    # a refused spec: the problem's fields under the form
    page.page.check("input[name=net][value=custom]")
    page.page.fill("#widths", "2, 0, 2")
    page.page.click("#run")
    page.page.wait_for_selector("#status[data-state=error]")
    found["a refused spec"] = page.axe()
    return found


@pytest.mark.parametrize("width", [1280, 360])
def test_axe_finds_no_wcag_21_aa_violation_on_any_view(browser, base_url, width):
    page = Page(browser, base_url, width, 800 if width == 360 else 900)
    try:
        page.open()
        found = violations(page)
        print(json.dumps(found, indent=1))
        assert found == dict.fromkeys(found, []), json.dumps(found, indent=1)
        assert len(found) == len(VIEWS) + len(USE) + 1
        # the browser logs the refused request itself; nothing else may fail
        assert all("status of 422" in e for e in page.errors), page.errors
    finally:
        page.close()


def test_axe_finds_no_wcag_21_aa_violation_in_embed_mode(browser, base_url):
    page = Page(browser, base_url, 360, 740)
    try:
        page.page.goto(f"{base_url}/?embed=1")
        page.page.wait_for_selector(READY["practice"])
        found = {"embedded practice": page.axe()}
        use_practice(page.page)
        found["embedded practice, used"] = page.axe()
        print(json.dumps(found, indent=1))
        assert found == dict.fromkeys(found, []), json.dumps(found, indent=1)
        assert page.errors == []
    finally:
        page.close()


def tab_to(page: Page, selector: str, most: int = 120) -> int:
    """Press Tab until the focus is on `selector` (none if it is already); the number of
    presses (fails past `most`)."""
    for n in range(most + 1):
        if page.page.evaluate("s => document.activeElement.matches(s)", selector):
            return n
        page.page.keyboard.press("Tab")
    raise AssertionError(f"{selector} not reached in {most} Tab presses")


def answer_by_keyboard(page: Page, expected) -> None:
    """Tab to the answer, type it or reach its option, Enter; wait for the feedback."""
    p = page.page
    if p.get_attribute("#practice-answer", "data-type") == "number":
        tab_to(page, "#practice-number")
        p.keyboard.type(repr(expected))
    else:
        tab_to(page, f"#practice-answer .option[data-option='{json.dumps(expected)}']")
    p.keyboard.press("Enter")
    p.wait_for_selector("#practice-feedback:not([hidden])")


def test_the_keyboard_alone_runs_a_job_moves_between_views_and_answers(browser, base_url):
    page = Page(browser, base_url, 1280)
    p = page.page
    try:
        page.open()
        first = p.get_attribute("#net", "data-job-id")
        # the form: a digit typed, then Run
        tab_to(page, "#digit")
        p.keyboard.press("Control+A")
        p.keyboard.type("42")
        tab_to(page, "#run")
        p.keyboard.press("Enter")
        p.wait_for_function(f"document.getElementById('net').dataset.jobId !== '{first}'")
        p.wait_for_selector(DONE)
        assert page.job("#net")["spec"]["batch"]["indices"] == [42]
        # a neuron of the output layer: focused and chosen by the keyboard
        tab_to(page, "#tab-network")
        tab_to(page, "#net .neuron[data-layer='3'][data-neuron='0']")
        p.keyboard.press("Enter")
        p.wait_for_function("document.getElementById('detail').textContent.includes('neuron 0')")
        # the tabs: the arrow keys move between the views
        tab_to(page, "#tab-network", most=200)
        shown = []
        for _ in VIEWS[1:]:
            p.keyboard.press("ArrowRight")
            shown.append(p.evaluate("document.activeElement.id"))
            assert p.is_visible(f"#panel-{shown[-1].removeprefix('tab-')}")
        assert shown == ["tab-batch", "tab-cost", "tab-practice", "tab-training", "tab-growth"]
        p.keyboard.press("ArrowLeft")
        p.keyboard.press("ArrowLeft")
        assert p.evaluate("document.activeElement.id") == "tab-practice"
        p.wait_for_selector("#practice-prompt[data-exercise-id]")
        # the round answered right by keyboard, a chosen option and a typed number among them:
        # after each, Enter on "Next" (where the focus went) brings the next exercise's answer
        types = []
        for n in range(1, 6):
            types.append(p.get_attribute("#practice-answer", "data-type"))
            answer_by_keyboard(page, right_answer(base_url, p))
            assert p.get_attribute("#practice-feedback", "data-correct") == "true"
            score = p.locator("#practice-score")
            assert (score.get_attribute("data-correct"), score.get_attribute("data-total")) == (
                str(n),
                str(n),
            )
            assert p.evaluate("document.activeElement.id") == "practice-next"
            p.keyboard.press("Enter")
            p.wait_for_function("document.activeElement.closest('#practice-answer') !== null")
        assert {"choice", "number"} <= set(types), types
        assert page.errors == []
    finally:
        page.close()
