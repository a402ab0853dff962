"""What the OIDC login leaves for the launch: a `state` bound to the browser and the `nonce`
the platform must put in its id_token, and the nonce's one use.

At login the tool makes both, keeps them in Redis (`lti:login:<state>`, LTI_LOGIN_SECONDS) and
sets the browser a cookie named after the state. The launch must come back with the same
state in its form and in that cookie (another browser's state, or none, is refused), takes the
login's record once (GETDEL: a second launch on one login finds nothing), and the id_token's
nonce must be that login's. Each nonce then works once: SET NX `lti:nonce:<issuer>:<nonce>`
for as long as a token carrying it could still be accepted.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import asdict, dataclass

from redis import Redis

from worker.keyspace import PREFIX

COOKIE = "lti-state-"  # + the state


@dataclass(frozen=True)
class Login:
    state: str
    nonce: str
    issuer: str
    client_id: str
    target_link_uri: str


def login_key(state: str) -> str:
    return f"{PREFIX}lti:login:{state}"


def nonce_key(issuer: str, nonce: str) -> str:
    return f"{PREFIX}lti:nonce:{issuer}:{nonce}"


def begin(redis: Redis, issuer: str, client_id: str, target_link_uri: str, seconds: int) -> Login:
    login = Login(
        secrets.token_urlsafe(24), secrets.token_urlsafe(24), issuer, client_id, target_link_uri
    )
    redis.set(login_key(login.state), json.dumps(asdict(login)), ex=seconds)
    return login


def take(redis: Redis, state: str) -> Login | None:
    """The login of this state, once; None if there was none, it expired or it was taken."""
    text = redis.getdel(login_key(state))
    return Login(**json.loads(text)) if text else None


def use_nonce(redis: Redis, issuer: str, nonce: str, seconds: int) -> bool:
    """True the first time this issuer's nonce is used, False ever after (within `seconds`)."""
    return bool(redis.set(nonce_key(issuer, nonce), "1", nx=True, ex=max(1, seconds)))
