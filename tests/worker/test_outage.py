"""A Redis outage while a job runs: the work goes on, and its end is recorded once Redis is back."""

from __future__ import annotations

import logging
import threading

import model
from tests.support.processes import free_port, start_redis, stop
from tests.support.waiting import wait_until
from worker.records import JobStore
from worker.settings import Settings
from worker.tasks import JobProbe, Outcome, record_end

SPEC = {"network": {"layers": [2, 3, 2]}, "batch": {"dataset": "random", "size": 4}}


def test_progress_and_the_cancel_flag_are_best_effort_while_redis_is_away():
    gone = store_at(f"redis://127.0.0.1:{free_port()}/0")
    probe = JobProbe(gone, "some-job")
    probe.progress(10, 10)  # would raise ConnectionError if it were not best effort
    assert probe.should_stop() is False
    out = model.run({**SPEC, "methods": ["naive"]}, probe.progress, probe.should_stop)
    assert out["naive"]["passes"] == 2 * 17


def store_at(url: str) -> JobStore:
    return JobStore.from_settings(Settings(redis_url=url), timeout=0.5)


class RetryWatch(logging.Handler):
    """Counts the "recording its end again" warnings that `record_end` logs at each failed
    try."""

    def __init__(self):
        super().__init__(logging.WARNING)
        self.tries, self.seen = 0, threading.Condition()

    def emit(self, record: logging.LogRecord) -> None:
        if "recording its end again" in record.getMessage():
            with self.seen:
                self.tries += 1
                self.seen.notify_all()

    def wait(self, tries: int, patience: float = 30) -> bool:
        with self.seen:
            return self.seen.wait_for(lambda: self.tries >= tries, patience)


def test_the_end_of_a_job_is_recorded_once_redis_is_back(tmp_path):
    port = free_port()
    server = start_redis(port, tmp_path, appendonly=True)
    try:
        jobs = store_at(f"redis://127.0.0.1:{port}/0")
        wait_until(lambda: jobs.redis.ping(), "redis")
        job_id = jobs.create(SPEC)["id"]
        assert jobs.start(job_id)
        stop(server)
        ended: list[str] = []
        retrying = RetryWatch()
        logging.getLogger("worker.tasks").addHandler(retrying)
        try:
            recorder = threading.Thread(
                target=lambda: ended.append(
                    record_end(jobs, job_id, Outcome("succeeded", {"cost": 1.5}), patience=30)
                )
            )
            recorder.start()
            assert retrying.wait(2)  # it failed twice and goes on trying
        finally:
            logging.getLogger("worker.tasks").removeHandler(retrying)
        assert ended == []
        server = start_redis(port, tmp_path, appendonly=True)
        recorder.join(30)
        assert ended == ["succeeded"]
        record = jobs.get(job_id)
        assert record["status"] == "succeeded" and record["result"] == {"cost": 1.5}
    finally:
        stop(server)


def test_a_job_that_succeeded_shows_every_pass_done(store):
    job_id = store.create(SPEC, progress={"done": 0, "total": 34})["id"]
    assert store.start(job_id)
    store.progress(job_id, 12, 34)  # the last write that got through before an outage
    record_end(store, job_id, Outcome("succeeded", {"cost": 1.0}))
    assert store.get(job_id)["progress"] == {"done": 34, "total": 34}
