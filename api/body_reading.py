"""Reading a request body: whole or refused, a slice at a time.

A body over MAX_BODY_BYTES is refused with 413 however it comes: with a `Content-Length` over
the limit (Werkzeug refuses it before a byte is read) or chunked, when more than the limit
arrives (a chunked body is read from the server's own terminated stream, never cut at the
limit and taken as whole). The body is read in slices, and between two the request yields (a
`time.sleep(0)` is gevent's yield once gunicorn's gevent worker has patched the standard
library): reading a large body off a fast socket never waits on the event loop, so without it
one greedy reader would hold up every other request its process holds. Each slice is counted
for its structure as it comes (api.body_shape), so a body that can only be refused is never
parsed.
"""

from __future__ import annotations

import time
from typing import IO

from flask import request

from worker.settings import Settings

from .body_shape import Shape, too_large

SLICE = 64 * 1024


def read_body(settings: Settings) -> bytes:
    """The request's body, counted and checked for its shape; 413 over a limit."""
    limit = settings.max_body_bytes
    stream = _source()
    shape, parts, size = Shape(), [], 0
    while True:
        part = stream.read(min(SLICE, limit + 1 - size)) if stream is not None else b""
        if not part:
            break
        size += len(part)
        if size > limit:  # only a chunked body gets here: a long Content-Length is refused
            raise too_large("bytes", f"more than {limit}", limit, "MAX_BODY_BYTES")
        shape.add(part)
        parts.append(part)
        time.sleep(0)
    shape.check(settings)
    return b"".join(parts)


def _source() -> IO[bytes] | None:
    """Where the body comes from: Werkzeug's stream bounded by the Content-Length (already
    checked against the limit), or, for a chunked body, the server's stream, which ends where
    the body ends; none when neither is known (Werkzeug's own safe default)."""
    if request.content_length is not None:
        return request.stream
    if request.environ.get("wsgi.input_terminated"):
        return request.environ["wsgi.input"]
    return None
