import { randomBytes } from 'node:crypto';
import { startApp, type Roles, type RunningApp } from '../../src/app/start-app.js';
import { readConfig, type Config } from '../../src/config/read-config.js';
import type { Egress } from '../../src/domain/egress.js';
import type { InboundMessage } from '../../src/domain/inbound-message.js';
import { silentLogger } from './silent-logger.js';
import type { TestDatabase } from './test-database.js';

export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A config for one test: its own database, its own Redis key prefix, the fake model, a random port. */
export function testConfig(database: TestDatabase, modelUrl: string, env: Record<string, string> = {}): Config {
  return readConfig({
    DATABASE_URL: database.url,
    REDIS_URL: TEST_REDIS_URL,
    QUEUE_PREFIX: `xt-${randomBytes(4).toString('hex')}`,
    ANTHROPIC_BASE_URL: modelUrl,
    ANTHROPIC_API_KEY: 'test-key',
    PORT: '0',
    HOST: '127.0.0.1',
    METRICS_PORT: '0',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    WORKER_CONCURRENCY: '8',
    JOB_ATTEMPTS: '3',
    SHUTDOWN_TIMEOUT_MS: '5000',
    ...env,
  });
}

export function startTestApp(config: Config, egress: Egress[], roles: Roles = { gateway: true, worker: true }): Promise<RunningApp> {
  return startApp(config, silentLogger(), roles, { extraEgress: egress, processMetrics: false });
}

let counter = 0;

/** A normalized message as an adapter would queue it. */
export function inbound(text: string, overrides: Partial<InboundMessage> & { thread?: string } = {}): InboundMessage {
  counter++;
  const { thread, ...rest } = overrides;
  return {
    v: 1,
    id: `test-${Date.now()}-${counter}`,
    platform: 'shell',
    kind: 'thread',
    address: { workspaceId: 'W1', channelId: 'C1', threadId: thread ?? 'T1' },
    author: { id: 'U1', name: 'Ann', isBot: false },
    text,
    attachments: [],
    sentAt: new Date(Date.now() + counter).toISOString(),
    ...rest,
  };
}
