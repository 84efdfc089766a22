import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { shellChannel } from '../adapters/shell/shell-egress.js';
import type { RelayEvent } from '../src/relay/relay-events.js';
import { relayedTexts } from './support/relayed-texts.js';
import { createInboundProducer } from '../src/queue/inbound-queue.js';
import { createRedis } from '../src/redis/create-redis.js';
import { startFakeAnthropic, type FakeAnthropic } from './fakes/fake-anthropic.js';
import { inbound, TEST_REDIS_URL } from './support/test-app.js';
import { TEST_PG_SERVER } from './support/test-database.js';
import { spawnProcess, type RunningProcess } from './support/spawn-process.js';
import { waitFor } from './support/wait-for.js';

// The containers' commands, run for real: the image's ENTRYPOINT (docker/Dockerfile) followed by each compose
// service's command, from the repository root, whose dist/ (built by vitest's globalSetup, test/support/build-app.ts)
// is what the image's build stage puts in its WORKDIR; no TypeScript loader, as in the image. migrate builds a database
// from nothing; then a separate gateway and worker, with MIGRATE_ON_START=false as compose sets it, serve their
// probes and answer a question together, and exit 0 on SIGTERM as `docker stop` and Kubernetes send it.

const dockerfile = readFileSync('docker/Dockerfile', 'utf8');
const entrypoint = JSON.parse(/^ENTRYPOINT (\[.*\])$/m.exec(dockerfile)![1]!) as string[];
const compose = parse(readFileSync('docker-compose.yml', 'utf8'), { merge: true }) as {
  services: Record<string, { command: string[]; environment: Record<string, string> }>;
};

function runRole(service: string, env: Record<string, string>): RunningProcess {
  const [program, ...args] = [...entrypoint, ...compose.services[service]!.command];
  expect(program).toBe('node');
  return spawnProcess(args, {
    // A developer's .env must not switch real platforms on here: empty counts as unset.
    SLACK_BOT_TOKEN: '',
    SLACK_APP_TOKEN: '',
    DISCORD_TOKEN: '',
    LOG_LEVEL: 'info',
    HOST: '127.0.0.1',
    PORT: '0',
    MIGRATE_ON_START: compose.services[service]!.environment.MIGRATE_ON_START!,
    ...env,
  });
}

/** The ports from the JSON log line `xiaoliu is up` (PORT=0 and METRICS_PORT=0 pick free ones). */
async function portsOf(process: RunningProcess): Promise<{ port: number; metricsPort: number; metricsHost: string }> {
  const line = await waitFor(
    'start-up',
    () => process.output().split('\n').find((l) => l.includes('"xiaoliu is up"')),
    20_000,
  ).catch((error: Error) => {
    throw new Error(`${error.message}\n${process.output()}`);
  });
  return JSON.parse(line) as { port: number; metricsPort: number; metricsHost: string };
}

