import { pino, type DestinationStream, type Logger } from 'pino';
import type { LogLevel } from '../config/read-config.js';

export type { Logger };

/**
 * Paths pino blanks out wherever they appear in a logged object. Secrets must never reach logs, so anything that
 * could carry one (the config, request headers, SDK errors echoing headers) is covered here rather than at each call.
 */
export const REDACTED_PATHS = [
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
  '*.botToken',
  '*.*.botToken',
  '*.signingSecret',
  '*.*.signingSecret',
  '*.appToken',
  '*.*.appToken',
  // The Discord bot token (config.discord.token; `*.*.token` covers it too, kept explicit so a rename fails loudly).
  'discord.token',
  '*.discord.token',
  // Discord puts interaction tokens in webhook URLs; the egress scrubs its errors, this catches a stray one.
  'interactionToken',
  '*.interactionToken',
  'databaseUrl',
  '*.databaseUrl',
  'redisUrl',
  '*.redisUrl',
];

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
