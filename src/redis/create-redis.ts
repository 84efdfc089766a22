import { Redis } from 'ioredis';

/**
 * A Redis connection as BullMQ needs it: commands wait for a reconnect instead of failing after a few retries
 * (`maxRetriesPerRequest: null`), so a Redis restart delays work rather than losing it.
 */
export function createRedis(
  url: string,
  options: { lazyConnect?: boolean; connectionName?: string; failFast?: boolean } = {},
): Redis {
  const redis = new Redis(url, {
    // Fail fast is for ingress: a platform that gets an error delivers again, while a request left waiting for Redis
    // to return is lost if the gateway restarts meanwhile.
    ...(options.failFast ? { maxRetriesPerRequest: 1, enableOfflineQueue: false } : { maxRetriesPerRequest: null }),
    // Commands issued in the same tick go out in one write (auto-pipelining): at a few hundred answers a second, a
    // socket write per command was among the largest single costs of both roles (npm run bench, profiled). ioredis
    // leaves blocking and subscriber commands out of it, and BullMQ's blocking reads have a connection of their own.
    enableAutoPipelining: true,
    enableReadyCheck: true,
    lazyConnect: options.lazyConnect ?? false,
    ...(options.connectionName ? { connectionName: options.connectionName } : {}),
  });
  // ioredis prints "Unhandled error event" for every failed reconnect of a connection nobody listens to; the one
  // connection that reports outages is the app's shared one (start-app), the rest stay quiet while it reconnects.
  redis.on('error', () => {});
  return redis;
}
