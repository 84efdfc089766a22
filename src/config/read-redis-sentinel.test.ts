import { describe, expect, it } from 'vitest';
import { ConfigError } from '../domain/errors.js';
import { readConfig } from './read-config.js';

function errorOf(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('Redis Sentinel settings', () => {
  it('are off by default: Redis is at REDIS_URL, and nothing waits for a replica', () => {
    const config = readConfig({});
    expect(config.redisSentinel).toBeUndefined();
    expect(config.redisReplicaWaitMs).toBe(0);
  });

  it('read the sentinels (port 26379 unless given), the master name and password, and wait for a replica by default', () => {
    const config = readConfig({
      REDIS_URL: 'redis://:primary-password@ignored:6379/2',
      REDIS_SENTINELS: 'sentinel-1:26380, sentinel-2 ,[::1]:26381',
      REDIS_SENTINEL_NAME: 'xiaoliu',
      REDIS_SENTINEL_PASSWORD: 'sentinel-password',
    });
    expect(config.redisSentinel).toEqual({
      sentinels: [
        { host: 'sentinel-1', port: 26380 },
        { host: 'sentinel-2', port: 26379 },
        { host: '::1', port: 26381 },
      ],
      name: 'xiaoliu',
      password: 'sentinel-password',
    });
    expect(config.redisReplicaWaitMs).toBe(500);
    expect(readConfig({ REDIS_SENTINELS: 's:26379' }).redisSentinel?.name).toBe('mymaster');
    expect(readConfig({ REDIS_SENTINELS: 's:26379', REDIS_REPLICA_WAIT_MS: '0' }).redisReplicaWaitMs).toBe(0);
  });

  it.each([
    [{ REDIS_SENTINELS: 'sentinel-1:port' }, 'REDIS_SENTINELS', /comma-separated list of host:port/],
    [{ REDIS_SENTINELS: 'sentinel-1:70000' }, 'REDIS_SENTINELS', /host:port/],
    [{ REDIS_SENTINELS: 'a:1,,b:2' }, 'REDIS_SENTINELS', /got ""/],
    [{ REDIS_SENTINELS: 'a:1', REDIS_SENTINEL_NAME: 'my master' }, 'REDIS_SENTINEL_NAME', /master name/],
    [{ REDIS_SENTINEL_NAME: 'mymaster' }, 'REDIS_SENTINEL_NAME', /REDIS_SENTINELS is not/],
    [{ REDIS_SENTINELS: 'a:1', REDIS_URL: 'rediss://h:6380' }, 'REDIS_SENTINELS', /rediss/],
    [{ REDIS_SENTINELS: 'a:1', REDIS_REPLICA_WAIT_MS: 'soon' }, 'REDIS_REPLICA_WAIT_MS', /whole number/],
  ])('refuse %j, naming %s', (env, name, message) => {
    const error = errorOf(() => readConfig(env));
    expect(error.variable).toBe(name);
    expect(error.message).toMatch(message);
  });
});
