-- A job's turn at the result cache (worker/cache.py). `entry` holds the id of the job whose
-- stored result is the one kept for the job's result key; `running` the id of the job that
-- computes that key now.
--
-- With `serve` '1', if the entry's result is still stored, it is copied as this job's own
-- result (accounted to this job's owner, within the budgets: lib/results.lua) and the job ends
-- succeeded, served from the cache: its record says `cache` 'hit' and nothing of the other
-- job. The copy becomes the entry (the newest copy lives longest). -> {'hit'}
-- Else, with `claim` '1': if another job is computing the key and `wait` is '1' -> {'wait',
-- its id}; if not, this job is the one that computes it (`running`, for `claim_ttl` seconds;
-- the record keeps the key, for the end to publish the entry: finish.lua) -> {'claimed'}.
-- Else -> {'miss'}; an ended or unknown job -> {'ended'}.
local record, ended, entry, running = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local job_id, result_key, serve, claim, wait = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5]
local claim_ttl, now, now_ms = ARGV[6], ARGV[7], tonumber(ARGV[8])
local budget, owner_budget, prefix = tonumber(ARGV[9]), tonumber(ARGV[10]), ARGV[11]
local buckets, ended_ttl = ARGV[12], ARGV[13]

local status = redis.call('HGET', record, 'status')
if status ~= 'queued' and status ~= 'running' then return {'ended'} end

local source = serve == '1' and redis.call('GET', entry)
if source and source ~= job_id and redis.call('EXISTS', prefix .. 'result:' .. source) == 1 then
  local mine = prefix .. 'result:' .. job_id
  local size = tonumber(redis.call('HGET', prefix .. 'results:size', source)) or 0
  local owner = redis.call('HGET', record, 'owner')
  local ttl = tonumber(redis.call('HGET', record, 'ttl'))
  -- copied first: making room may drop the source, the oldest result, itself
  redis.call('COPY', prefix .. 'result:' .. source, mine, 'REPLACE')
  redis.call('SREM', prefix .. 'results:inflight', job_id)  -- its reserve is released
  if make_room(prefix, job_id, owner, size, budget, owner_budget, now) then
    account_result(prefix, job_id, owner, size, now_ms, ttl)
    local started = status == 'queued' and now or redis.call('HGET', record, 'started_at')
    redis.call('HSET', record, 'status', 'succeeded', 'started_at', started, 'finished_at', now,
               'stored', size, 'cache', 'hit')
    local progress = redis.call('HGET', record, 'progress')
    if progress and progress ~= 'null' then  -- no pass was made: the result has them all
      local total = cjson.decode(progress)['total']
      redis.call('HSET', record, 'progress', cjson.encode({done = total, total = total}))
    end
    count_end(prefix, buckets, record, job_id, 'succeeded', now_ms / 1000)
    redis.call('HINCRBY', prefix .. 'metrics:results', 'cache', 1)
    redis.call('SET', entry, job_id, 'EX', ttl)
    redis.call('EXPIRE', record, ttl)
    redis.call('RPUSH', ended, 'succeeded')
    redis.call('EXPIRE', ended, ended_ttl)
    redis.call('PUBLISH', ended, 'ended')  -- wakes the API's waiters (api/wakeups.py)
    return {'hit'}
  end
  redis.call('DEL', mine)  -- no room beside the reserves in flight: computed as any job is
  redis.call('SADD', prefix .. 'results:inflight', job_id)
end

if claim ~= '1' then return {'miss'} end
local other = redis.call('GET', running)
if other and other ~= job_id and wait == '1'
   and redis.call('HGET', prefix .. 'job:' .. other, 'status') == 'running' then
  return {'wait', other}
end
if not other or wait == '1' or other == job_id then
  redis.call('SET', running, job_id, 'EX', claim_ttl)
end
redis.call('HSET', record, 'cache_key', result_key)
return {'claimed'}
