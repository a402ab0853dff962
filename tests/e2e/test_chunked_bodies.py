"""A body over MAX_BODY_BYTES is a 413 however it is sent, and a chunked body is taken whole or
not at all: real chunked transfer over a raw socket, against gunicorn as deployed."""

from __future__ import annotations

import http.client
import json
import socket
import threading
from urllib.parse import urlsplit

import pytest
import requests

from tests.support.processes import gunicorn

LIMIT = 8 * 1024 * 1024  # MAX_BODY_BYTES' default
TINY = {"network": {"layers": [2, 3, 2]}, "batch": {"dataset": "random", "size": 4}}
PIECE = 64 * 1024


@pytest.fixture(scope="module")
def base(redis_url, tmp_path_factory):
    """gunicorn with its default body limit, on queues no worker takes: accepted jobs wait."""
    folder = tmp_path_factory.mktemp("chunked")
    with gunicorn(
        folder, REDIS_URL=redis_url, QUEUE_PREFIX="chunked-no-worker-", WEB_CONCURRENCY="1"
    ) as url:
        yield url


def _padded(size: int) -> bytes:
    """TINY as JSON followed by spaces: `size` bytes of valid JSON."""
    spec = json.dumps(TINY).encode()
    return spec + b" " * (size - len(spec))


def _send(base: str, body: bytes, chunked: bool) -> tuple[int, dict]:
    """POST /v1/jobs with `body` chunked (pieces of PIECE bytes) or with its Content-Length, sent
    by a thread of its own while the answer is read, as a client that streams does; the status
    and the answer's JSON."""
    where = urlsplit(base)
    sock = socket.create_connection((where.hostname, where.port), timeout=60)
    framing = "Transfer-Encoding: chunked" if chunked else f"Content-Length: {len(body)}"
    head = (
        f"POST /v1/jobs HTTP/1.1\r\nHost: {where.netloc}\r\nContent-Type: application/json\r\n"
        f"{framing}\r\n\r\n"
    ).encode()

    def send() -> None:
        try:
            sock.sendall(head)
            for at in range(0, len(body), PIECE):
                piece = body[at : at + PIECE]
                sock.sendall(b"%x\r\n%s\r\n" % (len(piece), piece) if chunked else piece)
            if chunked:
                sock.sendall(b"0\r\n\r\n")
        except OSError:  # the server answered and stopped reading: the answer says why
            pass

    sender = threading.Thread(target=send)
    sender.start()
    try:
        answer = http.client.HTTPResponse(sock)
        answer.begin()
        return answer.status, json.loads(answer.read())
    finally:
        sender.join()
        sock.close()


def _forget(base: str, answer: dict) -> None:
    requests.delete(f"{base}/v1/jobs/{answer['id']}", timeout=10)


def test_a_chunked_body_within_the_limit_is_taken_whole(base):
    status, answer = _send(base, _padded(LIMIT), chunked=True)  # exactly the limit
    assert status == 202, answer
    _forget(base, answer)
    assert answer["spec"] == TINY


@pytest.mark.parametrize("chunked", [True, False], ids=["chunked", "content-length"])
def test_a_body_whose_first_8_mib_are_json_is_413_not_cut_short(base, chunked):
    # the first LIMIT bytes are a whole spec: cut there, it would be accepted
    status, answer = _send(base, _padded(LIMIT) + b" " * 1024, chunked)
    assert status == 413, answer
    assert answer["errors"][0]["limit"] == LIMIT


def test_a_50_mb_chunked_body_is_413(base):
    status, answer = _send(base, b"[" + b"0," * 25_000_000 + b"0]", chunked=True)
    assert status == 413, answer
    assert answer["errors"] == [
        {
            "field": "(body)",
            "message": f"the request body holds more than {LIMIT} bytes, over the limit of "
            f"{LIMIT} (MAX_BODY_BYTES)",
            "limit": LIMIT,
        }
    ]
    # and the process still answers
    assert requests.get(f"{base}/v1/health", timeout=10).json() == {"status": "ok"}
