"""Answers compressed when the client accepts it (Accept-Encoding), by Flask-Compress.

Flask-Compress (a maintained Flask extension: zstd, brotli, gzip and deflate, streamed answers
included) picks the algorithm from the client's Accept-Encoding with its quality values, sets
Content-Encoding and Vary, and compresses a streamed answer piece by piece, so a job written
from the store is never gathered whole. The levels are the fastest (1) of each: a page's
answer of 30 kB costs 0.1 ms in zstd and shrinks about threefold; level 3 (zstd's default)
and brotli's 4 cost two to six times more for a few per cent. zstd is preferred (Chromium,
Firefox and urllib3 accept it), then brotli, then gzip (deflate for a streamed answer, which
Flask-Compress does not gzip).

What is not compressed: event streams (each event must reach the client when it is written),
answers under 500 bytes, and a job answer whose result is estimated above `COMPRESS_MAX_BYTES`
of JSON: compressing tens of megabytes costs the API process's CPU (a fraction of a second
for the 63.5 MB result, while the process holds other requests) for a gain a client fetching
so much should take from `result.npz` or `?fields=` instead. `COMPRESS_MAX_BYTES=0` turns
compression off.
"""

from __future__ import annotations

from flask import Flask, Response, request
from flask_compress import Compress

MIMETYPES = [
    "application/json",
    "application/problem+json",
    "text/html",
    "text/css",
    "text/javascript",
    "application/javascript",
    "image/svg+xml",
]
RESULT_BYTES = "result_json_bytes"  # a job answer's attribute: its result's estimated JSON


def init(app: Flask, max_bytes: int) -> None:
    app.config.update(
        COMPRESS_REGISTER=False,  # our hook below decides, then calls Flask-Compress's
        COMPRESS_MIMETYPES=MIMETYPES,
        COMPRESS_ALGORITHM=["zstd", "br", "gzip", "deflate"],
        COMPRESS_ALGORITHM_STREAMING=["zstd", "br", "deflate"],
        COMPRESS_ZSTD_LEVEL=1,
        COMPRESS_BR_LEVEL=1,
        COMPRESS_LEVEL=1,
        COMPRESS_DEFLATE_LEVEL=1,
        COMPRESS_MIN_SIZE=500,
    )
    if max_bytes <= 0:
        return
    compress = Compress(app)

    @app.after_request
    def compressed(response: Response) -> Response:
        if request.method in ("HEAD", "OPTIONS") or response.status_code == 204:
            return response  # no body to compress (and none to make: an empty answer stays so)
        if (getattr(response, RESULT_BYTES, None) or 0) > max_bytes:
            return response
        return compress.after_request(response)


def result_bytes(response: Response, estimate: int | None) -> Response:
    """Tell the hook how big the job's result is (its JSON estimated at submit)."""
    setattr(response, RESULT_BYTES, estimate)
    return response
