"""The whole LTI 1.3 flow in headless Chromium against the offline fake platform, over real
HTTP: an instructor's deep link (the picker, the signed LtiDeepLinkingResponse the platform
verifies against the tool's JWKS), a student's launch with that link's custom parameters (an
embed token, the page at the practice view opening its learner session with it), a practice
round answered with the session's credential, and the score at the platform's line item, sent
by the worker with a client assertion the platform's token endpoint verified, `userId` the
launch's `sub`."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from api import learners
from bench.lti_platform import CLIENT_ID, LTI, MEMBERSHIP
from tests.support.browser import Page, needs_chromium
from tests.support.lti_service import lti_service
from tests.support.waiting import wait_until
from worker.score_records import ScoreRecords

pytestmark = needs_chromium
DL = "https://purl.imsglobal.org/spec/lti-dl/claim/"
AGS = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
SCORE_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"


@pytest.fixture(scope="module")
def service(redis_url, tmp_path_factory):
    with lti_service(redis_url, tmp_path_factory.mktemp("lti-flow")) as made:
        yield made


def first_option(exercise: dict) -> int | float | str:
    """An answer a student might give: a choice's first option, or 0.5."""
    accepts = exercise["answer"]
    return accepts["options"][0] if accepts["type"] == "choice" else 0.5


def deep_link(service, browser) -> dict:
    """The instructor picks lesson-trained, digit 680, two kinds, 3 exercises; the item the
    platform received."""
    platform = service.platform
    hint = platform.offer(
        {
            LTI + "message_type": "LtiDeepLinkingRequest",
            LTI + "roles": [MEMBERSHIP + "Instructor"],
            DL + "deep_linking_settings": {
                "deep_link_return_url": platform.url + "/deep-link-return",
                "accept_types": ["ltiResourceLink"],
                "data": "opaque-42",
            },
        }
    )
    page = Page(browser, service.tool_url, 1280)
    try:
        page.page.goto(platform.start_url(hint))
        page.page.wait_for_selector("#picker")
        page.page.select_option("#preset", "lesson-trained")
        page.page.check("input[name=digit-mode][value=fixed]")
        page.page.fill("#digit", "680")
        for box in page.page.query_selector_all("input[name=kind]"):
            if box.get_attribute("value") not in ("output-wish", "trace-back"):
                box.uncheck()
        page.page.fill("#count", "3")
        page.page.click("#add")
        page.page.wait_for_selector("#returned")
        assert page.errors == []
    finally:
        page.close()
    (returned,) = platform.deep_link_returns
    assert returned["iss"] == CLIENT_ID and returned["aud"] == platform.issuer
    assert returned[LTI + "message_type"] == "LtiDeepLinkingResponse"
    assert returned[LTI + "deployment_id"] == "deployment-1"
    assert returned[DL + "data"] == "opaque-42"
    (item,) = returned[DL + "content_items"]
    return item


def test_deep_link_then_a_student_round_reaches_the_gradebook(service, browser):
    platform = service.platform
    item = deep_link(service, browser)
    assert item["type"] == "ltiResourceLink"
    assert item["url"] == service.tool_url + "/lti/launch"
    assert item["custom"] == {
        "preset": "lesson-trained",
        "digit": "680",
        "kinds": "output-wish,trace-back",
        "count": "3",
    }
    assert item["lineItem"]["scoreMaximum"] == 3

    # the platform made a line item for it; the student's launch carries the link's custom
    lineitem = platform.url + "/lineitems/7?course=1"
    hint = platform.offer(
        {
            LTI + "custom": item["custom"],
            AGS: {"scope": [SCORE_SCOPE], "lineitem": lineitem},
        }
    )
    page = Page(browser, service.tool_url, 1280)
    try:
        # the page opens its learner session with the launch's embed token
        with page.page.expect_response(lambda r: "/v1/embed-sessions" in r.url) as opened:
            page.page.goto(platform.start_url(hint))
        assert opened.value.status == 201
        credential = opened.value.json()["session"]
        page.page.wait_for_url(service.tool_url + "/?*")
        landed = urlsplit(page.page.url)
    finally:
        page.close()
    query = parse_qs(landed.query)
    assert "embed_token" not in query  # it left the address bar
    assert query == {
        "embed": ["1"],
        "origin": [platform.url],
        "preset": ["lesson-trained"],
        "digit": ["680"],
        "view": ["practice"],
        "kinds": ["output-wish,trace-back"],
        "count": ["3"],
    }
    session = learners.find(service.store, credential)
    assert session.learner == "sub-" + hint and session.issuer["lineitem"] == lineitem
    assert session.origin == platform.url
    assert session.scope.digit == 680 and session.scope.count == 3

    # the round, as the page plays it: the preset's job on digit 680, three exercises
    as_learner = {"X-Learner-Session": credential}
    spec = {
        "network": {"preset": "lesson-trained"},
        "batch": {"dataset": "mnist", "split": "test", "indices": [680]},
        "include": {"per_example": True},
    }
    url = service.tool_url
    job = requests.post(
        f"{url}/v1/jobs",
        json=spec,
        headers=as_learner,  # and requests' Accept-Encoding: gzip, as a browser's
        timeout=30,
    ).json()
    done = wait_until(
        lambda: (
            (
                j := requests.get(
                    f"{url}/v1/jobs/{job['id']}", headers=as_learner, timeout=30
                ).json()
            )["status"]
            not in ("queued", "running")
            and j
        ),
        "the round's job",
    )
    assert done["status"] == "succeeded", done
    exercises = requests.get(
        f"{url}/v1/jobs/{job['id']}/exercises",
        params={"count": 3, "kinds": "output-wish,trace-back", "seed": 1},
        headers=as_learner,
        timeout=30,
    ).json()["exercises"]
    assert len(exercises) == 3
    right = 0
    for exercise in exercises:
        check = requests.post(
            f"{url}/v1/jobs/{job['id']}/exercises/{exercise['id']}/answer",
            json={"answer": first_option(exercise)},
            headers=as_learner,
            timeout=30,
        ).json()
        right += check["correct"]

    wait_until(lambda: platform.scores, "the score at the platform")
    records = ScoreRecords(service.store)
    wait_until(lambda: records.get(session.sid).state == "sent", "the record sent")
    (score,) = platform.scores
    assert score["item"] == "7"
    assert score["content_type"] == "application/vnd.ims.lis.v1.score+json"
    assert score["authorized"]
    body = score["body"]
    assert body["userId"] == "sub-" + hint
    assert (body["scoreGiven"], body["scoreMaximum"]) == (right, 3)
    assert (body["activityProgress"], body["gradingProgress"]) == ("Completed", "FullyGraded")
    assert body["timestamp"].endswith("+00:00")
    (assertion,) = platform.token_requests
    assert assertion["iss"] == assertion["sub"] == CLIENT_ID
    assert assertion["scope"] == SCORE_SCOPE


def test_a_refused_launch_shows_the_browser_a_page_and_opens_nothing(service, browser):
    platform = service.platform
    hint = platform.offer({"exp": 1_000_000_000, "iat": 999_999_000})  # long expired
    sessions = len(list(service.store.scan_iter("backprop-lab:embed-token:*")))
    page = Page(browser, service.tool_url, 360, 740)
    try:
        page.page.goto(platform.start_url(hint))
        refused = page.page.wait_for_selector("#lti-refused")
        assert refused.get_attribute("data-status") == "401"
        assert "expired" in refused.inner_text()
        assert page.page.url == service.tool_url + "/lti/launch"
    finally:
        page.close()
    assert len(list(service.store.scan_iter("backprop-lab:embed-token:*"))) == sessions
