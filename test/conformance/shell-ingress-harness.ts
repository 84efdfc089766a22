import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { createShellEgress } from '../../adapters/shell/shell-egress.js';
import { readShellConfig } from '../../adapters/shell/shell-config.js';
import { ShellSession } from '../../adapters/shell/shell-session.js';
import { readConfig } from '../../src/config/read-config.js';
import { Herald } from '../../src/ingress/herald.js';
import { Ingress } from '../../src/ingress/ingress.js';
import { createMetrics } from '../../src/metrics/create-metrics.js';
import { createInboundProducer } from '../../src/queue/inbound-queue.js';
import { createRedis } from '../../src/redis/create-redis.js';
import { silentLogger } from '../support/silent-logger.js';
import { TEST_REDIS_URL } from '../support/test-app.js';
import { createTestDatabase } from '../support/test-database.js';
import type { IngressHarness } from './ingress-conformance.js';

/**
 * The terminal's sessions, sending typed lines through the core's ingress and its herald, as the terminal's process
 * wires them (no worker: the answer never comes). One session a question, so each question's screen is its own.
 */
export async function shellIngressHarness(): Promise<IngressHarness> {
  const database = await createTestDatabase();
  const queuePrefix = `xt-conf-${randomBytes(4).toString('hex')}`;
  const redis = createRedis(TEST_REDIS_URL);
  const producer = createInboundProducer({ redis, prefix: queuePrefix, jobAttempts: 1 });
  const metrics = createMetrics({ processMetrics: false });
  const log = silentLogger();
  const egress = createShellEgress(readShellConfig({}), redis, queuePrefix);
  const herald = new Herald({ redis, prefix: queuePrefix, egress: new Map([['shell', egress]]), log });
  const ingress = new Ingress({ producer, sql: database.sql, log, metrics, controls: readConfig({}).controls, herald });
  const sessions: ShellSession[] = [];
  /** What each question's terminal shows, by the question. */
  const screens = new Map<string, string>();
  /** One session a question; `attach` is typed as `/attach PATH` before it. */
  const ask = async (text: string, attach?: string) => {
    const output = new PassThrough();
    screens.set(text, '');
    output.on('data', (chunk: Buffer) => screens.set(text, screens.get(text) + chunk.toString('utf8')));
    const session = new ShellSession({
      subscriber: createRedis(TEST_REDIS_URL),
      ingress,
      prefix: queuePrefix,
      workspaceId: 'host',
      channelId: `alice.conformance-${randomBytes(3).toString('hex')}`,
      user: { id: 'alice', name: 'alice' },
      output,
      filesDir: '/tmp',
      tty: false,
      answerTimeoutMs: 1,
      uploads: { sql: database.sql, maxFileBytes: 1_000_000 },
    });
    sessions.push(session);
    await session.start();
    if (attach) await session.attach(attach);
    await session.ask(text);
  };
  return {
    queuePrefix,
    dm: (text) => ask(text),
    async dmWithFile(text, file) {
      const dir = await mkdtemp(join(tmpdir(), 'xiaoliu-conf-'));
      const path = join(dir, file.name);
      await writeFile(path, file.data);
      await ask(text, path);
      await rm(dir, { recursive: true });
    },
    async queuedSigns(message) {
      return (screens.get(message.text) ?? '').split('\n').filter((line) => line.includes('in line'));
    },
    signSaysWhere: true,
    async close() {
      herald.close();
      for (const session of sessions) await session.close();
      await producer.close();
      await redis.quit();
      await database.drop();
    },
  };
}
