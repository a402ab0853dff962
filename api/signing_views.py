"""The service's published keys: `GET /.well-known/jwks.json` (worker.tool_keys)."""

from __future__ import annotations

from worker import tool_keys

from .jobs import services
from .routes import route
from .signing_schemas import KeySet
from .views import site


@route(site.get, "/.well-known/jwks.json", answers={200: KeySet}, errors=(503,), limit=None)
def jwks():
    """The public keys that verify the service's signed tokens (score receipts, assertions)."""
    return tool_keys.jwks(services().store.redis), 200, {"Cache-Control": "max-age=300"}
