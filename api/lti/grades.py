"""A student's finished round goes to the platform's gradebook: when an LTI learner session
with a line item finishes (api.learners' `when_finished`, once per session), its score is
recorded pending (worker/score_records.py, the session's id as the round's idempotency key)
and then the passback task is queued (worker/score_tasks.py). The record is written first, so
a score is never lost between the two; a second finish of the round writes and queues
nothing."""

from __future__ import annotations

from datetime import UTC, datetime

from redis import Redis

from worker.names import SEND_SCORE
from worker.score_records import ScoreRecord, ScoreRecords

from .. import learners
from ..jobs import services


def record_of(session: learners.Session, score: learners.Score) -> ScoreRecord | None:
    issuer = session.issuer
    if issuer.get("kind") != "lti" or not issuer.get("lineitem"):
        return None
    return ScoreRecord(
        round_id=session.sid,
        user_id=issuer["sub"],
        score_given=float(score.correct),
        score_maximum=float(score.count),
        timestamp=datetime.now(UTC).isoformat(timespec="milliseconds"),
        lineitem=issuer["lineitem"],
        token_url=issuer["token_url"],
        client_id=issuer["client_id"],
        audience=issuer["token_audience"],
    )


@learners.when_finished
def pass_back(client: Redis, session: learners.Session, score: learners.Score) -> None:
    record = record_of(session, score)
    if record is None or not ScoreRecords(client).create(record):
        return
    s = services()
    s.celery.send_task(SEND_SCORE, args=[record.round_id], queue=s.queues["interactive"])
