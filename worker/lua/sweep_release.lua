-- Release a sweep's children: drop from its in-flight set the children that have ended, hand
-- out again those still queued `resend_after` seconds after their release whose sending was
-- never confirmed (the process that released them died before sending), then release pending
-- children, in order, until `bound` are in flight. A child that is no longer queued (cancelled,
-- deleted) is passed over. The sweep ends when none is in flight and none pending (or it was
-- cancelled): its status becomes `finished` (unless cancelled) and it leaves its holder's
-- quota. Returns the ids to send now. Safe to call any number of times from anywhere: a child
-- sent twice runs once (start.lua moves it from queued to running once).
local sweep, pending, inflight, sent = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local sweep_id, now, bound = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
local resend_after, prefix, finished_at = tonumber(ARGV[4]), ARGV[5], ARGV[6]

local status = redis.call('HGET', sweep, 'status')
if not status then return {} end
local out = {}
local members = redis.call('ZRANGE', inflight, 0, -1, 'WITHSCORES')
for i = 1, #members, 2 do
  local child = members[i]
  local state = redis.call('HGET', prefix .. 'job:' .. child, 'status')
  if state ~= 'queued' and state ~= 'running' then
    redis.call('ZREM', inflight, child)
    redis.call('SREM', sent, child)
  elseif state == 'queued' and redis.call('SISMEMBER', sent, child) == 0
    and tonumber(members[i + 1]) < now - resend_after then
    redis.call('ZADD', inflight, now, child)
    table.insert(out, child)
  end
end
if status == 'running' then
  while redis.call('ZCARD', inflight) < bound do
    local child = redis.call('LPOP', pending)
    if not child then break end
    if redis.call('HGET', prefix .. 'job:' .. child, 'status') == 'queued' then
      redis.call('ZADD', inflight, now, child)
      table.insert(out, child)
    end
  end
end
if status ~= 'finished' and redis.call('ZCARD', inflight) == 0
  and (status == 'cancelled' or redis.call('LLEN', pending) == 0) then
  if status == 'running' then
    redis.call('HSET', sweep, 'status', 'finished', 'finished_at', finished_at)
  end
  local holder = redis.call('HGET', sweep, 'inflight')
  if holder then redis.call('ZREM', holder, sweep_id) end
end
return out
