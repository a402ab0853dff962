"""The grade passback's records: one per learner and round (a learner session is one round),
written before anything is sent, so a score is never lost, and moved from `pending` to `sent`
or `failed` once, so it is never sent twice.

    lti:score:<round>          hash: state, the score, where it goes (line item, token URL,
                               client id, assertion audience), attempts, last_error, sent_at
    lti:score:<round>:sending  string: held while one task sends (SET NX, a minute)
    lti:scores:<state>         sets: the rounds in each state (for `backprop-lab lti scores`)

The record carries the platform's URLs and ids itself: the worker, which sends, knows nothing
of the API's platform registry.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, fields

from redis import Redis

from .keyspace import PREFIX

PENDING, SENT, FAILED = "pending", "sent", "failed"
STATES = (PENDING, SENT, FAILED)
KEEP_SECONDS = 30 * 24 * 3600
SENDING_SECONDS = 60
RAW = ("state", "last_error")  # kept as they are; the other fields as JSON

# create only if absent: the first finish of a round is its score
_CREATE = """
if redis.call('exists', KEYS[1]) == 1 then return 0 end
redis.call('hset', KEYS[1], unpack(ARGV, 2))
redis.call('expire', KEYS[1], ARGV[1])
redis.call('sadd', KEYS[2], KEYS[1])
return 1
"""
# pending -> sent|failed, once
_END = """
if redis.call('hget', KEYS[1], 'state') ~= 'pending' then return 0 end
redis.call('hset', KEYS[1], 'state', ARGV[1], 'last_error', ARGV[2], 'ended_at', ARGV[3])
redis.call('srem', KEYS[2], KEYS[1])
redis.call('sadd', KEYS[3], KEYS[1])
return 1
"""


@dataclass(frozen=True)
class ScoreRecord:
    round_id: str  # the idempotency key: one learner's one round
    user_id: str  # the launch's `sub`
    score_given: float
    score_maximum: float
    timestamp: str  # ISO 8601, when the round finished
    lineitem: str  # the AGS line item URL
    token_url: str
    client_id: str
    audience: str  # the client assertion's `aud`
    state: str = PENDING
    attempts: int = 0
    last_error: str = ""

    def score(self) -> dict:
        """The AGS score (application/vnd.ims.lis.v1.score+json)."""
        return {
            "userId": self.user_id,
            "scoreGiven": self.score_given,
            "scoreMaximum": self.score_maximum,
            "activityProgress": "Completed",
            "gradingProgress": "FullyGraded",
            "timestamp": self.timestamp,
        }


def key(round_id: str) -> str:
    return f"{PREFIX}lti:score:{round_id}"


def state_set(state: str) -> str:
    return f"{PREFIX}lti:scores:{state}"


class ScoreRecords:
    def __init__(self, redis: Redis):
        self.redis = redis

    def create(self, record: ScoreRecord) -> bool:
        """Write a round's record (pending) unless it has one; True if written now."""
        pairs = []
        for name, value in asdict(record).items():
            pairs += [name, value if name in RAW else json.dumps(value)]
        made = self.redis.eval(
            _CREATE, 2, key(record.round_id), state_set(PENDING), KEEP_SECONDS, *pairs
        )
        return bool(made)

    def get(self, round_id: str) -> ScoreRecord | None:
        raw = self.redis.hgetall(key(round_id))
        if not raw:
            return None
        known = {f.name for f in fields(ScoreRecord)}
        values = {k.decode(): v.decode() for k, v in raw.items()}
        return ScoreRecord(
            **{k: v if k in RAW else json.loads(v) for k, v in values.items() if k in known}
        )

    def attempt(self, round_id: str, error: str = "") -> int:
        """Count an attempt to send (and why the last failed); the attempts so far."""
        with self.redis.pipeline() as pipe:
            pipe.hincrby(key(round_id), "attempts", 1)
            pipe.hset(key(round_id), "last_error", error)
            return int(pipe.execute()[0])

    def end(self, round_id: str, state: str, error: str = "") -> bool:
        """pending -> `state` (sent or failed), once; False if it had ended already."""
        return bool(
            self.redis.eval(
                _END,
                3,
                key(round_id),
                state_set(PENDING),
                state_set(state),
                state,
                error,
                str(time.time()),
            )
        )

    def hold(self, round_id: str) -> bool:
        """Hold the round's sending for one task (a minute at most): False if another holds it."""
        return bool(self.redis.set(key(round_id) + ":sending", "1", nx=True, ex=SENDING_SECONDS))

    def release(self, round_id: str) -> None:
        self.redis.delete(key(round_id) + ":sending")

    def in_state(self, state: str) -> list[str]:
        prefix = key("")
        return sorted(
            k.decode().removeprefix(prefix) for k in self.redis.smembers(state_set(state))
        )
