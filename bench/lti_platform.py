"""An offline course platform for the LTI tests and bench/lti.py, over real HTTP on loopback:
its own RSA keys and key set URL, the start of a launch (a form the browser posts to the tool's
login), the OIDC authorization endpoint that answers with the id_token, a token endpoint that
checks the tool's client assertion against the tool's JWKS, and a score endpoint that records
what it receives.

A test says what a launch carries (`platform.offer(...)`: its claims and how its token is
made, e.g. with an expired `exp` or an HS256 signature) and what the token and score endpoints
answer (`platform.token_answers`, `platform.score_answers`: statuses served before the good
answer).
"""

from __future__ import annotations

import json
import secrets
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from html import escape
from html.parser import HTMLParser
from typing import Any

import jwt
import requests
from cryptography.hazmat.primitives.asymmetric import rsa
from flask import Flask, Response, abort, jsonify, request
from jwt.algorithms import RSAAlgorithm

LTI = "https://purl.imsglobal.org/spec/lti/claim/"
CLIENT_ID = "backprop-lab-at-fake"
DEPLOYMENT = "deployment-1"
MEMBERSHIP = "http://purl.imsglobal.org/vocab/lis/v2/membership#"


def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def public_jwk(key: rsa.RSAPrivateKey, kid: str) -> dict[str, Any]:
    jwk = json.loads(RSAAlgorithm.to_jwk(key.public_key()))
    return {**jwk, "kid": kid, "alg": "RS256", "use": "sig"}


def signed(claims: dict[str, Any], key: Any, kid: str, alg: str = "RS256") -> str:
    return jwt.encode(claims, key, algorithm=alg, headers={"kid": kid})


@dataclass
class Offer:
    """What one launch (its login_hint) carries: claims over the platform's usual ones, and
    `token(claims, platform) -> str` to make the id_token another way than the usual."""

    claims: dict[str, Any]
    token: Callable[[dict[str, Any], FakePlatform], str] | None = None


@dataclass
class FakePlatform:
    url: str = ""
    tool_url: str = ""
    key: rsa.RSAPrivateKey = field(default_factory=rsa_key)
    kid: str = "platform-key-1"
    offers: dict[str, Offer] = field(default_factory=dict)
    tokens_issued: list[str] = field(default_factory=list)  # id_tokens, in order
    jwks_fetches: int = 0
    token_requests: list[dict[str, Any]] = field(default_factory=list)  # verified assertions
    token_answers: list[int] = field(default_factory=list)  # statuses to give first
    scores: list[dict[str, Any]] = field(default_factory=list)  # every score POST received
    score_answers: list[int | tuple[int, str]] = field(default_factory=list)  # (status, after)
    deep_link_returns: list[dict[str, Any]] = field(default_factory=list)  # verified JWTs
    access_tokens: set[str] = field(default_factory=set)

    def forget_grades(self) -> None:
        """No scores, token requests or planned answers: a test's own start."""
        for found in (self.scores, self.token_requests, self.token_answers, self.score_answers):
            found.clear()
        self.access_tokens.clear()

    @property
    def issuer(self) -> str:
        return self.url

    def registration(self) -> dict[str, Any]:
        """The values an administrator gives `backprop-lab lti add-platform`."""
        return {
            "issuer": self.issuer,
            "client_id": CLIENT_ID,
            "deployment_ids": (DEPLOYMENT,),
            "jwks_url": self.url + "/jwks",
            "login_url": self.url + "/auth",
            "token_url": self.url + "/token",
        }

    def offer(self, claims: dict[str, Any] | None = None, token=None) -> str:
        """A launch to start at `start_url(hint)`; its login_hint."""
        hint = "user-" + secrets.token_hex(4)
        self.offers[hint] = Offer(claims or {}, token)
        return hint

    def start_url(self, hint: str) -> str:
        return f"{self.url}/start/{hint}"

    def claims(self, hint: str, nonce: str) -> dict[str, Any]:
        now = int(time.time())
        base = {
            "iss": self.issuer,
            "aud": CLIENT_ID,
            "sub": "sub-" + hint,
            "exp": now + 300,
            "iat": now,
            "nonce": nonce,
            LTI + "message_type": "LtiResourceLinkRequest",
            LTI + "version": "1.3.0",
            LTI + "deployment_id": DEPLOYMENT,
            LTI + "target_link_uri": self.tool_url + "/lti/launch",
            LTI + "resource_link": {"id": "link-1"},
            LTI + "roles": [MEMBERSHIP + "Learner"],
        }
        return {**base, **self.offers[hint].claims}

    def id_token(self, hint: str, nonce: str) -> str:
        claims = self.claims(hint, nonce)
        made = self.offers[hint].token
        token = made(claims, self) if made else signed(claims, self.key, self.kid)
        self.tokens_issued.append(token)
        return token

    def tool_keys(self) -> jwt.PyJWKSet:
        reply = requests.get(self.tool_url + "/.well-known/jwks.json", timeout=10)
        reply.raise_for_status()
        return jwt.PyJWKSet.from_dict(reply.json())

    def verify_tool_jwt(self, token: str, audience: str) -> dict[str, Any]:
        kid = jwt.get_unverified_header(token)["kid"]
        key = self.tool_keys()[kid]
        return jwt.decode(token, key, algorithms=["RS256"], audience=audience)


def autopost(action: str, fields: dict[str, str]) -> Response:
    inputs = "".join(
        f'<input type="hidden" name="{escape(k)}" value="{escape(v)}">' for k, v in fields.items()
    )
    body = (
        '<!doctype html><html><head><link rel="icon" href="data:,"></head><body>'
        f'<form id="go" method="post" action="{escape(action)}">'
        f'{inputs}<button type="submit">Continue</button></form>'
        "<script>document.getElementById('go').submit()</script></body></html>"
    )
    return Response(body, mimetype="text/html")


