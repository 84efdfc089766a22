-- Pauses every worker's calls to the Messages API for at least ARGV[1] ms: a 429 seen by one process slows all of
-- them down together. A longer pause already in place is kept. The key's time to live is the pause, so no clock of
-- any process is compared with another's.
--
-- KEYS[1]  the organisation's pause key
-- ARGV[1]  the pause, ms
--
-- Returns the pause now in place, ms.

local ms = tonumber(ARGV[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < ms then
  redis.call('SET', KEYS[1], '1', 'PX', ms)
  return ms
end
return ttl
