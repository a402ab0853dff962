"""Each bad launch is refused with a problem document (or a page, for a browser) naming what
failed, and opens nothing; a good one passes. Real HTTP: the tool, the fake platform and the
browser's part played by a requests session (cookies and forms as Chromium would)."""

from __future__ import annotations

import time
from urllib.parse import parse_qs, urlsplit

import jwt
import pytest
import requests

from bench.lti_platform import (
    CLIENT_ID,
    LTI,
    form_of,
    launch_over_http,
    post_launch,
    rsa_key,
    signed,
)

PROBLEM = "application/problem+json"


def sessions_open(store) -> int:
    """Embed tokens and learner sessions in Redis: what a launch would open."""
    found = 0
    for pattern in ("backprop-lab:embed-token:*", "backprop-lab:learner-session:*"):
        found += len(list(store.scan_iter(pattern)))
    return found


def refused(reply: requests.Response, status: int, field: str) -> dict:
    assert reply.status_code == status, reply.text
    assert reply.headers["Content-Type"] == PROBLEM
    problem = reply.json()
    assert problem["type"] == "/problems/lti-launch"
    assert problem["errors"][0]["field"] == field, problem
    assert "Location" not in reply.headers
    return problem


def test_a_good_launch_opens_the_practice_view_with_a_token(platform, store):
    before = sessions_open(store)
    reply, _ = launch_over_http(requests.Session(), platform, platform.offer())
    assert reply.status_code == 303, reply.text
    where = urlsplit(reply.headers["Location"])
    query = parse_qs(where.query)
    assert where.path == "/" and query["embed"] == ["1"] and query["origin"] == [platform.url]
    assert query["preset"] == ["lesson-partly-trained"] and query["view"] == ["practice"]
    assert 0 <= int(query["digit"][0]) <= 999 and query["count"] == ["5"]
    assert len(query["embed_token"][0]) > 30
    assert sessions_open(store) == before + 1


@pytest.mark.parametrize(
    ("claims", "field", "status"),
    [
        ({"exp": int(time.time()) - 120, "iat": int(time.time()) - 400}, "exp", 401),
        ({"aud": "someone-else"}, "aud", 401),
        ({"aud": ["someone-else", CLIENT_ID]}, "azp", 401),
        ({"aud": ["someone-else", CLIENT_ID], "azp": "someone-else"}, "azp", 401),
        ({"iat": int(time.time()) + 600}, "iat", 401),
        ({LTI + "deployment_id": "deployment-of-another-school"}, "deployment_id", 403),
        ({"iss": "https://platform.invalid"}, "iss", 401),
    ],
    ids=[
        "expired",
        "wrong-aud",
        "list-aud-no-azp",
        "list-aud-foreign-azp",
        "future-iat",
        "unknown-deployment",
        "unknown-issuer",
    ],
)
def test_bad_claims_are_refused(platform, store, claims, field, status):
    before = sessions_open(store)
    reply, _ = launch_over_http(requests.Session(), platform, platform.offer(claims))
    refused(reply, status, field)
    assert sessions_open(store) == before


def test_a_list_aud_with_our_azp_passes_whatever_its_order(platform):
    hint = platform.offer({"aud": ["someone-else", CLIENT_ID], "azp": CLIENT_ID})
    reply, _ = launch_over_http(requests.Session(), platform, hint)
    assert reply.status_code in (200, 302, 303), reply.text


def none_alg(claims, platform):
    return jwt.encode(claims, None, algorithm="none", headers={"kid": platform.kid})


def hs256(claims, platform):
    # the classic confusion: the platform's public key (as the JWKS publishes it) as an HMAC
    # secret
    return signed(claims, platform.kid.encode() * 4, platform.kid, alg="HS256")


def tampered(claims, platform):
    header, payload, signature = signed(claims, platform.key, platform.kid).split(".")
    other = signed({**claims, "sub": "someone-else"}, platform.key, platform.kid).split(".")[1]
    assert other != payload
    return ".".join((header, other, signature))


def foreign_key(claims, platform):
    return signed(claims, rsa_key(), platform.kid)


