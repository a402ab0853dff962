-- End an unfinished job, once: release its reserve, store its result's `fields` (a flat list of
-- names and values, `size` bytes) if room can be made for them (lib/results.lua; if not, the
-- job fails with the error `store_full`), settle its part in the result cache, count the end,
-- restart the record's time to live and push the end to its ended list for a waiter's BLPOP. 1 if it ended now, 0 if it had ended
-- already or is unknown.
local record, ended = KEYS[1], KEYS[2]
local job_id, outcome, err = ARGV[1], ARGV[2], ARGV[3]
local now, now_ms, size = ARGV[4], tonumber(ARGV[5]), tonumber(ARGV[6])
local budget, owner_budget, store_full = tonumber(ARGV[7]), tonumber(ARGV[8]), ARGV[9]
local prefix, buckets, ended_ttl = ARGV[10], ARGV[11], ARGV[12]
local fields = {unpack(ARGV, 13)}

local status = redis.call('HGET', record, 'status')
if status ~= 'queued' and status ~= 'running' then return 0 end
local ttl = tonumber(redis.call('HGET', record, 'ttl'))
redis.call('SREM', prefix .. 'results:inflight', job_id)
if outcome == 'succeeded' and #fields > 0 then
  local owner = redis.call('HGET', record, 'owner')
  if make_room(prefix, job_id, owner, size, budget, owner_budget, now) then
    store_result(prefix, job_id, owner, size, now_ms, ttl, fields)
    redis.call('HSET', record, 'stored', size)
  else
    outcome, err = 'failed', store_full
  end
end
redis.call('HSET', record, 'status', outcome, 'finished_at', now, 'error', err)
-- a job that computed for the result cache (cache.lua) lets go of its key, and publishes its
-- result under the key when it succeeded
local result_key = redis.call('HGET', record, 'cache_key')
if result_key then
  local running = prefix .. 'cache:running:' .. result_key
  if redis.call('GET', running) == job_id then redis.call('DEL', running) end
  if outcome == 'succeeded' then
    redis.call('SET', prefix .. 'cache:' .. result_key, job_id, 'EX', ttl)
    redis.call('HSET', record, 'cache', 'computed')
  end
end
-- a job that succeeded did every pass, whatever progress writes an outage lost
local progress = redis.call('HGET', record, 'progress')
if outcome == 'succeeded' and progress and progress ~= 'null' then
  local total = cjson.decode(progress)['total']
  count_passes(prefix, progress, total)
  redis.call('HSET', record, 'progress', cjson.encode({done = total, total = total}))
end
count_end(prefix, buckets, record, job_id, outcome, now_ms / 1000)
redis.call('EXPIRE', record, ttl)
redis.call('RPUSH', ended, outcome)
redis.call('EXPIRE', ended, ended_ttl)
redis.call('PUBLISH', ended, 'ended')  -- wakes the API's waiters (api/wakeups.py)
return 1
