"""The one check of a problem+json answer (RFC 9457) that the API tests share."""

from __future__ import annotations


def problem(reply, status: int) -> dict:
    assert reply.status_code == status, reply.get_data(as_text=True)
    assert reply.mimetype == "application/problem+json"
    body = reply.get_json()
    assert body["type"] and body["status"] == status and body["title"] and body["detail"]
    return body
