"""The page asks for what it draws: the requests headless Chromium makes, recorded from the
browser, against the real service. Each view's job names the fields it shows; a clicked
neuron's three ways come alone, once; nothing else of the job is fetched."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from tests.support.browser import DONE, Page, needs_chromium

pytestmark = needs_chromium
OWN = ["id", "status", "progress", "error"]  # what the page's runJob reads of every job
SINGLE = [*OWN, "network", "batch", "wishes", "examples", "naive", "timing"]
BATCH = [*OWN, "network", "batch", "wishes", "examples.activations.0", "examples.wishes"]
BATCH += ["layers.layer", "layers.consistency"]


class Recorded:
    """Every request the page makes to the service's API (v1/...), and every answer's JSON
    (read when asked: a body read inside the event handler can be lost under load)."""

    def __init__(self, page: Page):
        self.requests: list[tuple[str, str, dict]] = []
        self.responses: dict[str, object] = {}
        page.page.on("request", self._request)
        page.page.on("response", self._response)

    def _request(self, request) -> None:
        url = urlsplit(request.url)
        if url.path.startswith("/v1/"):
            self.requests.append((request.method, url.path, parse_qs(url.query)))

    def _response(self, response) -> None:
        if urlsplit(response.url).path.startswith("/v1/jobs") and response.ok:
            self.responses[response.url] = response

    @property
    def answers(self) -> dict[str, dict]:
        return {url: response.json() for url, response in self.responses.items()}

    def take(self) -> list[tuple[str, str, dict]]:
        taken, self.requests = self.requests, []
        return taken


@pytest.fixture
def page(browser, base_url):
    page = Page(browser, base_url, 1280)
    yield page
    page.close()


def test_each_view_asks_only_for_what_it_draws(page):
    seen = Recorded(page)
    page.open()
    first = seen.take()
    catalog = [(m, p) for m, p, _ in first if not p.startswith("/v1/jobs")]
    assert sorted(catalog) == [
        ("GET", "/v1/datasets"),
        ("GET", "/v1/examples"),
        ("GET", "/v1/presets"),
    ]
    submits = [(m, p, q) for m, p, q in first if p.startswith("/v1/jobs")]
    assert [(m, p) for m, p, _ in submits] == [("POST", "/v1/jobs")]  # one round trip
    query = submits[0][2]
    assert query["wait"] == ["10"] and query["fields"][0].split(",") == SINGLE
    answer = next(a for u, a in seen.answers.items() if urlsplit(u).path == "/v1/jobs")
    assert set(answer) == set(OWN) | {"result"}
    result = answer["result"]
    assert set(result) == {"network", "batch", "wishes", "examples", "naive", "timing"}
    # one digit: its detail without the wishes and gradients that equal the batch's
    assert set(result["examples"]) == {"activations", "targets", "costs"}
    assert result["naive"]["nudged"] == 20 and result["timing"]["naive"]["basis"] == "sample"
    job_id = answer["id"]

    # a neuron: its three ways alone, fetched once however often it is chosen
    page.page.click("#net circle.neuron[data-layer='2'][data-neuron='5']")
    page.page.wait_for_selector("#detail [data-way=bias] [data-value]")
    page.page.click("#net circle.neuron[data-layer='1'][data-neuron='3']")
    page.page.wait_for_selector("#detail h3:has-text('neuron 3')")
    page.page.click("#net circle.neuron[data-layer='2'][data-neuron='5']")
    page.page.wait_for_selector("#detail h3:has-text('neuron 5')")
    base = f"/v1/jobs/{job_id}/layers"
    assert seen.take() == [
        ("GET", f"{base}/2/neurons/5", {}),
        ("GET", f"{base}/1/neurons/3", {}),
    ]
    detail = seen.answers[f"{page.base_url}{base}/2/neurons/5"]
    shown = page.page.get_attribute("#detail [data-way=bias] [data-value]", "data-value")
    assert float(shown) == detail["three_ways"]["bias"]
    assert page.page.locator("#net line").count() >= 16 + 10  # its shares, both ways

    # the cost view draws the job it has: nothing is fetched
    page.page.click("#tab-cost")
    page.page.wait_for_selector("#cost g.bar")
    assert seen.take() == []

    # the batch view: its own job, with each example's image and wishes and the consistency
    page.page.click("#tab-batch")
    page.page.wait_for_selector("#consistency g.consistency")
    page.page.wait_for_selector(DONE)
    batch = seen.take()
    assert [(m, p) for m, p, _ in batch] == [("POST", "/v1/jobs")]
    assert batch[0][2]["fields"][0].split(",") == BATCH
    answer = [a for u, a in seen.answers.items() if urlsplit(u).path == "/v1/jobs"][-1]
    assert set(answer["result"]["examples"]) == {"activations", "wishes"}
    assert answer["result"]["examples"]["activations"][1:] == [None, None, None]
    assert all(set(layer) == {"layer", "consistency"} for layer in answer["result"]["layers"])
    assert page.errors == []
