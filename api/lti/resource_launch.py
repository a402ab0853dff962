"""A student's resource link launch: an embed token (api/embed_tokens.py) for the launch's
`sub`, the platform's origin and what the instructor chose (the link's custom parameters,
api/lti/choice.py), carrying the issuer's details the grade passback needs (platform,
deployment, the AGS line item, `sub`); then the page in embed mode at the practice view with
those settings. The page exchanges the token, once, for its learner session, as a signed embed
does: the same scope, the same frame-ancestors (the platform's origin), the same score
receipts."""

from __future__ import annotations

import hashlib
from urllib.parse import urlencode, urlsplit

from flask import Response, redirect, request

from .. import embed_tokens, learners
from . import choice, claims
from .launch import Launch
from .tool import current

DEFAULT = {"preset": "lesson-partly-trained", "digit": choice.RANDOM, "count": "5"}
TOKEN_SECONDS = 120  # the browser follows the redirect at once; EMBED_TOKEN_SECONDS if less


def owner_of(launch: Launch) -> str:
    """Whose jobs a platform's students run: the platform's own owner id (api.clients)."""
    name = f"lti {launch.platform.issuer} {launch.platform.client_id}"
    return "lti-" + hashlib.sha256(name.encode()).hexdigest()[:28]


def lineitem_of(launch: Launch) -> str:
    """The AGS line item to grade, if the platform lets the tool post scores to it."""
    endpoint = launch.claims.get(claims.AGS_ENDPOINT) or {}
    if not isinstance(endpoint, dict) or claims.SCOPE_SCORE not in endpoint.get("scope", []):
        return ""
    lineitem = endpoint.get("lineitem")
    return lineitem if isinstance(lineitem, str) else ""


def origin_of(launch: Launch) -> str:
    """The platform's origin: the launch form's Origin, else its issuer's."""
    given = request.headers.get("Origin", "")
    if given and given != "null":
        return given
    parts = urlsplit(launch.platform.issuer)
    return f"{parts.scheme}://{parts.netloc}"


def page_url(scope: learners.Scope, token: str, origin: str) -> str:
    """The page's URL form (docs/page.md): embed mode, its token and origin, the settings."""
    query = {"embed": 1, "embed_token": token, "origin": origin}
    query |= {"preset": scope.preset, "digit": scope.digit, "view": "practice"}
    query |= {"kinds": scope.kinds} if scope.kinds else {}
    return "/?" + urlencode(query | {"count": scope.count})


def open_practice(launch: Launch) -> Response:
    custom = launch.claims.get(claims.CUSTOM) or {}
    values = {k: str(v) for k, v in custom.items()} if isinstance(custom, dict) else {}
    chosen = choice.parse(values if "preset" in values else DEFAULT, "the link's custom parameters")
    scope = chosen.scope()
    link = launch.claims.get(claims.RESOURCE_LINK) or {}
    tool = current()
    origin = origin_of(launch)
    token = embed_tokens.issue(
        tool.redis,
        learner=launch.sub,
        origin=origin,
        scope=scope,
        issuer={
            "kind": "lti",
            "platform": launch.platform.issuer,
            "client_id": launch.platform.client_id,
            "deployment_id": launch.deployment_id,
            "resource_link": link.get("id", "") if isinstance(link, dict) else "",
            "lineitem": lineitem_of(launch),
            "sub": launch.sub,
            "token_url": launch.platform.token_url,
            "token_audience": launch.platform.assertion_audience,
        },
        owner=owner_of(launch),
        expires_in=min(TOKEN_SECONDS, tool.settings.embed_token_seconds),
    )
    return redirect(page_url(scope, token, origin), code=303)
