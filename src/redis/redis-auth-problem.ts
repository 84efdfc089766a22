/**
 * What to fix when Redis refused the credentials in REDIS_URL, or undefined for any other error. Redis answers a
 * wrong user or password with WRONGPASS, a missing one with NOAUTH, and a user whose ACL forbids a command with NOPERM
 * (https://redis.io/docs/latest/operate/oss_and_stack/management/security/acl/). The text never quotes the URL: it
 * holds the password.
 */
export function redisAuthProblem(error: unknown): string | undefined {
  const message = error instanceof Error ? error.message : String(error);
  if (message.startsWith('WRONGPASS')) {
    return 'Redis refused the user or password in REDIS_URL (WRONGPASS): set the ones Redis expects, redis://USER:PASSWORD@HOST:6379';
  }
  if (message.startsWith('NOAUTH')) {
    return 'Redis requires a password and REDIS_URL has none (NOAUTH): put the user and password in it, redis://USER:PASSWORD@HOST:6379';
  }
  if (message.startsWith('NOPERM')) {
    return `the Redis user in REDIS_URL lacks a permission Xiaoliu needs (${message.split('\n')[0]}): grant it ~* &* +@all`;
  }
  return undefined;
}
