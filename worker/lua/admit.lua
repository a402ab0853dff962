-- Admit a job to its holder's jobs in flight of one class unless `limit` are there already,
-- after dropping the stale entries: their job ended, or no record appeared within `grace`
-- seconds of the admission. A sweep counts as one entry (its record's status, `running` until its
-- last child ends). {1, jobs in flight with it} or {0, jobs in flight}.
local inflight = KEYS[1]
local job_id, limit, now = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
local prefix, grace, inflight_ttl = ARGV[4], tonumber(ARGV[5]), ARGV[6]

local members = redis.call('ZRANGE', inflight, 0, -1, 'WITHSCORES')
for i = 1, #members, 2 do
  local status = redis.call('HGET', prefix .. 'job:' .. members[i], 'status')
    or redis.call('HGET', prefix .. 'sweep:' .. members[i], 'status')
  local stale = status and status ~= 'queued' and status ~= 'running'
  if stale or (not status and tonumber(members[i + 1]) < now - grace) then
    redis.call('ZREM', inflight, members[i])
  end
end
local count = redis.call('ZCARD', inflight)
if count >= limit then return {0, count} end
redis.call('ZADD', inflight, now, job_id)
redis.call('EXPIRE', inflight, inflight_ttl)
return {1, count + 1}
