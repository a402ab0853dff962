"""Deep Linking 2.0: an instructor's deep-linking launch shows a small picker (the preset, a
digit or a random one, exercise kinds and count); its choice goes back to the platform as a
signed LtiDeepLinkingResponse with one ltiResourceLink whose custom parameters carry the
choice and whose `lineItem` makes the platform create a gradebook column for it.

The request's settings (return URL, `data`, deployment) wait in Redis for the picker's post
(`lti:deep-link:<id>`, LTI_LOGIN_SECONDS, taken once); the response JWT is signed with the
tool's current key (worker/tool_keys.py), `iss` our client id, `aud` the platform.
"""

from __future__ import annotations

import json
import secrets
import time
from html import escape
from typing import Any

from flask import Response, g, request, url_for

from model.presets import PRESETS
from worker import tool_keys
from worker.keyspace import PREFIX

from ..practice.schemas import KIND_NAMES
from . import choice, claims
from .forms import autopost, page, posting_origin
from .launch import Launch
from .refusals import LaunchRefused
from .tool import current

RESPONSE_SECONDS = 300


def _key(pick_id: str) -> str:
    return f"{PREFIX}lti:deep-link:{pick_id}"


def is_instructor(launch: Launch) -> bool:
    roles = launch.claims.get(claims.ROLES) or []
    return any(role in claims.INSTRUCTOR_ROLES for role in roles)


def picker(launch: Launch) -> Response:
    if not is_instructor(launch):
        raise LaunchRefused(
            "a deep-linking launch is for instructors: the launch names no instructor role",
            status=403,
            field="roles",
        )
    settings = launch.claims.get(claims.DL_SETTINGS)
    if not isinstance(settings, dict) or not settings.get("deep_link_return_url"):
        raise LaunchRefused(
            "the deep-linking launch has no deep_link_return_url", status=400, field="settings"
        )
    if "ltiResourceLink" not in settings.get("accept_types", ["ltiResourceLink"]):
        raise LaunchRefused(
            "the platform accepts no ltiResourceLink here", status=400, field="accept_types"
        )
    pending = {
        "issuer": launch.platform.issuer,
        "client_id": launch.platform.client_id,
        "deployment_id": launch.deployment_id,
        "return_url": settings["deep_link_return_url"],
        "data": settings.get("data"),
        "framed_by": posting_origin(),  # the platform's page that frames the picker
    }
    pick_id = secrets.token_urlsafe(18)
    tool = current()
    tool.redis.set(_key(pick_id), json.dumps(pending), ex=tool.settings.lti_login_seconds)
    return page("Choose what students practise", _picker_form(pick_id))  # framed by the poster


def _picker_form(pick_id: str) -> str:
    presets = "".join(
        f'<option value="{escape(p)}"{" selected" if p == "lesson-partly-trained" else ""}>'
        f"{escape(p)}</option>"
        for p in PRESETS
    )
    kinds = "".join(
        f'<label><input type="checkbox" name="kind" value="{escape(k)}" checked> '
        f"{escape(k)}</label><br>"
        for k in KIND_NAMES
    )
    action = escape(url_for("lti.deep_link_choice", pick_id=pick_id))
    return (
        f'<form id="picker" method="post" action="{action}">'
        f'<p><label for="preset">Network</label> <select id="preset" name="preset">{presets}'
        "</select></p><fieldset><legend>Digit</legend>"
        '<label><input type="radio" name="digit-mode" value="random" checked> '
        "a random one for each student</label><br>"
        '<label><input type="radio" name="digit-mode" value="fixed"> this one:</label> '
        '<input id="digit" name="digit" type="number" min="0" value="0" '
        'aria-label="digit index"></fieldset>'
        f"<fieldset><legend>Exercise kinds</legend>{kinds}</fieldset>"
        '<p><label for="count">Exercises in a round</label> '
        f'<input id="count" name="count" type="number" min="1" max="{choice.MOST}" value="5"></p>'
        '<p><button id="add" type="submit">Add to the course</button></p></form>'
    )


def chosen_from_form() -> choice.Choice:
    form = request.form
    values = {
        "preset": form.get("preset", ""),
        "digit": form.get("digit", "") if form.get("digit-mode") == "fixed" else choice.RANDOM,
        "kinds": ",".join(form.getlist("kind")),
        "count": form.get("count", ""),
    }
    return choice.parse(values, "the picker")


def response_claims(pending: dict[str, Any], chosen: choice.Choice) -> dict[str, Any]:
    now = int(time.time())
    item = {
        "type": "ltiResourceLink",
        "title": chosen.title,
        "url": url_for("lti.launch", _external=True),
        "custom": chosen.custom(),
        "lineItem": {
            "scoreMaximum": chosen.count,
            "label": chosen.title,
            "resourceId": "backprop-lab-" + secrets.token_hex(8),
            "tag": "backprop-lab",
        },
    }
    made = {
        "iss": pending["client_id"],
        "aud": pending["issuer"],
        "iat": now,
        "exp": now + RESPONSE_SECONDS,
        "nonce": secrets.token_urlsafe(16),
        claims.MESSAGE_TYPE: claims.DEEP_LINKING_RESPONSE,
        claims.VERSION: "1.3.0",
        claims.DEPLOYMENT_ID: pending["deployment_id"],
        claims.DL_CONTENT_ITEMS: [item],
    }
    if pending.get("data") is not None:
        made[claims.DL_DATA] = pending["data"]
    return made


def respond(pick_id: str) -> Response:
    """The picker's post: the signed response, posted on to the platform's return URL."""
    tool = current()
    raw = tool.redis.getdel(_key(pick_id))
    if raw is None:
        raise LaunchRefused(
            "this picker has expired or was used: open it again from the course",
            status=400,
            field="picker",
        )
    pending = json.loads(raw)
    g.frame_ancestors = pending["framed_by"]  # the picker's frame, not our own origin
    try:
        chosen = chosen_from_form()
    except LaunchRefused:
        tool.redis.set(_key(pick_id), raw, ex=tool.settings.lti_login_seconds)  # fix, resend
        raise
    token = tool_keys.sign(tool.redis, response_claims(pending, chosen))
    return autopost(pending["return_url"], {"JWT": token}, framed_by=pending["framed_by"])
