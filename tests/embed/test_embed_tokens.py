"""Embed tokens over real HTTP on the test Redis, API keys on: minted with the platform's key,
exchanged once by the framed page for a learner session; expired, reused, unknown,
wrong-origin and wrong-scope tokens refused with problem documents; the page's frame-ancestors
is the token's origin; receipts verified by jwcrypto against the live JWKS."""

from __future__ import annotations

import json
import time

import pytest
import requests
from jwcrypto import jwk, jws, jwt

from api.clients import owner_id
from tests.support.practice_jobs import finished
from tests.support.processes import api_server
from worker.records import JobStore
from worker.settings import Settings

KEY = "platform-key-2"
HOST = "http://127.0.0.1:8123"  # the course page's origin
PROBLEM = "application/problem+json"


@pytest.fixture(scope="module")
def api(redis_url):
    with api_server(redis_url, "unit-no-worker-", api_keys=(KEY,), embed_token_seconds=60) as url:
        yield url


@pytest.fixture
def job(redis_url):
    store = JobStore.from_settings(Settings(redis_url=redis_url, job_ttl=600))
    return finished(store, "tiny", owner=owner_id(KEY))


def mint(api: str, **fields) -> requests.Response:
    body = {"learner": "student-9", "origin": HOST, "count": 2} | fields
    return requests.post(
        f"{api}/v1/embed-tokens", json=body, headers={"Authorization": f"Bearer {KEY}"}, timeout=10
    )


def token_for(api: str, **fields) -> str:
    reply = mint(api, **fields)
    assert reply.status_code == 201, reply.text
    return reply.json()["token"]


def exchange(api: str, token: str, origin: str = HOST, **fields) -> requests.Response:
    body = {"token": token, "origin": origin} | fields
    return requests.post(f"{api}/v1/embed-sessions", json=body, timeout=10)


def refused(reply: requests.Response, status: int, slug: str, words: str) -> None:
    assert reply.status_code == status, reply.text
    assert reply.headers["Content-Type"] == PROBLEM
    problem = reply.json()
    assert problem["type"] == f"/problems/{slug}" and problem["status"] == status
    assert words in problem["detail"], problem["detail"]


def test_a_token_opens_one_session_on_its_job(api, job):
    reply = mint(api, job_id=job)
    assert reply.status_code == 201, reply.text
    minted = reply.json()
    assert minted["embed_url"].startswith(f"{api}/?embed=1&embed_token={minted['token']}&origin=")
    page = requests.get(minted["embed_url"], timeout=10)
    assert f"frame-ancestors {HOST}" in page.headers["Content-Security-Policy"]
    opened = exchange(api, minted["token"], job_id=job)
    assert opened.status_code == 201, opened.text
    session = opened.json()
    assert (session["learner"], session["origin"], session["scope"]["job_id"]) == (
        "student-9",
        HOST,
        job,
    )
    headers = {"X-Learner-Session": session["session"]}
    answer = requests.get(f"{api}/v1/jobs/{job}", headers=headers, timeout=10)
    assert answer.status_code == 200
    assert answer.headers["Content-Security-Policy"].endswith(f"frame-ancestors {HOST}")
    refused(exchange(api, minted["token"], job_id=job), 409, "embed-token", "used already")
    # the page a used token opened still frames on reload; a page without a token frames nowhere
    assert (
        f"frame-ancestors {HOST}"
        in requests.get(minted["embed_url"], timeout=10).headers["Content-Security-Policy"]
    )
    plain = requests.get(f"{api}/?embed=1&origin={HOST}", timeout=10)
    assert plain.headers["Content-Security-Policy"].endswith("frame-ancestors 'none'")


def test_expired_unknown_wrong_origin_and_wrong_scope_tokens_are_refused(api, job):
    short = token_for(api, job_id=job, expires_in=1)
    time.sleep(1.5)
    refused(exchange(api, short), 403, "embed-token", "expired")
    refused(exchange(api, "no-such-token"), 403, "embed-token", "unknown")

    token = token_for(api, job_id=job)
    # localhost is not 127.0.0.1, nor is another port, nor https
    for other in ("http://localhost:8123", "http://127.0.0.1:8124", "https://127.0.0.1:8123"):
        refused(exchange(api, token, other), 403, "embed-token", f"not {other}")
    refused(exchange(api, token, preset="lesson-trained"), 403, "embed-token", "preset")
    refused(exchange(api, token, job_id="another-job"), 403, "embed-token", "job_id")
    sent_from = requests.post(
        f"{api}/v1/embed-sessions",
        json={"token": token, "origin": HOST},
        headers={"Origin": "http://evil.example"},
        timeout=10,
    )
    refused(sent_from, 403, "embed-token", "http://evil.example")
    assert exchange(api, token).status_code == 201  # none of those used it up

    preset_token = token_for(api, preset="lesson-trained")
    refused(exchange(api, preset_token, job_id=job), 403, "embed-token", "job_id")