@pytest.mark.parametrize(
    ("token", "field"),
    [(none_alg, "alg"), (hs256, "alg"), (tampered, "signature"), (foreign_key, "signature")],
    ids=["alg-none", "hs256", "tampered", "signed-by-another-key"],
)
def test_bad_signatures_are_refused(platform, store, token, field):
    before = sessions_open(store)
    reply, _ = launch_over_http(requests.Session(), platform, platform.offer(token=token))
    refused(reply, 401, field)
    assert sessions_open(store) == before


def test_an_unknown_kid_refetches_the_key_set_once_then_is_refused(platform, store):
    key = rsa_key()
    hint = platform.offer(token=lambda claims, p: signed(claims, key, "rotated-away"))
    launch_over_http(requests.Session(), platform, platform.offer())  # the set is kept now
    fetches = platform.jwks_fetches
    reply, _ = launch_over_http(requests.Session(), platform, hint)
    refused(reply, 401, "kid")
    assert platform.jwks_fetches == fetches + 1


def test_a_rotated_platform_key_is_fetched_at_once(platform):
    launch_over_http(requests.Session(), platform, platform.offer())  # the old set is kept
    old = platform.key, platform.kid
    platform.key, platform.kid = rsa_key(), "platform-key-2"
    try:
        reply, _ = launch_over_http(requests.Session(), platform, platform.offer())
        assert reply.status_code in (200, 302, 303), reply.text
    finally:
        platform.key, platform.kid = old


def test_a_replayed_id_token_is_refused_by_its_nonce(platform, store):
    browser = requests.Session()
    reply, first = launch_over_http(browser, platform, platform.offer())
    assert reply.status_code in (200, 302, 303)
    # a new login in the same browser (its own state and cookie), the old id_token posted
    second = platform.offer(token=lambda claims, p: first["id_token"])
    refused(launch_over_http(browser, platform, second)[0], 401, "nonce")


def test_the_same_launch_posted_twice_is_refused(platform, tool_url):
    browser = requests.Session()
    reply, fields = launch_over_http(browser, platform, platform.offer())
    assert reply.status_code in (200, 302, 303)
    state = fields["state"]
    browser.cookies.set(f"lti-state-{state}", state, path="/lti/")  # even with its cookie back
    refused(post_launch(browser, tool_url + "/lti/launch", fields), 401, "nonce")


def test_a_launch_without_state_or_cookie_is_refused(platform, tool_url, store):
    browser = requests.Session()
    hint = platform.offer()
    _, fields = launch_over_http(requests.Session(), platform, hint)  # another browser's
    before = sessions_open(store)
    no_state = {k: v for k, v in fields.items() if k != "state"}
    refused(post_launch(browser, tool_url + "/lti/launch", no_state), 400, "state")
    refused(post_launch(browser, tool_url + "/lti/launch", fields), 403, "state")
    assert sessions_open(store) == before


def test_a_foreign_state_is_refused(platform, tool_url):
    """Browser B posts a launch whose state is browser A's login's: B's cookie names its own
    login's state."""
    a, b = requests.Session(), requests.Session()
    hint_a, hint_b = platform.offer(), platform.offer()
    action, fields = form_of(a.get(platform.start_url(hint_a)).text)
    login_a = a.post(action, data=fields, allow_redirects=False)
    action, fields = form_of(b.get(platform.start_url(hint_b)).text)
    b.post(action, data=fields, allow_redirects=False)  # B's cookie: its own state
    action, launch_a = form_of(a.get(login_a.headers["Location"]).text)
    refused(post_launch(b, action, launch_a), 403, "state")


def test_a_browser_gets_a_page(platform):
    browser = requests.Session()
    hint = platform.offer({"aud": "someone-else"})
    action, fields = form_of(browser.get(platform.start_url(hint)).text)
    login = browser.post(action, data=fields, allow_redirects=False)
    action, fields = form_of(browser.get(login.headers["Location"]).text)
    page = browser.post(action, data=fields, headers={"Accept": "text/html,*/*;q=0.8"})
    assert page.status_code == 401
    assert page.headers["Content-Type"].startswith("text/html")
    assert "LTI launch refused" in page.text and "aud" in page.text


def test_a_login_from_an_unregistered_issuer_is_refused(tool_url):
    reply = requests.post(
        tool_url + "/lti/login",
        data={"iss": "https://nobody.invalid", "login_hint": "x"},
        headers={"Accept": PROBLEM},
        allow_redirects=False,
        timeout=10,
    )
    refused(reply, 400, "iss")
