-- The result store's accounting (worker/results.py), shared by the scripts that create, end and
-- delete a job. `p` is the key prefix (worker/keys.py).

local TERMINAL = {succeeded = true, failed = true, cancelled = true}

-- bytes reserved by jobs in flight (in all, by owner), other than `except`; forgets jobs that
-- have ended or whose record expired
local function reserved(p, except)
  local all, by = 0, {}
  for _, id in ipairs(redis.call('SMEMBERS', p .. 'results:inflight')) do
    local r = redis.call('HMGET', p .. 'job:' .. id, 'status', 'reserve', 'owner')
    if not r[1] or TERMINAL[r[1]] then
      redis.call('SREM', p .. 'results:inflight', id)
    elseif id ~= except then
      local bytes = tonumber(r[2]) or 0
      all = all + bytes
      if r[3] then by[r[3]] = (by[r[3]] or 0) + bytes end
    end
  end
  return all, by
end

-- drops a stored result; its record (if `now` is given and it still exists) says when
local function drop(p, id, now)
  local size = tonumber(redis.call('HGET', p .. 'results:size', id)) or 0
  local owner = redis.call('HGET', p .. 'results:owner', id)
  redis.call('DEL', p .. 'result:' .. id)
  redis.call('ZREM', p .. 'results', id)
  redis.call('HDEL', p .. 'results:size', id)
  redis.call('HDEL', p .. 'results:owner', id)
  redis.call('DECRBY', p .. 'results:total', size)
  if owner then
    redis.call('ZREM', p .. 'results:by:' .. owner, id)
    redis.call('HINCRBY', p .. 'results:owners', owner, -size)
  end
  if now and redis.call('EXISTS', p .. 'job:' .. id) == 1 then
    redis.call('HSET', p .. 'job:' .. id, 'result_expired', now)
  end
end

-- drops the oldest results until `size` more bytes fit both budgets; true if they do
local function make_room(p, id, owner, size, budget, per_owner, now)
  while true do  -- results that expired with their records first (no record to mark)
    local head = redis.call('ZRANGE', p .. 'results', 0, 0)[1]
    if not head or redis.call('EXISTS', p .. 'result:' .. head) == 1 then break end
    drop(p, head, false)
  end
  local all, by = reserved(p, id)
  if owner and per_owner > 0 then
    local mine = by[owner] or 0
    local function owner_over()
      local used = tonumber(redis.call('HGET', p .. 'results:owners', owner)) or 0
      return used + mine + size > per_owner
    end
    while owner_over() do
      local head = redis.call('ZRANGE', p .. 'results:by:' .. owner, 0, 0)[1]
      if not head then return false end
      drop(p, head, now)
    end
  end
  local function over()
    return (tonumber(redis.call('GET', p .. 'results:total')) or 0) + all + size > budget
  end
  while over() do
    local head = redis.call('ZRANGE', p .. 'results', 0, 0)[1]
    if not head then return false end
    drop(p, head, now)
  end
  return true
end

-- accounts the `size` bytes of job `id`'s result, stored at its key, and gives it `ttl`
local function account_result(p, id, owner, size, now_ms, ttl)
  redis.call('EXPIRE', p .. 'result:' .. id, ttl)
  redis.call('ZADD', p .. 'results', now_ms, id)
  redis.call('HSET', p .. 'results:size', id, size)
  redis.call('INCRBY', p .. 'results:total', size)
  if owner then
    redis.call('HSET', p .. 'results:owner', id, owner)
    redis.call('ZADD', p .. 'results:by:' .. owner, now_ms, id)
    redis.call('HINCRBY', p .. 'results:owners', owner, size)
  end
end

-- stores a result's `fields` (a flat list of names and values) and accounts its `size` bytes
local function store_result(p, id, owner, size, now_ms, ttl, fields)
  local key = p .. 'result:' .. id
  redis.call('DEL', key)
  redis.call('HSET', key, unpack(fields))
  account_result(p, id, owner, size, now_ms, ttl)
end
