"""The launch's checks, in order: the form's `state` is the one in the browser's cookie (set by
its login), the id_token is valid (api/lti/id_token.py), its nonce is used for the first time,
and it is the nonce of that state's login, which is taken once. What passes is a `Launch`."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from flask import Request

from . import claims, id_token, logins
from .platforms import Platform
from .refusals import LaunchRefused
from .tool import Tool


@dataclass(frozen=True)
class Launch:
    platform: Platform
    claims: dict[str, Any]
    login: logins.Login

    @property
    def message_type(self) -> str:
        return self.claims.get(claims.MESSAGE_TYPE, "")

    @property
    def deployment_id(self) -> str:
        return self.claims[claims.DEPLOYMENT_ID]

    @property
    def sub(self) -> str:
        return self.claims["sub"]


def form_field(request: Request, name: str) -> str:
    value = request.form.get(name, "")
    if not value:
        raise LaunchRefused(f"the launch has no {name}", status=400, field=name)
    return value


def accept(request: Request, tool: Tool) -> Launch:
    """The launch of this request, or LaunchRefused: nothing is stored for a refused one
    except the nonce of a valid token (so that it cannot be used again)."""
    state = form_field(request, "state")
    cookie = request.cookies.get(logins.COOKIE + state)
    if cookie != state:
        raise LaunchRefused(
            "the launch's state was not made by a login in this browser", status=403, field="state"
        )
    token = form_field(request, "id_token")
    settings = tool.settings
    verified = id_token.validate(token, tool.registry, tool.keys, settings.lti_clock_skew)
    platform = id_token.platform_of(tool.registry, verified)
    left = verified["exp"] + settings.lti_clock_skew - time.time()
    if not logins.use_nonce(tool.redis, platform.issuer, str(verified["nonce"]), int(left) + 1):
        raise LaunchRefused("the id_token's nonce has been used before", field="nonce")
    login = logins.take(tool.redis, state)
    if login is None:
        raise LaunchRefused("the login of this state has expired or was used", field="state")
    if (login.issuer, login.client_id) != (platform.issuer, platform.client_id):
        raise LaunchRefused("the id_token is from another platform than the login", field="iss")
    if verified["nonce"] != login.nonce:
        raise LaunchRefused("the id_token's nonce is not its login's", field="nonce")
    return Launch(platform, verified, login)
