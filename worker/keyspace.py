"""Every Redis key the service writes, under one prefix, each named by one builder here.

    job:<id>                 hash: a job record (worker/records.py)
    ended:<id>               list: a job's end, pushed for the waiters' BLPOP
    jobs, jobs:<owner>       sorted sets: recent job ids, all of them and an owner's
    result:<id>, results*    a stored result and the result store's accounting (worker/results.py)
    metrics:*                the counts behind GET /metrics (worker/accounting.py)
    inflight:<class>:<holder>  sorted set: a holder's unfinished jobs of one class (the quota)
    held:<kind>              sorted set: the API's held requests (api/metrics.py)
    holds:<holder>           sorted set: one owner's held requests, by lease end (api/holds.py)
    cache:<key>              string: the job whose stored result is kept for a result key
    cache:running:<key>      string: the job computing that key now (worker/cache.py)
    sweep:<id>, sweep:<id>:* hash: a sweep; its pending, in-flight and sent children

The Lua scripts (worker/lua/) are given the keys they know before they run, and PREFIX for the
ones they learn while running (another job's record, an owner's index, a class's histogram),
which they build the same way: `prefix .. 'job:' .. id`.
"""

from __future__ import annotations

PREFIX = "backprop-lab:"
INDEX = PREFIX + "jobs"
RESULTS_TOTAL = PREFIX + "results:total"
SUBMITTED = PREFIX + "metrics:submitted"  # hash: class -> jobs accepted
FINISHED = PREFIX + "metrics:finished"  # hash: class:status -> jobs ended
NAIVE_PASSES = PREFIX + "metrics:naive_passes"
RESULTS_MADE = PREFIX + "metrics:results"  # hash: computed, cache -> results made each way


def job(job_id: str) -> str:
    return f"{PREFIX}job:{job_id}"


def ended(job_id: str) -> str:
    return f"{PREFIX}ended:{job_id}"


def index(owner: str | None = None) -> str:
    return f"{INDEX}:{owner}" if owner else INDEX


def result(job_id: str) -> str:
    return f"{PREFIX}result:{job_id}"


def run_seconds(job_class: str) -> str:
    return f"{PREFIX}metrics:run_seconds:{job_class}"


def inflight(job_class: str, holder: str) -> str:
    return f"{PREFIX}inflight:{job_class}:{holder}"


def held(kind: str) -> str:
    return f"{PREFIX}held:{kind}"


def holds(holder: str) -> str:
    return f"{PREFIX}holds:{holder}"


def cache_entry(result_key: str) -> str:
    return f"{PREFIX}cache:{result_key}"


def cache_running(result_key: str) -> str:
    return f"{PREFIX}cache:running:{result_key}"


def sweep(sweep_id: str) -> str:
    """hash: a sweep's record (worker/sweeps.py); its children are job records"""
    return f"{PREFIX}sweep:{sweep_id}"


def sweep_part(sweep_id: str, part: str) -> str:
    """a sweep's `pending` list, `inflight` sorted set and `sent` set (worker/sweeps.py)"""
    return f"{PREFIX}sweep:{sweep_id}:{part}"
