import { Redis } from 'ioredis';

/**
 * A Redis connection as BullMQ needs it: commands wait for a reconnect instead of failing after a few retries
 * (`maxRetriesPerRequest: null`), so a Redis restart delays work rather than losing it.
 */
export function createRedis(url: string, options: { lazyConnect?: boolean; connectionName?: string } = {}): Redis {
  return new Redis(url, {
    maxRetriesPerRequest: null,
    enableReadyCheck: true,
    lazyConnect: options.lazyConnect ?? false,
    ...(options.connectionName ? { connectionName: options.connectionName } : {}),
  });
}