def app_of(platform: FakePlatform) -> Flask:
    app = Flask("fake_platform")

    @app.get("/jwks")
    def jwks():
        platform.jwks_fetches += 1
        return jsonify({"keys": [public_jwk(platform.key, platform.kid)]})

    @app.get("/start/<hint>")
    def start(hint: str):
        return autopost(
            platform.tool_url + "/lti/login",
            {
                "iss": platform.issuer,
                "login_hint": hint,
                "target_link_uri": platform.tool_url + "/lti/launch",
                "lti_message_hint": "message-" + hint,
                "client_id": CLIENT_ID,
                "lti_deployment_id": DEPLOYMENT,
            },
        )

    @app.route("/auth", methods=["GET", "POST"])
    def auth():
        values = request.values
        wanted = {
            "scope": "openid",
            "response_type": "id_token",
            "response_mode": "form_post",
            "prompt": "none",
            "client_id": CLIENT_ID,
        }
        for name, value in wanted.items():
            if values.get(name) != value:
                abort(400, f"{name} must be {value}")
        hint = values["login_hint"]
        if hint not in platform.offers or values.get("lti_message_hint") != "message-" + hint:
            abort(400, "unknown login_hint")
        token = platform.id_token(hint, values["nonce"])
        return autopost(values["redirect_uri"], {"id_token": token, "state": values["state"]})

    @app.post("/token")
    def token():
        form = request.form
        if platform.token_answers:
            return jsonify({"error": "temporarily_unavailable"}), platform.token_answers.pop(0)
        if form.get("grant_type") != "client_credentials" or form.get("client_assertion_type") != (
            "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
        ):
            return jsonify({"error": "unsupported_grant_type"}), 400
        try:
            assertion = platform.verify_tool_jwt(form["client_assertion"], platform.url + "/token")
        except (jwt.PyJWTError, KeyError) as error:
            return jsonify({"error": "invalid_client", "error_description": str(error)}), 401
        if assertion.get("iss") != CLIENT_ID or assertion.get("sub") != CLIENT_ID:
            return jsonify({"error": "invalid_client"}), 401
        platform.token_requests.append({**assertion, "scope": form.get("scope", "")})
        access = secrets.token_urlsafe(16)
        platform.access_tokens.add(access)
        return jsonify({"access_token": access, "token_type": "Bearer", "expires_in": 3600})

    @app.post("/lineitems/<item>/scores")
    def score(item: str):
        bearer = request.headers.get("Authorization", "").removeprefix("Bearer ")
        received = {
            "item": item,
            "content_type": request.content_type,
            "authorized": bearer in platform.access_tokens,
            "body": request.get_json(force=True, silent=True),
            "at": time.monotonic(),
        }
        platform.scores.append(received)
        if platform.score_answers:
            answer = platform.score_answers.pop(0)
            status, after = answer if isinstance(answer, tuple) else (answer, "")
            headers = {"Retry-After": after} if after else {}
            return Response("", status=status, headers=headers)
        if not received["authorized"]:
            return Response("", status=401)
        return Response("", status=200)

    @app.post("/deep-link-return")
    def deep_link_return():
        verified = platform.verify_tool_jwt(request.form["JWT"], platform.issuer)
        platform.deep_link_returns.append(verified)
        return Response(
            '<!doctype html><link rel="icon" href="data:,">'
            f'<p id="returned">{len(platform.deep_link_returns)}</p>',
            mimetype="text/html",
        )

    return app


@contextmanager
def fake_platform(tool_url: str) -> Iterator[FakePlatform]:
    """The platform over HTTP on loopback, in a thread of this process."""
    from werkzeug.serving import make_server

    platform = FakePlatform(tool_url=tool_url)
    server = make_server("127.0.0.1", 0, app_of(platform), threaded=True)
    platform.url = f"http://127.0.0.1:{server.server_port}"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield platform
    finally:
        server.shutdown()


class _Form(HTMLParser):
    def __init__(self):
        super().__init__()
        self.action, self.fields = "", {}

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.action = a.get("action", "")
        if tag == "input" and a.get("name"):
            self.fields[a["name"]] = a.get("value", "")


def form_of(html: str) -> tuple[str, dict[str, str]]:
    parsed = _Form()
    parsed.feed(html)
    return parsed.action, parsed.fields


def launch_over_http(session: requests.Session, platform: FakePlatform, hint: str):
    """What a browser does with the platform's forms, with `session` as its cookie jar: start,
    post to the tool's login, follow to the platform's authorization, post the launch. The
    launch's answer (redirects not followed) and the form it posted."""
    action, fields = form_of(session.get(platform.start_url(hint), timeout=10).text)
    login = session.post(action, data=fields, allow_redirects=False, timeout=10)
    if login.status_code != 302:  # a check kept under -O
        raise AssertionError(f"the tool's login answered {login.status_code}: {login.text}")
    action, fields = form_of(session.get(login.headers["Location"], timeout=10).text)
    # the platform's page posts the launch: a browser sends its Origin
    return post_launch(session, action, fields, headers={"Origin": platform.url}), fields


def post_launch(session: requests.Session, action: str, fields: dict[str, str], **kw):
    headers = {"Accept": "application/problem+json, text/html;q=0.5", **kw.pop("headers", {})}
    return session.post(
        action, data=fields, allow_redirects=False, timeout=10, headers=headers, **kw
    )


def new_id() -> str:
    return uuid.uuid4().hex
