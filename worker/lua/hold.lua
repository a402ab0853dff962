-- Take one of an owner's held-request slots (an event stream or a ?wait), unless `limit` are
-- held already: the owner's holds are a sorted set of tokens scored by when each lease ends,
-- so a slot whose process died frees itself when its lease ends. The hold is counted among the
-- service's held requests of its kind too (/metrics). {1, holds with it} or {0, holds}.
local holds, counted = KEYS[1], KEYS[2]
local token, limit, now, expires = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4]

redis.call('ZREMRANGEBYSCORE', holds, '-inf', now)
local count = redis.call('ZCARD', holds)
if count >= limit then return {0, count} end
redis.call('ZADD', holds, expires, token)
redis.call('ZADD', counted, expires, token)
local last = redis.call('ZRANGE', holds, -1, -1, 'WITHSCORES')[2]
redis.call('EXPIREAT', holds, math.ceil(tonumber(last)) + 1)
return {1, count + 1}
