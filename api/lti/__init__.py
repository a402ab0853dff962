"""backprop-lab as an LTI 1.3 tool (1EdTech LTI Core 1.3 with OIDC launches, Deep Linking 2.0,
Assignment and Grade Services 2.0), a small implementation on PyJWT (docs/lms.md says why):

    platforms.py      the registered platforms, in Redis
    platform_keys.py  their key sets, fetched and kept; an unknown kid refetches once
    logins.py         a login's state (bound to the browser) and nonce, the nonce's one use
    id_token.py       the launch's id_token validated
    launch.py         the launch's checks in order -> a Launch
    handlers.py       what a launch opens, by message type
    choice.py         the instructor's choice: picker form, custom parameters, session scope
    resource_launch.py  a student's launch: a learner session, then the page's practice view
    deep_linking.py   the instructor's picker and the signed LtiDeepLinkingResponse
    grades.py         a finished round: its score recorded, then the passback task queued
    forms.py          the small pages and the self-posting form
    refusals.py       a refused launch: a page for a browser, else a problem document
    views.py          /lti/login and /lti/launch
"""

from __future__ import annotations

from flask import Flask
from redis import Redis

from worker.settings import Settings

from . import tool
from .views import lti


def init(app: Flask, settings: Settings, redis: Redis) -> None:
    tool.attach(app, settings, redis)
    app.register_blueprint(lti)
