"""The course platforms registered to launch this tool, kept in Redis (one hash, one field a
registration) and managed with `backprop-lab lti add-platform|list|remove-platform`.

A registration is what the platform's administrator reads off when adding the tool: the issuer
(`iss` of its id_tokens), the client id it gave the tool (`aud`), the deployment ids it may
launch with, and its URLs: key set (JWKS), OIDC authorization (login), OAuth2 token. One
platform product may share one issuer among many sites (Canvas Cloud does), so a registration
is found by issuer and client id together.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field

from redis import Redis

from worker.keyspace import PREFIX

PLATFORMS = PREFIX + "lti:platforms"  # hash: "<issuer> <client id>" -> the registration's JSON


@dataclass(frozen=True)
class Platform:
    issuer: str
    client_id: str
    deployment_ids: tuple[str, ...]
    jwks_url: str
    login_url: str  # the platform's OIDC authorization endpoint
    token_url: str  # its OAuth2 token endpoint (AGS access tokens)
    token_audience: str = ""  # `aud` of the client assertion; empty: the token URL
    name: str = field(default="", compare=False)

    @property
    def assertion_audience(self) -> str:
        return self.token_audience or self.token_url

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str | bytes) -> Platform:
        data = json.loads(text)
        data["deployment_ids"] = tuple(data["deployment_ids"])
        return cls(**data)


def _field(issuer: str, client_id: str) -> str:
    return f"{issuer} {client_id}"


class Registry:
    """The registrations in Redis."""

    def __init__(self, redis: Redis):
        self.redis = redis

    def add(self, platform: Platform) -> None:
        """Register (or replace) a platform's registration."""
        self.redis.hset(PLATFORMS, _field(platform.issuer, platform.client_id), platform.to_json())

    def remove(self, issuer: str, client_id: str) -> bool:
        return bool(self.redis.hdel(PLATFORMS, _field(issuer, client_id)))

    def all(self) -> list[Platform]:
        found = [Platform.from_json(v) for v in self.redis.hvals(PLATFORMS)]
        return sorted(found, key=lambda p: (p.issuer, p.client_id))

    def get(self, issuer: str, client_id: str) -> Platform | None:
        text = self.redis.hget(PLATFORMS, _field(issuer, client_id))
        return Platform.from_json(text) if text else None

    def of_issuer(self, issuer: str) -> list[Platform]:
        return [p for p in self.all() if p.issuer == issuer]
