-- Releases a token-guarded lock: deletes it only while it still holds the caller's token, so a holder whose lock
-- expired (and was taken by someone else meanwhile) never releases the new holder's lock.
--
-- KEYS[1]  the lock
-- ARGV[1]  the token the caller took it with
--
-- Returns 1 when released, 0 when the lock was gone or held by another token.

if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end
return 0
