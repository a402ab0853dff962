"""The page's Practice view and its embed mode, in real headless Chromium against the service.

The test learns each exercise's right answer the way any client could: it answers through the
API first (checking is stateless, so that records nothing), then answers in the page.
"""

from __future__ import annotations

import json

import pytest
import requests

from tests.support.browser import DONE, Page, host_page, needs_chromium, right_answer, screenshot

pytestmark = needs_chromium

PRACTICE = "#practice-prompt[data-exercise-id]"
# the host keeps every message of the lab's; the scores (a ready message comes first)
SCORES = "window.scores.filter(m => m.type === 'backprop-lab:score')"


def open_practice(page: Page) -> None:
    page.open()
    page.page.click("#tab-practice")
    page.page.wait_for_selector(PRACTICE)


def answer_in_page(frame, expected, right: bool) -> None:
    if frame.locator("#practice-answer[data-type=number]").count():
        value = expected if right else expected * 2 + 1
        frame.locator("#practice-number").fill(repr(value))
        frame.locator("#practice-answer button[type=submit]").click()
    else:
        options = frame.locator("#practice-answer .option").evaluate_all(
            "els => els.map(e => e.dataset.option)"
        )
        chosen = (
            json.dumps(expected) if right else next(o for o in options if json.loads(o) != expected)
        )
        frame.locator(f"#practice-answer .option[data-option='{chosen}']").click()
    frame.locator("#practice-feedback:not([hidden])").wait_for()


def test_a_practice_round_answered_right_and_wrong(browser, base_url):
    page = Page(browser, base_url, 1280)
    try:
        open_practice(page)
        frame = page.page
        kinds = set()
        for n, right in enumerate((True, False, True)):
            kinds.add(frame.get_attribute(PRACTICE, "data-kind"))
            highlighted = frame.locator("#practice-net .neuron[data-highlight=true]").count()
            if frame.get_attribute(PRACTICE, "data-kind") in ("trace-back", "three-ways"):
                assert highlighted >= 2 and frame.locator("#practice-net .edge").count() >= 1
            expected = right_answer(base_url, frame)
            answer_in_page(frame, expected, right)
            feedback = frame.locator("#practice-feedback")
            assert feedback.get_attribute("data-correct") == str(right).lower()
            assert len(feedback.inner_text()) > 40  # the worked explanation
            score = frame.locator("#practice-score")
            assert score.get_attribute("data-total") == str(n + 1)
            assert score.get_attribute("data-correct") == str(2 if n == 2 else 1)
            if n == 0:
                screenshot(page, "practice-wide.png")
            frame.click("#practice-next")
            frame.wait_for_function("!document.getElementById('practice-next').offsetParent")
            # the keyboard moves on with the page: the next exercise's first answer control
            assert frame.evaluate("!!document.activeElement.closest('#practice-answer')")
        assert kinds
        assert page.errors == []
    finally:
        page.close()


def test_flashcards_flip_and_move_with_the_keyboard(browser, base_url):
    page = Page(browser, base_url, 360, 740)
    try:
        open_practice(page)
        p = page.page
        job_id = p.get_attribute(PRACTICE, "data-job-id")
        cards = requests.get(f"{base_url}/v1/flashcards?job={job_id}", timeout=10).json()["cards"]
        p.wait_for_function("document.getElementById('flashcard-text').textContent.length > 0")
        p.focus("#flashcard")
        assert p.inner_text("#flashcard-text") == cards[0]["front"]
        p.keyboard.press("Space")
        assert p.get_attribute("#flashcard", "data-side") == "back"
        assert p.inner_text("#flashcard-text") == cards[0]["back"]
        p.keyboard.press("ArrowRight")
        assert p.get_attribute("#flashcard", "data-side") == "front"
        assert p.inner_text("#flashcard-text") == cards[1]["front"]
        p.keyboard.press("Enter")
        assert p.inner_text("#flashcard-text") == cards[1]["back"]
        p.keyboard.press("ArrowLeft")
        assert p.inner_text("#flashcard-text") == cards[0]["front"]
        p.click("#flashcard-next")
        assert p.get_attribute("#flashcard", "data-index") == "1"
        assert p.evaluate("document.documentElement.scrollWidth") <= 360
        screenshot(page, "practice-narrow.png")
        assert page.errors == []
    finally:
        page.close()


def test_a_narrow_exercise_splits_none_of_its_numbers(browser, base_url):
    page = Page(browser, base_url, 360, 740)
    try:  # trace-back shows 16 shares under a long name
        page.page.goto(
            f"{base_url}/?preset=lesson-trained&digit=680&kinds=trace-back&count=1&view=practice"
        )
        page.page.wait_for_selector(PRACTICE)
        split = page.page.eval_on_selector_all(
            "#practice-data dd",
            """dds => dds.flatMap(dd => {
              const walk = document.createTreeWalker(dd, NodeFilter.SHOW_TEXT), cut = [];
              for (let node = walk.nextNode(); node; node = walk.nextNode()) {
                for (const m of node.textContent.matchAll(/[^,\\s]+/g)) {
                  const range = document.createRange();
                  range.setStart(node, m.index);
                  range.setEnd(node, m.index + m[0].length);
                  if (range.getClientRects().length > 1) cut.push(m[0]);
                }
              }
              return cut;
            })""",
        )
        assert page.page.inner_text("#practice-kind").endswith("Trace a wish backward")
        assert split == []
        wider = page.page.eval_on_selector_all(
            "#practice-data dd", "dds => dds.filter(d => d.scrollWidth > d.clientWidth).length"
        )
        assert wider == 0
        assert page.errors == []
    finally:
        page.close()


@pytest.fixture
def host(base_url):
    """A course page on another origin (its own port), framing the page in embed mode."""
    with host_page(base_url, "embed=1") as url:
        yield url


def test_embed_mode_posts_the_score_to_the_host_on_another_origin(browser, base_url, host):
    page = Page(browser, base_url, 900)
    try:
        page.page.goto(host)
        frame = page.page.frame_locator("#lab")
        frame.locator(DONE).wait_for()
        frame.locator(PRACTICE).wait_for()
        assert not frame.locator("#setup").is_visible() and not frame.locator(".tabs").is_visible()
        inner = page.page.frame(url=lambda url: url.startswith(base_url))
        exercise_id = inner.get_attribute(PRACTICE, "data-exercise-id")
        expected = right_answer(base_url, inner)
        answer_in_page(inner, expected, True)
        page.page.wait_for_function(f"{SCORES}.length === 1")
        message = page.page.evaluate(f"{SCORES}[0]")
        assert message["type"] == "backprop-lab:score"
        assert (message["correct"], message["total"]) == (1, 1)
        assert message["exercise"]["id"] == exercise_id and message["exercise"]["correct"]
        inner.click("#practice-next")
        expected = right_answer(base_url, inner)
        answer_in_page(inner, expected, False)
        page.page.wait_for_function(f"{SCORES}.length === 2")
        assert page.page.evaluate(f"[{SCORES}[1].correct, {SCORES}[1].total]") == [1, 2]
        assert page.errors == []
    finally:
        page.close()
