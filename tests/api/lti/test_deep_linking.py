"""The deep-linking launch and its picker over HTTP: only an instructor gets the picker, its
post is taken once, a bad choice is refused naming the field, and the response is a JWT the
tool's published key verifies, with the choice in its item's custom parameters."""

from __future__ import annotations

import jwt
import requests

from bench.lti_platform import LTI, MEMBERSHIP, form_of, launch_over_http

DL = "https://purl.imsglobal.org/spec/lti-dl/claim/"


def deep_linking(platform, role: str = "Instructor") -> str:
    return platform.offer(
        {
            LTI + "message_type": "LtiDeepLinkingRequest",
            LTI + "roles": [MEMBERSHIP + role],
            DL + "deep_linking_settings": {
                "deep_link_return_url": platform.url + "/deep-link-return",
                "accept_types": ["ltiResourceLink"],
            },
        }
    )


def picker(platform) -> tuple[requests.Session, str]:
    browser = requests.Session()
    reply, _ = launch_over_http(browser, platform, deep_linking(platform))
    assert reply.status_code == 200 and 'id="picker"' in reply.text
    # the platform frames the picker; its form posts to the tool only
    policy = reply.headers["Content-Security-Policy"]
    assert policy.endswith(f"frame-ancestors {platform.url}") and "form-action 'self';" in policy
    action, _ = form_of(reply.text)
    return browser, reply.url.rsplit("/lti/", 1)[0] + action


def test_a_learner_gets_no_picker(platform):
    reply, _ = launch_over_http(requests.Session(), platform, deep_linking(platform, "Learner"))
    assert reply.status_code == 403 and reply.json()["errors"][0]["field"] == "roles"


def test_the_choice_comes_back_signed_and_the_picker_works_once(platform, tool_url):
    browser, action = picker(platform)
    choice = {"preset": "lesson-untrained", "digit-mode": "random", "count": "4"}
    choice["kind"] = ["three-ways", "averaging"]
    returned = browser.post(action, data=choice)
    assert returned.status_code == 200, returned.text
    policy = returned.headers["Content-Security-Policy"]
    assert f"form-action 'self' {platform.url};" in policy  # on to the platform's return URL
    assert policy.endswith(f"frame-ancestors {platform.url}")
    token = form_of(returned.text)[1]["JWT"]
    keys = jwt.PyJWKSet.from_dict(
        requests.get(tool_url + "/.well-known/jwks.json", timeout=10).json()
    )
    kid = jwt.get_unverified_header(token)["kid"]
    claims = jwt.decode(token, keys[kid], algorithms=["RS256"], audience=platform.issuer)
    (item,) = claims[DL + "content_items"]
    assert item["custom"] == {
        "preset": "lesson-untrained",
        "digit": "random",
        "kinds": "three-ways,averaging",
        "count": "4",
    }
    assert item["lineItem"]["scoreMaximum"] == 4
    again = browser.post(action, data=choice, headers={"Accept": "application/json"})
    assert again.status_code == 400 and again.json()["errors"][0]["field"] == "picker"


def test_a_bad_choice_is_refused_naming_the_field_and_may_be_mended(platform):
    browser, action = picker(platform)
    accept = {"Accept": "application/problem+json"}
    bad = {"preset": "lesson-trained", "digit-mode": "fixed", "digit": "1000", "count": "3"}
    reply = browser.post(action, data=bad, headers=accept)
    assert reply.status_code == 400
    assert reply.json()["errors"][0]["field"] == "digit"
    assert "from 0 to 999" in reply.json()["detail"]
    for field, value in (("count", "0"), ("preset", "resnet"), ("kind", "essay")):
        reply = browser.post(action, data={**bad, "digit": "999", field: value}, headers=accept)
        assert reply.json()["errors"][0]["field"] == field.replace("kind", "kinds")
    mended = browser.post(action, data={**bad, "digit": "999"})
    assert mended.status_code == 200 and "JWT" in form_of(mended.text)[1]
