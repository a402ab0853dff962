"""The grade passback against the fake platform, sent by a real worker over real HTTP: 401,
429 and 5xx are tried again (Retry-After honoured, 401 with a new token once) and then the
round is recorded failed; a score sent is never sent again, however often its task runs. The
fake platform counts what it received."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

import pytest

from bench.lti_platform import CLIENT_ID
from tests.support.lti_service import PREFIX, lti_service
from tests.support.processes import sender_app
from tests.support.waiting import PATIENCE, wait_until
from worker.names import SEND_SCORE
from worker.queues import INTERACTIVE, names
from worker.score_records import FAILED, SENT, ScoreRecord, ScoreRecords

ATTEMPTS = 3


@pytest.fixture(scope="module")
def service(redis_url, tmp_path_factory):
    folder = tmp_path_factory.mktemp("lti-passback")
    env = {"LTI_SCORE_ATTEMPTS": str(ATTEMPTS), "LTI_SCORE_RETRY_SECONDS": "0.2"}
    with lti_service(redis_url, folder, **env) as made:
        yield made


@pytest.fixture(scope="module")
def sender(redis_url):
    return sender_app(redis_url, PREFIX)


@pytest.fixture
def platform(service):
    service.platform.forget_grades()
    for kept in service.store.scan_iter("backprop-lab:lti:ags-token:*"):
        service.store.delete(kept)
    return service.platform


def new_round(service, given: float = 2.0) -> ScoreRecord:
    platform = service.platform
    record = ScoreRecord(
        round_id="round-" + secrets.token_hex(6),
        user_id="sub-student",
        score_given=given,
        score_maximum=3.0,
        timestamp=datetime.now(UTC).isoformat(timespec="milliseconds"),
        lineitem=platform.url + "/lineitems/9",
        token_url=platform.url + "/token",
        client_id=CLIENT_ID,
        audience=platform.url + "/token",
    )
    assert ScoreRecords(service.store).create(record)
    return record


def send(sender, record: ScoreRecord) -> str:
    """Queue the round's task as the API does, and wait for what it returned."""
    queue = names(PREFIX)[INTERACTIVE]
    return sender.send_task(SEND_SCORE, args=[record.round_id], queue=queue).get(timeout=PATIENCE)


def ended(service, record: ScoreRecord) -> ScoreRecord:
    records = ScoreRecords(service.store)
    return wait_until(
        lambda: (r := records.get(record.round_id)).state != "pending" and r, "the round's end"
    )


def test_5xx_are_tried_again_then_the_round_is_failed(service, platform, sender):
    platform.score_answers += [503, 502, 500, 500]
    record = new_round(service)
    send(sender, record)
    done = ended(service, record)
    assert done.state == FAILED and done.attempts == ATTEMPTS
    assert done.last_error == "the score URL answered 500"
    assert len(platform.scores) == ATTEMPTS and platform.score_answers == [500]
    assert ScoreRecords(service.store).in_state(FAILED).count(record.round_id) == 1


def test_429_waits_for_retry_after_then_the_round_is_failed(service, platform, sender):
    platform.score_answers += [(429, "1")] * ATTEMPTS
    record = new_round(service)
    send(sender, record)
    assert ended(service, record).state == FAILED
    assert len(platform.scores) == ATTEMPTS
    times = [s["at"] for s in platform.scores]
    # the platform said 1 s; the task's own wait would have been 0.2 s, then 0.4 s
    assert all(later - earlier >= 0.95 for earlier, later in zip(times, times[1:])), times


def test_401_gets_a_new_token_once_then_the_round_is_failed(service, platform, sender):
    platform.score_answers += [401, 401, 401]
    record = new_round(service)
    send(sender, record)
    done = ended(service, record)
    assert (
        done.state == FAILED and done.last_error == "the score URL answered 401 to a new token too"
    )
    assert len(platform.scores) == 2 and platform.score_answers == [401]
    assert len(platform.token_requests) == 2  # the kept token, then a fresh one


def test_a_score_tried_again_is_sent_once_and_never_again(service, platform, sender):
    platform.token_answers += [503]  # the token URL fails first
    platform.score_answers += [(429, "0")]  # then the score URL once
    record = new_round(service, given=3.0)
    assert send(sender, record) == SENT  # the third try (the task's id stays over retries)
    done = ended(service, record)
    assert done.state == SENT and done.attempts == 2  # the tries that failed
    received = [s for s in platform.scores if s["body"]["userId"] == "sub-student"]
    assert len(received) == 2 and [s["authorized"] for s in received] == [True] * 2
    assert received[-1]["body"]["scoreGiven"] == 3.0
    # the task runs again (a redelivery, a second finish): nothing more is sent
    assert send(sender, record) == SENT and send(sender, record) == SENT
    assert len(platform.scores) == 2
    (assertion, *_) = platform.token_requests
    assert assertion["iss"] == CLIENT_ID and assertion["aud"] == platform.url + "/token"
