import { Redis, type RedisOptions } from 'ioredis';
import type { Config } from '../config/read-config.js';

/** Where Redis is: REDIS_URL, and the sentinels that say which server is the primary when there are any. */
export type RedisTarget = Pick<Config, 'redisUrl' | 'redisSentinel'>;

/**
 * The one place a Redis connection is made, so Sentinel (and whatever else REDIS_URL carries) applies to every one:
 * queues, workers and the blocking connections BullMQ duplicates from them, rate budgets, locks, relays, the ingress,
 * readiness checks and the doctor.
 *
 * A connection as BullMQ needs it: commands wait for a reconnect instead of failing after a few retries
 * (`maxRetriesPerRequest: null`), so a Redis restart or failover delays work rather than losing it.
 */
export function createRedis(
  target: string | RedisTarget,
  options: {
    lazyConnect?: boolean;
    connectionName?: string;
    failFast?: boolean;
    /** The doctor's: one attempt that fails rather than retries, so an unreachable Redis is reported, not waited for. */
    probe?: { timeoutMs: number };
  } = {},
): Redis {
  const { redisUrl, redisSentinel } = typeof target === 'string' ? { redisUrl: target, redisSentinel: undefined } : target;
  const redis = new Redis(redisUrl, {
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
    ...(redisSentinel ? sentinelOptions(redisSentinel) : {}),
    ...(options.probe ? probeOptions(options.probe.timeoutMs) : {}),
  });
  // ioredis prints "Unhandled error event" for every failed reconnect of a connection nobody listens to; the one
  // connection that reports outages is the app's shared one (start-app), the rest stay quiet while it reconnects.
  redis.on('error', () => {});
  return redis;
}

/**
 * Through Sentinel (https://redis.io/docs/latest/develop/reference/sentinel-clients/): ioredis asks the sentinels for
 * the primary at every (re)connect and checks that the server it reaches says it is one (ROLE), so a connection that
 * loses its primary finds the promoted replica. REDIS_URL's user, password and database apply to the primary; its
 * host and port are ignored.
 */
function sentinelOptions(sentinel: NonNullable<Config['redisSentinel']>): RedisOptions {
  return {
    sentinels: sentinel.sentinels,
    name: sentinel.name,
    ...(sentinel.password ? { sentinelPassword: sentinel.password } : {}),
    // Not ioredis's `failoverDetector`: when the sentinels announce the new primary while a connection is already
    // asking them for it (the old one died), the detector's disconnect ends that connection for good (status "end",
    // seen in test/faults/redis-failover.test.ts). A connection to a primary that was demoted but stayed up learns of
    // it from Redis instead: writes are refused (READONLY, below) and blocked reads are ended (UNBLOCKED).
    // A write that reaches a demoted primary is refused with READONLY and was not applied: reconnect (through the
    // sentinels, to the new primary) and send it again (2). Only with sentinels: with a plain REDIS_URL a replica
    // would be reconnected to forever, and the error says more (held-messages.ts explains it to the operator).
    reconnectOnError: (error) => (error.message.startsWith('READONLY') ? 2 : false),
    // A failover is over in seconds: ioredis's default backoff (doubling to 5 s) would leave connections waiting up to
    // 5 s more after it. Asking the sentinels again is cheap.
    retryStrategy: (times) => Math.min(times * 100, 1000),
  };
}

function probeOptions(timeoutMs: number): RedisOptions {
  return {
    lazyConnect: true,
    connectTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
    sentinelRetryStrategy: () => null,
  };
}
