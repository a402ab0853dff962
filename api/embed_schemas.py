"""The shapes of signed embedding: embed tokens, learner sessions and their scores."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, field_validator

from .learners import Scope, ScopeFields

DEFAULT_PORTS = {"http": 80, "https": 443}
_LABEL = r"[a-z0-9]([a-z0-9-]*[a-z0-9])?"
_PORT = r"([1-9][0-9]{0,3}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5])"
# what the document says an origin is (the validator's words are the clearer refusal)
ORIGIN_PATTERN = rf"^https?://{_LABEL}(\.{_LABEL})*(:{_PORT})?$"
LEARNER = Field(
    min_length=1,
    max_length=255,
    pattern=r"^[!-~]+$",
    description="The platform's id of the learner (printable ASCII, no spaces; an LTI `sub`).",
)


def exact_origin(value: str) -> str:
    """An origin as a browser writes `event.origin`: scheme://host[:port], nothing after it."""
    parts = urlsplit(value)
    try:
        port = parts.port
    except ValueError:
        port = -1
    if (
        parts.scheme not in DEFAULT_PORTS
        or not parts.hostname
        or port == -1
        or parts.path not in ("", "/")
        or parts.query
        or parts.fragment
        or "@" in parts.netloc
    ):
        raise ValueError(
            "an origin is scheme://host[:port] (http or https) with nothing after it, "
            "e.g. https://course.example"
        )
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    shown = port is not None and port != DEFAULT_PORTS[parts.scheme]
    canonical = f"{parts.scheme}://{host}" + (f":{port}" if shown else "")
    if parts.path or value != value.lower():  # a trailing slash, capitals
        raise ValueError(f"write the origin as a browser does: {canonical}")
    return canonical  # a default port (https://a.example:443) is the origin without it


class EmbedTokenRequest(ScopeFields):
    """Who practises, in which page, on what: one learner, one origin, one job or preset."""

    learner: str = LEARNER
    origin: str = Field(
        max_length=300,
        json_schema_extra={"pattern": ORIGIN_PATTERN},
        description="The one origin that frames the page, exactly as the browser writes it: "
        "https://course.example, not https://course.example/ (localhost and 127.0.0.1 differ).",
    )
    expires_in: int | None = Field(
        None,
        ge=1,
        description="Seconds it may wait to be used: at most EMBED_TOKEN_SECONDS; by default "
        "120, or EMBED_TOKEN_SECONDS when that is less.",
    )

    _origin = field_validator("origin")(lambda cls, v: exact_origin(v))

    def scope(self) -> Scope:
        """The scope; a ValueError (learners.ONE_TARGET) without exactly one target."""
        return Scope(**self.model_dump(include=set(ScopeFields.model_fields)))


class ScopeOut(BaseModel):
    job_id: str | None = None
    preset: str | None = None
    digit: int | None = None
    kinds: str | None = None
    count: int


class EmbedToken(BaseModel):
    """A single-use token for one learner's framed page."""

    token: str = Field(description="Put it in the frame's URL (embed_url); it works once.")
    expires_in: int
    embed_url: str = Field(description="The page's URL for the iframe's src.")
    learner: str
    origin: str
    scope: ScopeOut


class EmbedSessionRequest(BaseModel):
    """The framed page presents its token, the origin it is framed by, and what it expects."""

    model_config = ConfigDict(extra="forbid")
    token: str = Field(min_length=1, max_length=200)
    origin: str = Field(
        max_length=300,
        json_schema_extra={"pattern": ORIGIN_PATTERN},
        description="The origin of the page that frames it.",
    )
    job_id: str | None = Field(None, max_length=64, description="The job it expects, if any.")
    preset: str | None = Field(None, max_length=64, description="The preset it expects, if any.")

    _origin = field_validator("origin")(lambda cls, v: exact_origin(v))


class LearnerSession(BaseModel):
    """A learner session: its credential goes in X-Learner-Session on each practice call."""

    session: str = Field(description="The credential: send it as X-Learner-Session.")
    sid: str = Field(description="The session's public id (in its receipts).")
    learner: str
    origin: str = Field(description="The one origin the page posts its messages to.")
    scope: ScopeOut
    expires: int = Field(description="When the session ends (Unix seconds).")


class Answered(BaseModel):
    job_id: str
    exercise: str
    correct: bool


class SessionScore(BaseModel):
    """A session's score so far, and its receipt: a JWT signed with the service's key."""

    sid: str
    learner: str
    origin: str
    scope: ScopeOut
    correct: int
    total: int = Field(description="Exercises answered (the first answer to each counts).")
    count: int = Field(description="Exercises in the round.")
    finished: bool
    answers: list[Answered]
    receipt: str = Field(
        description="RS256 JWT (kid in its header; keys at /.well-known/jwks.json): iss, sub "
        "(the learner), aud (the origin), sid, scope, correct, total, count, finished, answers "
        "(their ids), iat, jti."
    )


class LearnerScores(BaseModel):
    """A learner's live sessions opened with this API key, oldest first."""

    learner: str
    sessions: list[SessionScore]


class LearnerQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")
    learner: str = LEARNER


def scope_out(scope: Scope) -> dict[str, Any]:
    return scope.model_dump()