describe('the container commands, run as the image runs them', () => {
  const databaseName = `xiaoliu_test_roles_${randomBytes(5).toString('hex')}`;
  const databaseUrl = `${TEST_PG_SERVER}/${databaseName}`;
  const prefix = `xt-${randomBytes(4).toString('hex')}`;
  let model: FakeAnthropic;
  const started: RunningProcess[] = [];

  beforeAll(async () => {
    model = await startFakeAnthropic({ firstTokenDelayMs: 10, tokensPerSecond: 0 });
  });
  afterAll(async () => {
    for (const process of started) if (process.child.exitCode === null) process.child.kill('SIGKILL');
    await model?.close();
    const admin = postgres(`${TEST_PG_SERVER}/postgres`, { max: 1, onnotice: () => {} });
    await admin.unsafe(`drop database if exists "${databaseName}" with (force)`);
    await admin.end();
    const redis = createRedis(TEST_REDIS_URL);
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length) await redis.del(...keys);
    await redis.quit();
  });

  it('are the npm scripts: the same node flags and entry file, then the role', () => {
    const scripts = (JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> }).scripts;
    for (const role of ['migrate', 'gateway', 'worker']) {
      expect([...entrypoint, ...compose.services[role]!.command].join(' ')).toBe(scripts[role]);
    }
  });

  it('migrate: creates and migrates a database from nothing, then exits 0', async () => {
    const migrate = runRole('migrate', { DATABASE_URL: databaseUrl, REDIS_URL: TEST_REDIS_URL });
    started.push(migrate);
    expect(await migrate.exited, migrate.output()).toBe(0);
    const sql = postgres(databaseUrl, { max: 1, onnotice: () => {} });
    try {
      const tables = await sql<{ name: string }[]>`select table_name as name from information_schema.tables where table_schema = 'public'`;
      expect(tables.map((t) => t.name)).toEqual(expect.arrayContaining(['conversations', 'messages', 'inbound_deliveries', 'replies', 'usage']));
    } finally {
      await sql.end();
    }
  });

  it('gateway and worker: serve /health publicly and /ready and /metrics only on the loopback operator port, answer together, and exit 0 on SIGTERM', async () => {
    const env = { DATABASE_URL: databaseUrl, REDIS_URL: TEST_REDIS_URL, QUEUE_PREFIX: prefix, ANTHROPIC_BASE_URL: model.url, SHUTDOWN_TIMEOUT_MS: '5000' };
    // No METRICS_HOST: the default. (METRICS_PORT=0, set by spawnProcess, only because its fixed default would
    // collide between the two processes.)
    const gateway = runRole('gateway', env);
    const worker = runRole('worker', env);
    started.push(gateway, worker);
    const ports = { gateway: await portsOf(gateway), worker: await portsOf(worker) };

    for (const [role, { port, metricsPort, metricsHost }] of Object.entries(ports)) {
      const health = await fetch(`http://127.0.0.1:${port}/health`);
      expect(health.status, role).toBe(200);
      expect(await health.json()).toEqual({ status: 'ok' });
      // The public listener has no operator routes: with nothing in front, the internet sees neither.
      for (const path of ['/metrics', '/ready']) expect((await fetch(`http://127.0.0.1:${port}${path}`)).status, `${role} ${path}`).toBe(404);
      expect(metricsHost, role).toBe('127.0.0.1');
      expect(metricsPort, role).not.toBe(port);
      const ready = await fetch(`http://127.0.0.1:${metricsPort}/ready`);
      expect(ready.status, role).toBe(200);
      expect(await ready.json()).toEqual({ status: 'ready', checks: { postgres: 'ok', redis: 'ok' } });
      const metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
      expect(metrics, role).toContain('xiaoliu_queue_depth{state="waiting"}');
      expect(metrics, role).toContain('xiaoliu_process_resident_memory_bytes');
    }

    // A question queued as the gateway would queue it is answered by the separate worker process.
    const redis = createRedis(TEST_REDIS_URL);
    const subscriber = createRedis(TEST_REDIS_URL);
    const producer = createInboundProducer({ redis, prefix, jobAttempts: 3 });
    const events: RelayEvent[] = [];
    try {
      subscriber.on('message', (_channel: string, raw: string) => events.push(JSON.parse(raw) as RelayEvent));
      await subscriber.subscribe(shellChannel(prefix, 'W1', 'C1'));
      const message = inbound('are you deployed?');
      await producer.enqueue(message);
      await waitFor('the answer', () => events.some((e) => e.type === 'done' && e.deliveryId === message.id));
      expect([...relayedTexts(events).values()]).toEqual(['Echo: [Ann] are you deployed?']);
    } finally {
      await producer.close();
      await subscriber.quit();
      await redis.quit();
    }

    gateway.child.kill('SIGTERM');
    worker.child.kill('SIGTERM');
    expect(await gateway.exited, gateway.output()).toBe(0);
    expect(await worker.exited, worker.output()).toBe(0);
    expect(gateway.output()).toContain('shut down cleanly');
    expect(worker.output()).toContain('shut down cleanly');
  });

  it.each([
    ['ANTHROPIC_API_KEY', 'CHANGE-ME'],
    ['DATABASE_URL', 'postgres://xiaoliu:CHANGE-ME@127.0.0.1:5432/xiaoliu'],
    ['REDIS_URL', 'redis://xiaoliu:CHANGE-ME@127.0.0.1:6379'],
    ['DISCORD_TOKEN', 'CHANGE-ME.CHANGE-ME.CHANGE-ME'],
  ])('worker: refuses to start with %s holding the example placeholder, naming the variable', async (name, value) => {
    const worker = runRole('worker', { DATABASE_URL: databaseUrl, REDIS_URL: TEST_REDIS_URL, ANTHROPIC_BASE_URL: model.url, [name]: value });
    started.push(worker);
    expect(await worker.exited, worker.output()).toBe(1);
    expect(worker.output()).toMatch(new RegExp(`^xiaoliu: configuration error: ${name} (still holds the example's placeholder|has a placeholder password)`, 'm'));
    expect(worker.output()).not.toContain('xiaoliu is up');
  });

  it('gateway: refuses Slack over HTTP without SLACK_SIGNING_SECRET, which workers are not given', async () => {
    const gateway = runRole('gateway', { DATABASE_URL: databaseUrl, REDIS_URL: TEST_REDIS_URL, QUEUE_PREFIX: prefix, SLACK_BOT_TOKEN: 'xoxb-roles-test', SLACK_SIGNING_SECRET: '' });
    started.push(gateway);
    expect(await gateway.exited, gateway.output()).toBe(1);
    expect(gateway.output()).toMatch(/^xiaoliu: configuration error: SLACK_SIGNING_SECRET is required when SLACK_BOT_TOKEN is set/m);
  });
});
