import { createLogger, type Logger } from '../../src/log/create-logger.js';

/** A real logger that writes nothing unless TEST_LOG_LEVEL asks for it (handy when a test fails). */
export function silentLogger(): Logger {
  const level = (process.env.TEST_LOG_LEVEL ?? 'silent') as 'silent';
  return createLogger({ level });
}
