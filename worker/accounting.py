"""What the service counts about its jobs, kept in Redis next to the records: the numbers behind
`GET /metrics` and the per-owner quota of jobs in flight.

Every API process and every worker writes the same few keys, so any API process can answer a
scrape for the whole service. The counts move inside the Lua scripts that move a job's status
(records.py), so a job is counted once however many processes race to end it:

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

PREFIX = "backprop-lab:"
SUBMITTED = PREFIX + "metrics:submitted"
FINISHED = PREFIX + "metrics:finished"
NAIVE_PASSES = PREFIX + "metrics:naive_passes"
RUN_SECONDS_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0)
ADMISSION_GRACE = 60  # seconds an admitted id may wait for its record before it counts as stale


def run_seconds_key(job_class: str) -> str:
    return f"{PREFIX}metrics:run_seconds:{job_class}"


def inflight_key(job_class: str, owner: str) -> str:
    return f"{PREFIX}inflight:{job_class}:{owner}"


def bucket_field(bound: float) -> str:
    """A histogram bucket's field name, the same in Lua and Python: 0.05, 1, 2.5 ..."""
    return f"{bound:g}"


def _lua_bounds() -> str:
    return "{" + ", ".join(f"'{bucket_field(b)}'" for b in RUN_SECONDS_BUCKETS) + "}"


# Lua, prepended to the scripts that end a job or move its progress. `ended` books a job that
# has just reached `status` at epoch `t`; `passes` counts the rise of progress.done.
LUA_HELPERS = f"""
local function passes(old, new)
  local before = 0
  if old and old ~= 'null' then before = cjson.decode(old)['done'] or 0 end
  local rise = (tonumber(new) or 0) - before
  if rise > 0 then redis.call('INCRBY', '{NAIVE_PASSES}', rise) end
end
local function ended(key, id, status, t)
  local class = redis.call('HGET', key, 'class') or 'interactive'
  redis.call('HINCRBY', '{FINISHED}', class .. ':' .. status, 1)
  local inflight = redis.call('HGET', key, 'inflight')
  if inflight then redis.call('ZREM', inflight, id) end
  local started = tonumber(redis.call('HGET', key, 'started'))
  if not started then return end
  local seconds = math.max(tonumber(t) - started, 0)
  local histogram = '{PREFIX}metrics:run_seconds:' .. class
  for _, bound in ipairs({_lua_bounds()}) do
    if seconds <= tonumber(bound) then redis.call('HINCRBY', histogram, bound, 1) end
  end
  redis.call('HINCRBY', histogram, '+Inf', 1)
  redis.call('HINCRBY', histogram, 'count', 1)
  redis.call('HINCRBYFLOAT', histogram, 'sum', seconds)
end
"""

# KEYS[1] the owner's in-flight set; ARGV: limit, job id, now (epoch), the record key prefix.
# Drops stale entries, then admits the id if the owner is under the limit. Returns {admitted
# (1/0), jobs in flight}.
ADMIT = f"""
local limit, id, t = tonumber(ARGV[1]), ARGV[2], tonumber(ARGV[3])
local members = redis.call('ZRANGE', KEYS[1], 0, -1, 'WITHSCORES')
for i = 1, #members, 2 do
  local status = redis.call('HGET', ARGV[4] .. members[i], 'status')
  local stale = status and status ~= 'queued' and status ~= 'running'
  if stale or (not status and tonumber(members[i + 1]) < t - {ADMISSION_GRACE}) then
    redis.call('ZREM', KEYS[1], members[i])
  end
end
local count = redis.call('ZCARD', KEYS[1])
if count >= limit then return {{0, count}} end
redis.call('ZADD', KEYS[1], t, id)
redis.call('EXPIRE', KEYS[1], 7 * 24 * 3600)
return {{1, count + 1}}
"""
