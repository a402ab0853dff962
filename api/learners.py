"""Learner sessions: one learner practising in one framed page, scored by the service.

A session binds a learner id (chosen by the platform), the one origin that frames the page, a
scope (one job, or one preset, and the practice settings) and its issuer: `{"kind": "embed"}`
for a signed embed token, or `{"kind": "lti", ...}` with the launch's platform, deployment,
resource link and line item (opaque here). `open_session` makes one and returns its credential,
a random secret the framed page sends as `X-Learner-Session`; Redis keeps the session under the
credential's SHA-256 (its id, `sid`), never the credential itself, for `ttl` seconds.

Every answer the service checks for the session is recorded (`record_answer`): the first answer
to an exercise counts, a second one to the same exercise changes nothing, so a score cannot be
raised by answering until right. `score` is the count so far; a round is finished when
`scope.count` exercises are answered, and then each `when_finished` hook runs once for the
session (for an LTI session, the grade passback). `when_answered` hooks run after each counted
answer. A hook's exception is logged, never the learner's error.

Keys (under worker.keyspace.PREFIX): `learner-session:<sid>` (JSON), `...:<sid>:answers` (hash
job/exercise -> JSON), `...:<sid>:order` (list, the order answered), `...:<sid>:jobs` (set: the
jobs a preset session ran), `...:<sid>:finished` (flag), `learner:<owner>:<learner>` (sorted
set: a learner's sessions for the platform's key, by start time).
"""

from __future__ import annotations

import hashlib
import json
import logging
import secrets
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any, Literal

import redis
from pydantic import BaseModel, ConfigDict, Field, model_validator

from model.presets import PRESETS
from worker.keyspace import PREFIX

from .practice.schemas import KINDS_PATTERN

log = logging.getLogger(__name__)
MAX_COUNT = 50
ONE_TARGET = "give exactly one of job_id and preset"


PresetName = Literal[tuple(PRESETS)]


class ScopeFields(BaseModel):
    """What a session may practise on: one succeeded job, or jobs of one preset, and how."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    job_id: str | None = Field(None, max_length=64, description="Practise on this job only.")
    preset: PresetName | None = Field(None, description="Or: practise on jobs of this preset.")
    digit: int | None = Field(None, ge=0, description="The example the preset's job runs on.")
    kinds: str | None = Field(
        None, pattern=KINDS_PATTERN, description="Comma-separated exercise kinds; null: all."
    )
    count: int = Field(5, ge=1, le=MAX_COUNT, description="Exercises in a round (the grade's).")


class Scope(ScopeFields):
    """A session's scope: exactly one of job_id and preset (ONE_TARGET otherwise)."""

    @model_validator(mode="after")
    def _one_target(self) -> Scope:
        if (self.job_id is None) == (self.preset is None):
            raise ValueError(ONE_TARGET)
        return self


@dataclass(frozen=True)
class Session:
    sid: str
    learner: str
    origin: str
    scope: Scope
    issuer: dict[str, Any]  # {"kind": "embed"} or {"kind": "lti", ...}
    owner: str | None  # the platform's API key's owner id (api.clients); None with keys off
    created: float
    expires: float

    def public(self) -> dict[str, Any]:
        """What the framed page and the platform may see (the issuer's details stay here)."""
        return {
            "sid": self.sid,
            "learner": self.learner,
            "origin": self.origin,
            "scope": self.scope.model_dump(exclude_none=True),
            "issuer": self.issuer["kind"],
            "expires": int(self.expires),
        }


@dataclass(frozen=True)
class Score:
    correct: int
    total: int
    count: int  # the round's length (scope.count)
    answers: list[dict[str, Any]]  # {"job_id", "exercise", "correct"} in the order answered

    @property
    def finished(self) -> bool:
        return self.total >= self.count


def sid_of(credential: str) -> str:
    return hashlib.sha256(credential.encode()).hexdigest()[:32]


def _key(sid: str, part: str = "") -> str:
    return f"{PREFIX}learner-session:{sid}{':' + part if part else ''}"


def _index(owner: str | None, learner: str) -> str:
    return f"{PREFIX}learner:{owner or '-'}:{learner}"


