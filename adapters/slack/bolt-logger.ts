import { LogLevel, type Logger as BoltLogger } from '@slack/bolt';
import type { Logger } from '../../src/log/create-logger.js';

/** Bolt and the Web API client want their own logger shape; this one writes through our pino child, redaction included. */
export function boltLogger(log: Logger): BoltLogger {
  let level = LogLevel.INFO;
  const write = (method: 'debug' | 'info' | 'warn' | 'error') => (...messages: unknown[]) =>
    log[method]({ source: 'slack' }, messages.map((m) => (typeof m === 'string' ? m : JSON.stringify(m))).join(' '));
  return {
    debug: write('debug'),
    info: write('info'),
    warn: write('warn'),
    error: write('error'),
    setLevel: (next: LogLevel) => void (level = next),
    getLevel: () => level,
    setName: () => {},
  };
}
