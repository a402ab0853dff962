"""What the service counts about its jobs, kept in Redis next to the records: the numbers behind
`GET /metrics` and the per-owner quota of jobs in flight.

Every API process and every worker writes the same few keys (worker/keys.py), so any API
process can answer a scrape for the whole service. The counts move inside the Lua scripts that
move a job's status (worker/lua/lib/accounting.lua, called by records.py), so a job is counted
once however many processes race to end it:

- `metrics:submitted` (hash, field = class) and `metrics:finished` (hash, field =
  `class:status`): jobs accepted, and jobs that reached a terminal status;
- `metrics:run_seconds:<class>` (hash): a histogram of the time from start to end, its fields
  the bucket bounds (cumulative, as Prometheus wants them), `+Inf`, `sum` and `count`;
- `metrics:naive_passes` (counter): every rise of a job's progress `done`;
- `inflight:<class>:<owner>` (sorted set, score = admission time): the owner's unfinished jobs
  of that class. An entry leaves when its job ends; a stale one (its record ended or gone) is
  dropped at the next admission, so the quota heals even after a lost end.
"""

from __future__ import annotations

import json

RUN_SECONDS_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0)
ADMISSION_GRACE = 60  # seconds an admitted id may wait for its record before it counts as stale
INFLIGHT_SECONDS = 7 * 24 * 3600  # an in-flight set's life, renewed at each admission


def bucket_field(bound: float) -> str:
    """A histogram bucket's field name, the same in Lua and Python: 0.05, 1, 2.5 ..."""
    return f"{bound:g}"


# the buckets as the scripts take them: a JSON list of their field names
BUCKET_FIELDS = json.dumps([bucket_field(b) for b in RUN_SECONDS_BUCKETS])
