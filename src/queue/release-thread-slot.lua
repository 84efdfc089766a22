-- A job is done with its thread: it leaves the line and releases the slot if it holds it (compare-and-delete, as
-- src/redis/release-lock.lua; written here so that leaving and releasing are one atomic step and one round trip).
--
-- KEYS[1]  the thread's line (see join-line.lua)
-- KEYS[2]  the thread's slot (see take-thread-slot.lua)
-- ARGV[1]  the job id
--
-- Returns the job now heading the line, if any, for the caller to wake.

redis.call('zrem', KEYS[1], ARGV[1])
if redis.call('get', KEYS[2]) == ARGV[1] then redis.call('del', KEYS[2]) end
return redis.call('zrange', KEYS[1], 0, 0)[1]
