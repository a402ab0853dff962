-- Remove a job: its record, its ids in the indexes and its stored result (its reserve is
-- forgotten with the record). An unfinished job's waiters are woken ('deleted'), and its task
-- finds no record and stops. 1, or 0 for an unknown job.
local record, ended, index = KEYS[1], KEYS[2], KEYS[3]
local job_id, prefix, ended_ttl = ARGV[1], ARGV[2], ARGV[3]

local status = redis.call('HGET', record, 'status')
if not status then return 0 end
local owner = redis.call('HGET', record, 'owner')
local inflight = redis.call('HGET', record, 'inflight')
if inflight then redis.call('ZREM', inflight, job_id) end  -- it leaves the holder's quota
drop(prefix, job_id, false)
redis.call('DEL', record)
redis.call('ZREM', index, job_id)
if owner then redis.call('ZREM', index .. ':' .. owner, job_id) end
if status == 'queued' or status == 'running' then
  redis.call('RPUSH', ended, 'deleted')
  redis.call('EXPIRE', ended, ended_ttl)
  redis.call('PUBLISH', ended, 'ended')  -- wakes the API's waiters (api/wakeups.py)
end
return 1
