"""Helpers for the tests (and bench.classroom) that watch the service: read a server-sent event
stream, scrape /metrics with prometheus_client's own parser, hold requests open, serve an app
on a free port."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import requests
from prometheus_client.parser import text_string_to_metric_families

from backprop_lab.sse import KEEP_ALIVE, parse_events
from tests.support.waiting import PATIENCE


def read_events(url: str, headers: dict | None = None) -> list[tuple[str, dict]]:
    """Every (event, data) of a stream until the server closes it."""
    with requests.get(url, headers=headers, stream=True, timeout=PATIENCE) as reply:
        assert reply.status_code == 200, reply.text
        assert reply.headers["Content-Type"].startswith("text/event-stream")
        return [
            (name, data)
            for name, data in parse_events(reply.iter_lines(decode_unicode=True))
            if name != KEEP_ALIVE
        ]


def scrape(base: str, headers: dict | None = None) -> dict[tuple[str, tuple], float]:
    """The samples of GET /metrics: (sample name, sorted label pairs) -> value."""
    reply = requests.get(f"{base}/metrics", headers=headers, timeout=PATIENCE)
    assert reply.status_code == 200, reply.text
    assert reply.headers["Content-Type"].startswith("text/plain")
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(reply.text)
        for s in family.samples
    }


@contextmanager
def serve(app) -> Iterator[str]:
    """The app over real HTTP (werkzeug, threaded) on a free port; yields its URL."""
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()


def hold(base: str, path: str, body: dict | None = None, timeout: float = PATIENCE):
    """Open a request and leave it unread: a held ?wait (POST with `body`) or an event stream
    (GET). Returns the socket; closing it is the client going away."""
    host, port = base.removeprefix("http://").split(":")
    data = json.dumps(body).encode() if body is not None else b""
    head = (
        f"{'POST' if body is not None else 'GET'} {path} HTTP/1.1\r\nHost: {host}\r\n"
        + (
            f"Content-Type: application/json\r\nContent-Length: {len(data)}\r\n"
            if body is not None
            else ""
        )
        + "\r\n"
    )
    client = socket.create_connection((host, int(port)), timeout=timeout)
    client.sendall(head.encode() + data)
    return client


def held(base: str) -> dict[str, float]:
    """The held requests /metrics counts: kind (wait, stream) -> how many."""
    return {
        dict(labels)["kind"]: v
        for (name, labels), v in scrape(base).items()
        if name == "backprop_lab_held_requests"
    }
