"""The shapes of the service's published keys (RFC 7517), for the OpenAPI document."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field


class PublicKey(BaseModel):
    """One of the service's RSA public keys."""

    kty: Literal["RSA"]
    n: str = Field(description="The modulus, base64url.")
    e: str = Field(description="The public exponent, base64url.")
    kid: str = Field(description="The key's id: a signed token's header names it.")
    use: Literal["sig"]
    alg: Literal["RS256"]


class KeySet(BaseModel):
    """The keys that verify what the service signs: the current one first, then the previous."""

    keys: list[PublicKey]
