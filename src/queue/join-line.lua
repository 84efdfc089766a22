-- Puts a job in its thread's line (only if not there yet) and keeps the line alive for a day.
--
-- KEYS[1]  the thread's line: a sorted set of job ids, scored by when each message was sent
-- ARGV[1]  when the job's message was sent, ms (its place in the line)
-- ARGV[2]  the job id
-- ARGV[3]  how long the line lives after its last arrival, seconds

redis.call('zadd', KEYS[1], 'NX', ARGV[1], ARGV[2])
redis.call('expire', KEYS[1], ARGV[3])
