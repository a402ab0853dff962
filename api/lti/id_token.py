"""The launch's id_token, validated: RS256 only, signed by a key of the registered platform's
key set, from a registered issuer to our client id, in date, and from a registered deployment.

PyJWT checks the signature, `exp` and `aud` membership; the rest is checked here, so that each
gap of a library is closed in our code and tested: `alg` is read first and must be RS256 (no
`none`, no HS256 with a public key as secret); every entry of a list `aud` is looked at (our
client id may be any of them) and then `azp` must be present and equal our client id (a token
for several audiences is ours only if we are its authorized party); an `azp` beside a single
`aud` must name us too; `iat` must not lie in
the future nor too far in the past (beyond the skew); `nonce` and `sub` must be present. The
nonce's single use and the state are the launch's (api/lti/launch.py).
"""

from __future__ import annotations

import time
from typing import Any

import jwt

from . import claims
from .platform_keys import PlatformKeys
from .platforms import Platform, Registry
from .refusals import LaunchRefused

ALGORITHM = "RS256"
MAX_AGE = 3600  # seconds: an id_token issued longer ago than this (and the skew) is refused


def audiences(token_claims: dict[str, Any]) -> list[str]:
    aud = token_claims.get("aud")
    if isinstance(aud, str):
        return [aud]
    if isinstance(aud, list) and all(isinstance(a, str) for a in aud) and aud:
        return aud
    raise LaunchRefused("the id_token's aud is neither a string nor a list of them", field="aud")


def platform_of(registry: Registry, unverified: dict[str, Any]) -> Platform:
    """The registration the token names (its issuer and one of its audiences)."""
    issuer = unverified.get("iss")
    if not isinstance(issuer, str) or not issuer:
        raise LaunchRefused("the id_token has no issuer (iss)", field="iss")
    found = registry.of_issuer(issuer)
    if not found:
        raise LaunchRefused(f"no platform is registered with issuer {issuer!r}", field="iss")
    auds = audiences(unverified)
    ours = [p for p in found if p.client_id in auds]
    if not ours:
        raise LaunchRefused(
            f"the id_token's aud {auds} holds no client id registered for {issuer!r}",
            field="aud",
        )
    return ours[0]


def validate(token: str, registry: Registry, keys: PlatformKeys, skew: float) -> dict[str, Any]:
    """The verified claims of `token`, or LaunchRefused saying why not."""
    try:
        header = jwt.get_unverified_header(token)
        unverified = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError as error:
        raise LaunchRefused(f"the id_token is not a JWT: {error}", field="id_token") from error
    if header.get("alg") != ALGORITHM:
        raise LaunchRefused(
            f"the id_token is signed with {header.get('alg')!r}; only {ALGORITHM} is accepted",
            field="alg",
        )
    platform = platform_of(registry, unverified)
    key = keys.key(platform, header.get("kid"))
    try:
        verified = jwt.decode(
            token,
            key,
            algorithms=[ALGORITHM],
            audience=platform.client_id,
            issuer=platform.issuer,
            leeway=skew,
            options={"require": ["iss", "aud", "exp", "iat", "sub", "nonce"]},
        )
    except jwt.ExpiredSignatureError as error:
        raise LaunchRefused("the id_token has expired (exp)", field="exp") from error
    except jwt.ImmatureSignatureError as error:
        raise LaunchRefused(f"the id_token is not valid yet: {error}", field="iat") from error
    except jwt.InvalidSignatureError as error:
        raise LaunchRefused(
            "the id_token's signature does not match the platform's key", field="signature"
        ) from error
    except jwt.PyJWTError as error:
        raise LaunchRefused(f"the id_token is not valid: {error}", field="id_token") from error
    check_azp(verified, platform.client_id)
    check_issued(verified, skew)
    check_deployment(verified, platform)
    return verified


def check_azp(verified: dict[str, Any], client_id: str) -> None:
    azp = verified.get("azp")
    if isinstance(verified["aud"], list) and azp is None:
        raise LaunchRefused("the id_token's aud is a list and it has no azp", field="azp")
    if azp is not None and azp != client_id:
        raise LaunchRefused(
            f"the id_token's authorized party (azp) {azp!r} is not this tool's client id",
            field="azp",
        )


def check_issued(verified: dict[str, Any], skew: float) -> None:
    iat, now = verified["iat"], time.time()
    if not isinstance(iat, int | float) or iat > now + skew:
        raise LaunchRefused("the id_token is issued in the future (iat)", field="iat")
    if iat < now - MAX_AGE - skew:
        raise LaunchRefused(f"the id_token was issued over {MAX_AGE} s ago (iat)", field="iat")


def check_deployment(verified: dict[str, Any], platform: Platform) -> None:
    deployment = verified.get(claims.DEPLOYMENT_ID)
    if deployment not in platform.deployment_ids:
        raise LaunchRefused(
            f"the deployment {deployment!r} is not registered for this platform",
            status=403,
            field="deployment_id",
        )
