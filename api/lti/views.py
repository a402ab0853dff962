"""The tool's LTI endpoints, browser endpoints of the LTI 1.3 flow and not of the JSON API
(they take form posts and answer pages and redirects; no API key, no OpenAPI entry):

    GET|POST /lti/login   OIDC third-party login initiation from the platform: keep a state
                          and a nonce, send the browser to the platform's authorization URL
    POST     /lti/launch  the platform's form post of id_token and state: validate, then
                          dispatch on the message type
    POST     /lti/deep-link/<id>  the instructor's choice in the deep-linking picker
"""

from __future__ import annotations

from urllib.parse import urlencode, urlsplit

from flask import Blueprint, Response, redirect, request, url_for

from . import deep_linking, grades, handlers, logins  # noqa: F401 (grades: its hook)
from .launch import accept
from .platforms import Platform
from .refusals import LaunchRefused, answer
from .tool import current

lti = Blueprint("lti", __name__, url_prefix="/lti", static_folder="static")
lti.register_error_handler(LaunchRefused, answer)
LOOPBACK = ("127.0.0.1", "localhost", "::1")


def _platform(values) -> Platform:
    issuer, client_id = values.get("iss", ""), values.get("client_id", "")
    if not issuer:
        raise LaunchRefused("the login has no issuer (iss)", status=400, field="iss")
    registry = current().registry
    found = [p for p in registry.of_issuer(issuer) if not client_id or p.client_id == client_id]
    if not found:
        raise LaunchRefused(
            f"no platform is registered with issuer {issuer!r}"
            + (f" and client id {client_id!r}" if client_id else ""),
            status=400,
            field="iss",
        )
    if len(found) > 1:
        raise LaunchRefused(
            f"several client ids are registered for {issuer!r}: the login must name one",
            status=400,
            field="client_id",
        )
    deployment = values.get("lti_deployment_id")
    if deployment and deployment not in found[0].deployment_ids:
        raise LaunchRefused(
            f"the deployment {deployment!r} is not registered for this platform",
            status=403,
            field="lti_deployment_id",
        )
    return found[0]


@lti.route("/login", methods=["GET", "POST"])
def login() -> Response:
    values = request.values
    platform = _platform(values)
    if not values.get("login_hint"):
        raise LaunchRefused("the login has no login_hint", status=400, field="login_hint")
    target = values.get("target_link_uri") or url_for("lti.launch", _external=True)
    tool = current()
    made = logins.begin(
        tool.redis, platform.issuer, platform.client_id, target, tool.settings.lti_login_seconds
    )
    query = {
        "scope": "openid",
        "response_type": "id_token",
        "response_mode": "form_post",
        "prompt": "none",
        "client_id": platform.client_id,
        "redirect_uri": url_for("lti.launch", _external=True),
        "login_hint": values["login_hint"],
        "state": made.state,
        "nonce": made.nonce,
    }
    if values.get("lti_message_hint"):
        query["lti_message_hint"] = values["lti_message_hint"]
    separator = "&" if urlsplit(platform.login_url).query else "?"
    response = redirect(platform.login_url + separator + urlencode(query))
    # the launch comes back as a cross-site form post: SameSite=None, which needs Secure; on a
    # loopback address (tests, a laptop) over plain HTTP, Lax (ports do not make a site)
    secure = request.host.rsplit(":", 1)[0].strip("[]") not in LOOPBACK
    response.set_cookie(
        logins.COOKIE + made.state,
        made.state,
        max_age=tool.settings.lti_login_seconds,
        path="/lti/",
        secure=secure,
        httponly=True,
        samesite="None" if secure else "Lax",
    )
    return response


@lti.post("/launch")
def launch() -> Response:
    state = request.form.get("state", "")
    response = handlers.handle(accept(request, current()))
    if state:
        response.delete_cookie(logins.COOKIE + state, path="/lti/")
    return response


@lti.post("/deep-link/<pick_id>")
def deep_link_choice(pick_id: str) -> Response:
    return deep_linking.respond(pick_id)