def test_minting_needs_the_key_an_exact_origin_and_the_keys_own_job(api, job):
    no_key = requests.post(f"{api}/v1/embed-tokens", json={}, timeout=10)
    assert no_key.status_code == 401 and no_key.headers["Content-Type"] == PROBLEM
    for origin, says in (
        (HOST + "/", "write the origin as a browser does: " + HOST),
        ("HTTP://127.0.0.1:8123", "write the origin as a browser does: " + HOST),
        ("course.example", "scheme://host[:port]"),
    ):
        reply = mint(api, job_id=job, origin=origin)
        assert reply.status_code == 422, origin
        fields = {e["field"]: e["message"] for e in reply.json()["errors"]}
        assert says in fields["origin"], fields
    # a default port is the origin without it, as the browser writes it
    assert mint(api, job_id=job, origin="https://course.example:443").json()["origin"] == (
        "https://course.example"
    )
    reply = mint(api, job_id=job, expires_in=61)
    assert reply.status_code == 422 and reply.json()["errors"][0]["limit"] == 60
    both = mint(api, job_id=job, preset="lesson-trained")
    assert both.status_code == 422
    assert both.json()["errors"] == [
        {"field": "job_id", "message": "give exactly one of job_id and preset"}
    ]
    assert mint(api, job_id="no-such-job").status_code == 404


def test_a_receipt_verifies_against_the_published_keys_and_a_forged_one_does_not(api, job):
    token = token_for(api, job_id=job, count=1)
    session = exchange(api, token).json()
    headers = {"X-Learner-Session": session["session"]}
    listed = requests.get(f"{api}/v1/jobs/{job}/exercises?count=1", headers=headers, timeout=10)
    exercise = listed.json()["exercises"][0]
    check = requests.post(
        f"{api}/v1/jobs/{job}/exercises/{exercise['id']}/answer",
        json={"answer": exercise["answer"].get("options", [0.5])[0]},
        headers=headers,
        timeout=10,
    ).json()
    score = requests.get(f"{api}/v1/learner-session", headers=headers, timeout=10).json()
    right = int(check["correct"])
    assert (score["correct"], score["total"], score["finished"]) == (right, 1, True)

    keys = jwk.JWKSet.from_json(requests.get(f"{api}/.well-known/jwks.json", timeout=10).text)
    claims = json.loads(
        jwt.JWT(
            jwt=score["receipt"],
            key=keys,
            algs=["RS256"],
            check_claims={"iss": api, "sub": "student-9", "aud": HOST},
        ).claims
    )
    assert (claims["correct"], claims["total"], claims["count"]) == (right, 1, 1)
    assert claims["answers"] == [f"{job}/{exercise['id']}"]
    assert claims["sid"] == session["sid"] and claims["scope"] == {"job_id": job, "count": 1}
    assert {"iat", "jti"} <= set(claims)

    # a student's forgery: the same header and signature over better numbers, or a key of
    # their own under the service's kid; neither verifies
    head, _, signature = score["receipt"].split(".")
    better = jws.base64url_encode(json.dumps(claims | {"correct": 1}))
    own = jwk.JWK.generate(kty="RSA", size=2048)
    kid = json.loads(jws.base64url_decode(head))["kid"]
    signed = jwt.JWT(header={"alg": "RS256", "kid": kid}, claims=claims | {"correct": 1})
    signed.make_signed_token(own)
    for forged in (f"{head}.{better}.{signature}", signed.serialize()):
        with pytest.raises((jws.InvalidJWSSignature, jwt.JWTMissingKey)):
            jwt.JWT(jwt=forged, key=keys, algs=["RS256"])

    # the platform reads the learner's score with its key
    scores = requests.get(
        f"{api}/v1/learner-scores?learner=student-9", headers={"X-API-Key": KEY}, timeout=10
    )
    assert scores.status_code == 200
    mine = [s for s in scores.json()["sessions"] if s["sid"] == session["sid"]]
    assert [(s["correct"], s["total"]) for s in mine] == [(right, 1)]
    assert requests.get(f"{api}/v1/learner-scores?learner=student-9", timeout=10).status_code == 401
    assert (
        requests.get(
            f"{api}/v1/learner-scores?learner=student-9",
            headers={"X-API-Key": "other"},
            timeout=10,
        ).status_code
        == 401
    )
