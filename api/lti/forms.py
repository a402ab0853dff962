"""The tool's small pages: one with a title and a body, and the form that posts itself on
(its script a file of the tool's own, /lti/static/autopost.js, for a policy without inline
script; the button works without it)."""

from __future__ import annotations

from html import escape

from flask import Response, url_for


def page(title: str, body: str, status: int = 200) -> Response:
    html = (
        '<!doctype html><html lang="en"><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<link rel="icon" href="data:,">'
        f"<title>{escape(title)}</title><main><h1>{escape(title)}</h1>{body}</main></html>\n"
    )
    return Response(html, status=status, mimetype="text/html")


def autopost(action: str, fields: dict[str, str]) -> Response:
    inputs = "".join(
        f'<input type="hidden" name="{escape(k)}" value="{escape(v)}">' for k, v in fields.items()
    )
    script = escape(url_for("lti.static", filename="autopost.js"))
    body = (
        f'<form id="autopost" method="post" action="{escape(action)}">{inputs}'
        '<button type="submit">Continue</button></form>'
        f'<script src="{script}"></script>'
    )
    return page("Returning to the course", body)
