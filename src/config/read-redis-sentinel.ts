import { ConfigError } from '../domain/errors.js';
import { int, pattern, type Env } from './env-readers.js';

/** Where Redis Sentinel says the primary is: the app asks the sentinels, and asks again after a failover. */
export interface RedisSentinelConfig {
  /** REDIS_SENTINELS: the sentinels to ask (any one that answers will do; ioredis learns the others from it). */
  sentinels: { host: string; port: number }[];
  /** REDIS_SENTINEL_NAME: the name the sentinels monitor the primary under (`sentinel monitor <name> …`). */
  name: string;
  /** REDIS_SENTINEL_PASSWORD: the sentinels' own password (`requirepass` in sentinel.conf), if they have one. Secret. */
  password: string | undefined;
}

/** Sentinel's default port (https://redis.io/docs/latest/operate/oss_and_stack/management/sentinel/). */
const SENTINEL_PORT = 26379;

/**
 * REDIS_SENTINELS (`host:port,host:port,…`; the port defaults to 26379), REDIS_SENTINEL_NAME and
 * REDIS_SENTINEL_PASSWORD. Undefined without REDIS_SENTINELS: Redis is at REDIS_URL's host. With it, REDIS_URL still
 * gives the user, password and database of the primary (its host and port are not used).
 */
export function readRedisSentinel(env: Env): RedisSentinelConfig | undefined {
  const raw = env.REDIS_SENTINELS?.trim();
  if (!raw) {
    for (const name of ['REDIS_SENTINEL_NAME', 'REDIS_SENTINEL_PASSWORD']) {
      if (env[name]?.trim()) throw new ConfigError(name, `${name} is set but REDIS_SENTINELS is not: list the sentinels (host:port,host:port,…), or unset ${name}`);
    }
    return undefined;
  }
  const sentinels = raw.split(',').map((entry) => sentinelAddress(entry.trim()));
  // ioredis would have to speak TLS to the sentinels and to the primary alike, which nothing here has tested.
  if (env.REDIS_URL?.trim().startsWith('rediss:')) {
    throw new ConfigError('REDIS_SENTINELS', 'REDIS_SENTINELS cannot be combined with a rediss:// REDIS_URL (TLS through Sentinel is not supported): use redis:// or unset REDIS_SENTINELS');
  }
  return {
    sentinels,
    name: pattern(env, 'REDIS_SENTINEL_NAME', 'mymaster', /^[A-Za-z0-9._-]{1,100}$/, 'the master name the sentinels monitor, such as mymaster'),
    password: env.REDIS_SENTINEL_PASSWORD || undefined,
  };
}

/**
 * REDIS_REPLICA_WAIT_MS: how long the gateway waits for a replica to confirm a queued message before acknowledging it
 * to the platform anyway (Redis WAIT). With sentinels it defaults to 500 ms: a failover then cannot lose a message the
 * platform was told arrived, as long as a replica is up. 0 turns it off.
 */
export function readReplicaWaitMs(env: Env, sentinel: RedisSentinelConfig | undefined): number {
  return int(env, 'REDIS_REPLICA_WAIT_MS', sentinel ? 500 : 0, 0, 60_000);
}

function sentinelAddress(entry: string): { host: string; port: number } {
  // host, host:port, or [v6]:port.
  const match = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+)(?::(\d{1,5}))?$/.exec(entry);
  const port = match?.[2] === undefined ? SENTINEL_PORT : Number(match[2]);
  if (!match || port < 1 || port > 65_535) {
    throw new ConfigError('REDIS_SENTINELS', `REDIS_SENTINELS must be a comma-separated list of host:port, such as sentinel-1:26379,sentinel-2:26379 (got "${entry}")`);
  }
  return { host: match[1]!.replace(/^\[|\]$/g, ''), port };
}
