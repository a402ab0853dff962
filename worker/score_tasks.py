"""The grade passback task: thin. It reads the round's record (worker/score_records.py), sends
it once it holds it (worker/ags_client.py), and records the end: sent, or failed after
LTI_SCORE_ATTEMPTS tries or at once for an answer a retry cannot mend. A 429, a 5xx or no
answer is tried again after the platform's Retry-After or LTI_SCORE_RETRY_SECONDS doubled each
time; a record already sent or failed is never sent again, however often the task runs.

One gap remains, as for any sender without the receiver's help: a worker lost between the
platform's 200 and the record's `sent` sends again when its message is redelivered. An AGS
score with the same timestamp replaces itself at the platform, so the gradebook still holds one
score.
"""

from __future__ import annotations

from functools import cache

from celery import shared_task
from redis import Redis

from . import ags_client
from .names import SEND_SCORE
from .score_records import FAILED, PENDING, SENT, ScoreRecords

LONGEST_WAIT = 3600.0  # seconds: a Retry-After beyond it waits this long


@cache
def _redis(url: str) -> Redis:
    return Redis.from_url(url)


@shared_task(name=SEND_SCORE, bind=True, max_retries=None)
def send_score(self, round_id: str) -> str:
    settings = self.app.settings
    records = ScoreRecords(_redis(settings.redis_url))
    record = records.get(round_id)
    if record is None or record.state != PENDING:
        return record.state if record else "missing"
    if not records.hold(round_id):  # another task sends it now
        raise self.retry(countdown=settings.lti_score_retry_seconds)
    try:
        outcome = ags_client.send(records.redis, record)
    finally:
        records.release(round_id)
    if isinstance(outcome, ags_client.Sent):
        records.end(round_id, SENT)
        return SENT
    attempts = records.attempt(round_id, outcome.reason)
    if isinstance(outcome, ags_client.Failed) or attempts >= settings.lti_score_attempts:
        records.end(round_id, FAILED, outcome.reason)
        return FAILED
    wait = outcome.after
    if wait is None:
        wait = settings.lti_score_retry_seconds * 2 ** (attempts - 1)
    raise self.retry(countdown=min(wait, LONGEST_WAIT))
