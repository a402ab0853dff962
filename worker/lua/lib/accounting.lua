-- The counts behind GET /metrics (worker/accounting.py), moved by the scripts that move a job,
-- so that a job is counted once however many processes race to end it. `p` is the key prefix
-- (worker/keys.py); `buckets` the run time histogram's bucket fields, a JSON list of strings.

-- counts the rise of a job's progress `done`, from the record's `old` progress to `new` passes
local function count_passes(p, old, new)
  local before = 0
  if old and old ~= 'null' then before = cjson.decode(old)['done'] or 0 end
  local rise = (tonumber(new) or 0) - before
  if rise > 0 then redis.call('INCRBY', p .. 'metrics:naive_passes', rise) end
end

-- books the job of `record` that has just reached `status` at epoch `t`: the finished count,
-- its leaving the holder's jobs in flight, and (if it started) its run time
local function count_end(p, buckets, record, job_id, status, t)
  local class = redis.call('HGET', record, 'class') or 'interactive'
  redis.call('HINCRBY', p .. 'metrics:finished', class .. ':' .. status, 1)
  local inflight = redis.call('HGET', record, 'inflight')
  if inflight then redis.call('ZREM', inflight, job_id) end
  local started = tonumber(redis.call('HGET', record, 'started'))
  if not started then return end
  local seconds = math.max(tonumber(t) - started, 0)
  local histogram = p .. 'metrics:run_seconds:' .. class
  for _, bound in ipairs(cjson.decode(buckets)) do
    if seconds <= tonumber(bound) then redis.call('HINCRBY', histogram, bound, 1) end
  end
  redis.call('HINCRBY', histogram, '+Inf', 1)
  redis.call('HINCRBY', histogram, 'count', 1)
  redis.call('HINCRBYFLOAT', histogram, 'sum', seconds)
end
