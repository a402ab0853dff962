"""The service's signing keys: RSA (RS256), kept in Redis, published as a JSON Web Key Set.

    backprop-lab keys rotate     a new current key; the one before stays published (previous)
    backprop-lab keys list       the keys' ids, creation times and which one signs

The keys live in the Redis list `backprop-lab:signing-keys`, newest first, at most KEPT of them:
the first signs, every one is published at `GET /.well-known/jwks.json`, so a token signed just
before a rotation still verifies after it. A private key is never written to the repository or
a file: it is made here and stored in that Redis only. A service that signs before any rotation
makes its first key itself (once, whichever process asks first).

It lives in `worker/`, the lowest layer that signs: the worker's score passback signs its
client assertion (worker/ags_client.py), the API its tokens and receipts.

`sign(claims)` makes a JWT with the current key (its `kid` in the header); `verify(token)`
checks one against the published keys, as a platform does with the JWKS (PyJWT, RS256 only).
"""

from __future__ import annotations

import json
import secrets
import time
from functools import lru_cache
from typing import Any

import jwt
import redis
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from worker.keyspace import PREFIX

KEYS = PREFIX + "signing-keys"
KEPT = 2  # the current key and the previous one
ALGORITHM = "RS256"
BITS = 2048

# the first key, made only while the list is empty (two processes may race to make it)
_FIRST = """
if redis.call('llen', KEYS[1]) == 0 then redis.call('rpush', KEYS[1], ARGV[1]) end
return redis.call('lindex', KEYS[1], 0)
"""


def _new_key() -> str:
    private = rsa.generate_private_key(public_exponent=65537, key_size=BITS)
    pem = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    record = {"kid": secrets.token_urlsafe(12), "created": int(time.time()), "private": pem}
    return json.dumps(record)


def rotate(client: redis.Redis) -> dict[str, Any]:
    """Make a new current key; the previous current one stays published, older ones go."""
    record = _new_key()
    with client.pipeline() as pipe:
        pipe.lpush(KEYS, record)
        pipe.ltrim(KEYS, 0, KEPT - 1)
        pipe.execute()
    return _public_record(json.loads(record))


def listing(client: redis.Redis) -> list[dict[str, Any]]:
    """The stored keys, newest (the one that signs) first: kid, created, current."""
    return [
        {**_public_record(json.loads(raw)), "current": i == 0}
        for i, raw in enumerate(client.lrange(KEYS, 0, KEPT - 1))
    ]


def _public_record(record: dict[str, Any]) -> dict[str, Any]:
    return {"kid": record["kid"], "created": record["created"]}


def _current(client: redis.Redis) -> dict[str, Any]:
    raw = client.lindex(KEYS, 0) or client.eval(_FIRST, 1, KEYS, _new_key())
    return json.loads(raw)


@lru_cache(maxsize=16)
def _private(pem: str) -> rsa.RSAPrivateKey:
    return serialization.load_pem_private_key(pem.encode(), password=None)


def current_key(client: redis.Redis) -> tuple[str, rsa.RSAPrivateKey]:
    """The kid and private key that sign now (made if there is none yet); for a client
    assertion or another JWT a caller builds itself."""
    record = _current(client)
    return record["kid"], _private(record["private"])


def sign(client: redis.Redis, claims: dict[str, Any], headers: dict[str, Any] | None = None) -> str:
    """`claims` as a JWT (JWS compact) signed with the current key, its kid in the header."""
    kid, key = current_key(client)
    return jwt.encode(claims, key, algorithm=ALGORITHM, headers={**(headers or {}), "kid": kid})


def jwks(client: redis.Redis) -> dict[str, Any]:
    """The public keys, current and previous, as a JSON Web Key Set (RFC 7517)."""
    if not client.exists(KEYS):
        _current(client)
    keys = []
    for raw in client.lrange(KEYS, 0, KEPT - 1):
        record = json.loads(raw)
        public = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(_private(record["private"])))
        public = {k: public[k] for k in ("kty", "n", "e")}  # the public numbers only
        keys.append({**public, "kid": record["kid"], "use": "sig", "alg": ALGORITHM})
    return {"keys": keys}


def verify(
    client: redis.Redis, token: str, *, audience: str | None = None, leeway: float = 30
) -> dict[str, Any]:
    """The claims of a JWT this service signed with one of its published keys; raises
    jwt.InvalidTokenError (a forged, altered, expired or foreign token) otherwise."""
    kid = jwt.get_unverified_header(token).get("kid")
    for raw in client.lrange(KEYS, 0, KEPT - 1):
        record = json.loads(raw)
        if record["kid"] == kid:
            public = _private(record["private"]).public_key()
            return jwt.decode(
                token,
                public,
                algorithms=[ALGORITHM],
                audience=audience,
                leeway=leeway,
                options={"verify_aud": audience is not None},
            )
    raise jwt.InvalidKeyError(f"no published key has the id {kid!r}")
