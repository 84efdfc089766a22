-- Records which message is an interaction's deferred reply, only while the interaction's token is still stored:
-- HSET on an expired key would recreate it without a TTL.
--
-- KEYS[1]  the interaction's hash
-- ARGV[1]  the deferred reply's message id
--
-- Returns 1 when the field was added, 0 when it was updated or the interaction is gone.

if redis.call('exists', KEYS[1]) == 1 then return redis.call('hset', KEYS[1], 'original', ARGV[1]) end
return 0
