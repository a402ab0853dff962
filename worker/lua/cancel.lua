-- Cancel a queued job now (counted, and pushed to its ended list for a waiter's BLPOP), or raise
-- a running job's cancel flag, which its task reads. The status it had; nil if unknown.
local record, ended = KEYS[1], KEYS[2]
local job_id, now, now_epoch = ARGV[1], ARGV[2], ARGV[3]
local prefix, buckets, ended_ttl = ARGV[4], ARGV[5], ARGV[6]

local status = redis.call('HGET', record, 'status')
if status == 'queued' then
  redis.call('HSET', record, 'status', 'cancelled', 'finished_at', now, 'cancel', '1')
  count_end(prefix, buckets, record, job_id, 'cancelled', now_epoch)
  redis.call('RPUSH', ended, 'cancelled')
  redis.call('EXPIRE', ended, ended_ttl)
  redis.call('PUBLISH', ended, 'ended')  -- wakes the API's waiters (api/wakeups.py)
elseif status == 'running' then
  redis.call('HSET', record, 'cancel', '1')
end
return status
