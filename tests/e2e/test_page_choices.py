"""The page's choices and bounds come from the service (GET /v1/datasets, GET /v1/presets), in
real headless Chromium: read once at the start, and followed when they say something else."""

from __future__ import annotations

import re

import pytest

from tests.support.browser import Page, needs_chromium

pytestmark = needs_chromium

CATALOG = ("/v1/datasets", "/v1/presets")


@pytest.fixture
def wide(browser, base_url):
    page = Page(browser, base_url, 1280, 1400)
    asked: list[str] = []
    page.page.on("request", lambda r: asked.append(r.url))
    page.asked = asked
    yield page
    page.close()


def open_recording(page: Page) -> dict[str, dict]:
    """Opens the page and returns the catalog's answers as the browser received them."""
    with (
        page.page.expect_response(lambda r: r.url.endswith("/v1/datasets")) as datasets,
        page.page.expect_response(lambda r: r.url.endswith("/v1/presets")) as presets,
    ):
        page.open()
    return {"datasets": datasets.value.json(), "presets": presets.value.json()}


def options(page: Page, select: str) -> list[dict]:
    return page.page.eval_on_selector_all(
        f"{select} option", "els => els.map(e => ({value: e.value, text: e.textContent}))"
    )


def bounds(page: Page) -> dict[str, int]:
    return {
        field: int(page.page.get_attribute(f"#{field}", "max"))
        for field in ("digit", "train-digit", "train-batch")
    }


def split(answers: dict, dataset: str, name: str) -> dict:
    found = next(d for d in answers["datasets"]["datasets"] if d["name"] == dataset)
    return next(s for s in found["splits"] if s["name"] == name)


def test_the_page_builds_its_choices_from_one_answer_of_each(wide):
    answers = open_recording(wide)
    for path in CATALOG:
        assert sum(url.endswith(path) for url in wide.asked) == 1, (path, wide.asked)
    presets = answers["presets"]["presets"]
    for select in ("#preset", "#train-preset"):
        shown = options(wide, select)
        assert [o["value"] for o in shown] == [p["name"] for p in presets]
        for option, preset in zip(shown, presets):
            assert f"({100 * preset['test_accuracy']:.1f} % right)" in option["text"]
    # the presets were trained on mnist's train split: the page shows its held-out test digits
    assert {(p["recipe"]["dataset"], p["recipe"]["split"]) for p in presets} == {("mnist", "train")}
    test, train = split(answers, "mnist", "test"), split(answers, "mnist", "train")
    assert bounds(wide) == {
        "digit": test["count"] - 1,
        "train-digit": test["count"] - 1,
        "train-batch": train["count"],
    }
    assert wide.page.inner_text("#digit-range") == f"0\u2013{test['count'] - 1}"
    assert wide.page.inner_text("#train-pool") == f"{train['count']:,}"
    assert wide.page.get_attribute("#train-accuracy", "aria-label") == (
        f"Accuracy on the {test['count']:,} held-out digits of the mnist test split"
    )
    layers = presets[0]["layers"]
    assert wide.page.inner_text("#lesson-label") == (
        f"The lesson's {'-'.join(map(str, layers))} on the mnist test split"
    )
    # every image size the data sets list is named in the custom widths' hint
    hint = wide.page.text_content("#widths-hint")
    for dataset in answers["datasets"]["datasets"]:
        for r in dataset["resolutions"]:
            if dataset["name"] == "mnist" or r["inputs"] != 784:  # 784 reads mnist first
                assert f"{r['inputs']} inputs with {dataset['classes']} outputs read the " in hint
                assert f"({r['resolution']}\u00d7{r['resolution']} pixels)" in hint
    assert wide.errors == []


def test_the_page_follows_a_catalog_that_says_otherwise(wide):
    # the same service, answering with fewer held-out digits, a smaller training split and its
    # presets in another order, one with another accuracy: the page must follow the answers
    def datasets(route):
        response = route.fetch()
        body = response.json()
        mnist = next(d for d in body["datasets"] if d["name"] == "mnist")
        for s in mnist["splits"]:
            s["count"] = {"test": 300, "train": 2500}[s["name"]]
        route.fulfill(response=response, json=body)

    def presets(route):
        response = route.fetch()
        body = response.json()
        body["presets"] = body["presets"][::-1][:2]  # trained, partly trained
        body["presets"][1]["test_accuracy"] = 0.5
        route.fulfill(response=response, json=body)

    wide.page.route(re.compile(r".*/v1/datasets$"), datasets)
    wide.page.route(re.compile(r".*/v1/presets$"), presets)
    wide.open()
    assert [o["value"] for o in options(wide, "#preset")] == [
        "lesson-trained",
        "lesson-partly-trained",
    ]
    assert options(wide, "#train-preset")[1]["text"] == "partly trained (50.0 % right)"
    assert bounds(wide) == {"digit": 299, "train-digit": 299, "train-batch": 2500}
    assert wide.page.inner_text("#digit-range") == "0\u2013299"
    # the first run takes the first preset offered
    assert wide.job("#net")["spec"]["network"] == {"preset": "lesson-trained"}
    # a digit past the bound is brought back within it
    wide.page.fill("#digit", "999")
    wide.page.dispatch_event("#digit", "change")
    assert wide.page.input_value("#digit") == "299"
    wide.page.click("#run")
    wide.page.wait_for_function(
        "document.getElementById('status').dataset.state === 'done' && "
        "document.getElementById('example-caption').textContent.includes('#299')"
    )
    assert wide.job("#net")["result"]["batch"]["indices"] == [299]
    assert wide.errors == []
