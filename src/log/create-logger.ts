import { pino, type DestinationStream, type Logger } from 'pino';
import { ADAPTERS } from '../../adapters/registry.js';
import type { LogLevel } from '../config/read-config.js';

export type { Logger };

/**
 * Paths pino blanks out wherever they appear in a logged object. Secrets must never reach logs, so anything that
 * could carry one (the config, request headers, SDK errors echoing headers) is covered here rather than at each call.
 */
const CORE_PATHS = [
  'apiKey',
  '*.apiKey',
  '*.*.apiKey',
  'token',
  '*.token',
  '*.*.token',
  'authorization',
  '*.authorization',
  '*.headers.authorization',
  '*.headers["x-api-key"]',
  '*.*.headers.authorization',
  '*.*.headers["x-api-key"]',
  'databaseUrl',
  '*.databaseUrl',
  'redisUrl',
  '*.redisUrl',
  // ioredis puts the failed command on its errors, arguments and all: HELLO's and AUTH's carry REDIS_URL's password,
  // a queue command's carry a job's payload (message text).
  'command.args',
  '*.command.args',
  'redisSentinel.password',
  '*.redisSentinel.password',
];

/** Every platform's secret fields, as its adapter names them, down to a whole config logged (config.platforms.slack). */
const PLATFORM_PATHS = ADAPTERS.flatMap((adapter) => adapter.secretFields).flatMap((field) => [field, `*.${field}`, `*.*.${field}`, `*.*.*.${field}`]);

export const REDACTED_PATHS = [...new Set([...CORE_PATHS, ...PLATFORM_PATHS])];

/** The one root logger of a process; everything else logs through children of it. */
export function createLogger(options: { level: LogLevel; name?: string }, destination?: DestinationStream): Logger {
  return pino(
    {
      name: options.name ?? 'xiaoliu',
      level: options.level,
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      // ISO time reads well in `docker compose logs` and sorts in any log store.
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
}
