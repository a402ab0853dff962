"""The service's signing keys: made and rotated by `backprop-lab keys`, kept in the test Redis,
published at /.well-known/jwks.json over real HTTP, and what they sign verified by jwcrypto (a
JOSE library that is not the one that signed)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
import redis
import requests
from jwcrypto import jwk, jws, jwt

from backprop_lab import cli
from tests.support.processes import api_server
from worker import tool_keys


@pytest.fixture
def store(redis_url):
    client = redis.Redis.from_url(redis_url)
    client.delete(tool_keys.KEYS)
    yield client
    client.delete(tool_keys.KEYS)


@pytest.fixture
def api(redis_url, store):
    with api_server(redis_url, "unit-no-worker-") as url:
        yield url


def keys_command(redis_url: str, action: str) -> str:
    """`backprop-lab keys ACTION` as a process of its own, on the test Redis."""
    done = subprocess.run(
        [sys.executable, "-m", "backprop_lab.cli", "keys", action],
        env=os.environ | {"REDIS_URL": redis_url},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return done.stdout


def keys_in_process(redis_url: str, action: str, monkeypatch, capsys) -> str:
    """The same command, in this process (a second process would only load the API again)."""
    monkeypatch.setenv("REDIS_URL", redis_url)
    capsys.readouterr()
    assert cli.main(["keys", action]) == 0
    return capsys.readouterr().out


def published(api: str) -> jwk.JWKSet:
    return jwk.JWKSet.from_json(json.dumps(jwks_document(api)))


def jwks_document(api: str) -> dict:
    reply = requests.get(f"{api}/.well-known/jwks.json", timeout=10)
    assert reply.status_code == 200
    assert reply.headers["Content-Type"] == "application/json"
    return reply.json()


def verified(token: str, keys: jwk.JWKSet) -> dict:
    return json.loads(jwt.JWT(jwt=token, key=keys, algs=["RS256"]).claims)


def test_keys_rotate_and_the_previous_key_still_verifies(
    redis_url, store, api, monkeypatch, capsys
):
    first = tool_keys.sign(store, {"sub": "learner-1", "n": 1})
    keys = published(api)
    assert [k.get("kid") for k in keys["keys"]] == [tool_keys.listing(store)[0]["kid"]]
    assert set(jwks_document(api)["keys"][0]) == {"kty", "n", "e", "kid", "use", "alg"}
    assert verified(first, keys) == {"sub": "learner-1", "n": 1}

    made = keys_command(redis_url, "rotate").split()[0]
    listing = keys_in_process(redis_url, "list", monkeypatch, capsys).splitlines()
    assert listing[0].startswith(made) and listing[0].endswith("current")
    assert listing[1].endswith("previous") and len(listing) == 2
    second = tool_keys.sign(store, {"sub": "learner-2"})
    header = json.loads(jws.base64url_decode(second.split(".")[0]))
    assert header == {"alg": "RS256", "kid": made, "typ": "JWT"}  # signed with the new key
    assert [k["kid"] for k in jwks_document(api)["keys"]][0] == made  # the current one first
    keys = published(api)
    assert len(keys["keys"]) == 2
    assert verified(first, keys)["sub"] == "learner-1"  # signed before the rotation
    assert verified(second, keys)["sub"] == "learner-2"

    keys_in_process(redis_url, "rotate", monkeypatch, capsys)  # the first key is unpublished
    keys = published(api)
    assert len(keys["keys"]) == 2
    with pytest.raises(jwt.JWTMissingKey):  # its kid is no longer in the set
        verified(first, keys)
    assert verified(second, keys)["sub"] == "learner-2"
    assert tool_keys.verify(store, second)["sub"] == "learner-2"


def test_a_token_altered_after_signing_verifies_nowhere(store, api):
    token = tool_keys.sign(store, {"sub": "learner-1", "correct": 1})
    head, body, signature = token.split(".")
    forged_body = jws.base64url_encode(json.dumps({"sub": "learner-1", "correct": 10}))
    forged = f"{head}.{forged_body}.{signature}"
    key = published(api).get_key(tool_keys.listing(store)[0]["kid"])  # the kid's own key
    with pytest.raises(jws.InvalidJWSSignature):
        jwt.JWT(jwt=forged, key=key, algs=["RS256"])
    assert json.loads(jwt.JWT(jwt=token, key=key, algs=["RS256"]).claims)["correct"] == 1
    with pytest.raises(tool_keys.jwt.InvalidSignatureError):
        tool_keys.verify(store, forged)