def open_session(
    client: redis.Redis,
    *,
    learner: str,
    origin: str,
    scope: Scope,
    issuer: dict[str, Any],
    owner: str | None,
    ttl: int,
) -> tuple[str, Session]:
    """A new session; returns (its credential, for the framed page only; the session)."""
    if "kind" not in issuer:
        raise ValueError("an issuer names its kind: embed or lti")
    credential = secrets.token_urlsafe(32)
    now = time.time()
    session = Session(sid_of(credential), learner, origin, scope, issuer, owner, now, now + ttl)
    record = {**asdict(session), "scope": scope.model_dump()}
    with client.pipeline() as pipe:
        pipe.set(_key(session.sid), json.dumps(record), ex=ttl)
        pipe.zadd(_index(owner, learner), {session.sid: now})
        pipe.expire(_index(owner, learner), ttl)
        pipe.execute()
    return credential, session


def find(client: redis.Redis, credential: str) -> Session | None:
    """The live session of a credential, None for an unknown or expired one."""
    return by_sid(client, sid_of(credential)) if credential else None


def by_sid(client: redis.Redis, sid: str) -> Session | None:
    raw = client.get(_key(sid))
    if raw is None:
        return None
    record = json.loads(raw)
    return Session(**{**record, "scope": Scope(**record["scope"])})


def of_learner(client: redis.Redis, owner: str | None, learner: str) -> list[Session]:
    """A learner's live sessions opened with this platform key, oldest first."""
    sids = client.zrange(_index(owner, learner), 0, -1)
    found = (by_sid(client, s if isinstance(s, str) else s.decode()) for s in sids)
    return [s for s in found if s is not None]


# -- the jobs a preset session ran (a job session has its one job)


def add_job(client: redis.Redis, session: Session, job_id: str) -> None:
    with client.pipeline() as pipe:
        pipe.sadd(_key(session.sid, "jobs"), job_id)
        pipe.expireat(_key(session.sid, "jobs"), int(session.expires) + 1)
        pipe.execute()


def may_use_job(client: redis.Redis, session: Session, job_id: str) -> bool:
    if session.scope.job_id is not None:
        return job_id == session.scope.job_id
    return bool(client.sismember(_key(session.sid, "jobs"), job_id))


# -- answers and the score

# the first answer to an exercise counts: HSETNX, and the order list grows only then
_RECORD = """
if redis.call('hsetnx', KEYS[1], ARGV[1], ARGV[2]) == 0 then return 0 end
redis.call('rpush', KEYS[2], ARGV[1])
redis.call('expireat', KEYS[1], ARGV[3])
redis.call('expireat', KEYS[2], ARGV[3])
return 1
"""

Hook = Callable[[redis.Redis, Session, Score], None]
_ANSWERED: list[Hook] = []
_FINISHED: list[Hook] = []


def when_answered(hook: Hook) -> Hook:
    """Run `hook(client, session, score)` after each answer that counts."""
    _ANSWERED.append(hook)
    return hook


def when_finished(hook: Hook) -> Hook:
    """Run `hook(client, session, score)` once, when the session's round is finished."""
    _FINISHED.append(hook)
    return hook


def record_answer(
    client: redis.Redis, session: Session, job_id: str, exercise_id: str, correct: bool
) -> Score:
    """Count the session's answer to an exercise (only its first); the score after it."""
    name = f"{job_id}/{exercise_id}"
    answer = json.dumps({"job_id": job_id, "exercise": exercise_id, "correct": bool(correct)})
    keys = (_key(session.sid, "answers"), _key(session.sid, "order"))
    counted = client.eval(_RECORD, 2, *keys, name, answer, int(session.expires) + 1)
    now = score(client, session)
    if counted:
        _run(_ANSWERED, client, session, now)
        if now.finished and client.set(
            _key(session.sid, "finished"), "1", nx=True, exat=int(session.expires) + 1
        ):
            _run(_FINISHED, client, session, now)
    return now


def score(client: redis.Redis, session: Session) -> Score:
    """The session's answers so far (the first to each exercise), in the order answered."""
    keys = (_key(session.sid, "answers"), _key(session.sid, "order"))
    with client.pipeline() as pipe:
        pipe.lrange(keys[1], 0, -1)
        pipe.hgetall(keys[0])
        order, answers = pipe.execute()
    listed = [json.loads(answers[name]) for name in order if name in answers]
    right = sum(a["correct"] for a in listed)
    return Score(right, len(listed), session.scope.count, listed)


def _run(hooks: list[Hook], client: redis.Redis, session: Session, now: Score) -> None:
    for hook in hooks:
        try:
            hook(client, session, now)
        except Exception:
            log.exception("a learner session hook failed (session %s)", session.sid)
