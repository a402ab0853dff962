"""A platform's published signing keys: its JWKS fetched from the registered URL and kept for
LTI_PLATFORM_KEYS_SECONDS in this process. A key id the kept set lacks fetches the set again
at once (the platform may have rotated its keys), once per launch; still unknown, it is
refused."""

from __future__ import annotations

import threading
import time

import requests
from jwt import PyJWK, PyJWKSet
from jwt.exceptions import PyJWKError, PyJWKSetError

from .platforms import Platform
from .refusals import LaunchRefused

FETCH_TIMEOUT = 5.0


class PlatformKeys:
    def __init__(self, keep_seconds: float):
        self.keep_seconds = keep_seconds
        self._sets: dict[str, tuple[float, dict[str, PyJWK]]] = {}  # url -> (when, kid -> key)
        self._lock = threading.Lock()
        self.fetches = 0  # how many times a key set was fetched (for the tests)

    def key(self, platform: Platform, kid: str | None) -> PyJWK:
        """The platform's public key with this key id; LaunchRefused when it publishes none."""
        if not kid:
            raise LaunchRefused("the id_token's header has no key id (kid)", field="kid")
        keys = self._kept(platform.jwks_url)
        if keys is None or kid not in keys:
            keys = self._fetch(platform.jwks_url)
        if kid not in keys:
            raise LaunchRefused(
                f"the platform's key set ({platform.jwks_url}) has no key {kid!r}", field="kid"
            )
        return keys[kid]

    def _kept(self, url: str) -> dict[str, PyJWK] | None:
        with self._lock:
            kept = self._sets.get(url)
        if kept and time.monotonic() - kept[0] < self.keep_seconds:
            return kept[1]
        return None

    def _fetch(self, url: str) -> dict[str, PyJWK]:
        try:
            reply = requests.get(url, timeout=FETCH_TIMEOUT)
            reply.raise_for_status()
            keys = {k.key_id: k for k in PyJWKSet.from_dict(reply.json()).keys if k.key_id}
        except (requests.RequestException, ValueError, PyJWKError, PyJWKSetError) as error:
            raise LaunchRefused(
                f"the platform's key set could not be read from {url}: {error}", status=502
            ) from error
        with self._lock:
            self._sets[url] = (time.monotonic(), keys)
            self.fetches += 1
        return keys
