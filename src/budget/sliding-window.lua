-- Per-minute request limits: a rolling window per scope (user, channel, workspace), as sorted sets of delivery ids
-- scored by time. All scopes are checked and counted in one script, so a request refused by one limit is not counted
-- against the others, and a burst from many workers at once lets exactly the limit through. The member is the
-- delivery id: a retried job, or a second model call of the same request, is not counted twice.
--
-- KEYS[i]      one sorted set per limited scope
-- ARGV[1]      now, ms
-- ARGV[2]      the window, ms
-- ARGV[3]      the delivery id
-- ARGV[3 + i]  the limit of KEYS[i]: requests per window
--
-- Returns { 0, 0 } when allowed (and counted in every window), else { i, ms until the oldest entry of the full
-- window KEYS[i] leaves it }.

local now = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
for i, key in ipairs(KEYS) do
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
  if not redis.call('ZSCORE', key, ARGV[3]) and redis.call('ZCARD', key) >= tonumber(ARGV[3 + i]) then
    local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
    return {i, tonumber(oldest[2]) + window - now}
  end
end
for _, key in ipairs(KEYS) do
  redis.call('ZADD', key, now, ARGV[3])
  redis.call('PEXPIRE', key, window)
end
return {0, 0}
