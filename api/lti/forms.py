"""The tool's small pages: one with a title and a body, and the form that posts itself on
(its script a file of the tool's own, /lti/static/autopost.js, for a policy without inline
script; the button works without it).

The platform shows them in its window or in a frame of its own: a page may be framed by the
platform's origin (the launch form's Origin) and the self-posting form may post to its
target's origin; the rest of the policy is api/security_headers.py's."""

from __future__ import annotations

from html import escape
from urllib.parse import urlsplit

from flask import Response, g, request, url_for

from ..embed_schemas import exact_origin


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def posting_origin() -> str:
    """The origin whose page posted this request (the platform's, for a launch), or ''."""
    try:
        return exact_origin(request.headers.get("Origin", ""))
    except ValueError:
        return ""


def page(title: str, body: str, status: int = 200, framed_by: str = "") -> Response:
    framed_by = framed_by or posting_origin()
    if framed_by:
        g.frame_ancestors = framed_by
    html = (
        '<!doctype html><html lang="en"><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<link rel="icon" href="data:,">'
        f"<title>{escape(title)}</title><main><h1>{escape(title)}</h1>{body}</main></html>\n"
    )
    return Response(html, status=status, mimetype="text/html")


def autopost(action: str, fields: dict[str, str], framed_by: str = "") -> Response:
    g.form_targets = (origin_of(action),)
    inputs = "".join(
        f'<input type="hidden" name="{escape(k)}" value="{escape(v)}">' for k, v in fields.items()
    )
    script = escape(url_for("lti.static", filename="autopost.js"))
    body = (
        f'<form id="autopost" method="post" action="{escape(action)}">{inputs}'
        '<button type="submit">Continue</button></form>'
        f'<script src="{script}"></script>'
    )
    return page("Returning to the course", body, framed_by=framed_by)
