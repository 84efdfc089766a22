import { once } from 'node:events';
import { Queue } from 'bullmq';
import { DiscordEgress } from '../../adapters/discord/discord-egress.js';
import { startDiscordIngress, type DiscordIngress } from '../../adapters/discord/discord-ingress.js';
import { HttpEgress } from '../../adapters/http/http-egress.js';
import { mountHttpApi } from '../../adapters/http/http-api.js';
import { ShellEgress } from '../../adapters/shell/shell-egress.js';
import { SlackEgress } from '../../adapters/slack/slack-egress.js';
import { startSlackIngress, type SlackIngress } from '../../adapters/slack/slack-ingress.js';
import { createLimitGuard } from '../budget/create-limit-guard.js';
import { ClaudeClient } from '../claude/claude-client.js';
import { createDefaultRouter } from '../commands/default-router.js';
import { requireModelAccess, type Config } from '../config/read-config.js';
import type { Egress } from '../domain/egress.js';
import type { Platform } from '../domain/inbound-message.js';
import { createHttpServer, type HttpServer } from '../http/create-http-server.js';
import type { Logger } from '../log/create-logger.js';
import { createMetrics, type Metrics } from '../metrics/create-metrics.js';
import { INBOUND_QUEUE, createInboundProducer, type InboundJobData, type InboundProducer } from '../queue/inbound-queue.js';
import { RateBudget } from '../rate/rate-budget.js';
import { createRedis } from '../redis/create-redis.js';
import { openDatabase, runMigrations, type Database } from '../store/database.js';
import { startWorker, type RunningWorker } from '../worker/start-worker.js';
import { startSkillWorkers } from '../skills/start-skill-workers.js';
import type { SkillWorkers } from '../skills/skill.js';
import { startMaintenance } from '../maintenance/start-maintenance.js';

/** Which halves of Xiaoliu this process runs: `npm start` runs both. */
export interface Roles {
  /** Platform connections and ingress routes: verify, normalize, queue, acknowledge. */
  gateway: boolean;
  /** Drains the queue: commands, model calls, replies. */
  worker: boolean;
}

/** A started Xiaoliu process. */
export interface RunningApp {
  /** The port the HTTP server listens on (useful when PORT=0). */
  port: number;
  http: HttpServer;
  producer: InboundProducer;
  database: Database;
  metrics: Metrics;
  /** Stops taking work, lets in-flight answers finish (or hands them back), closes connections. */
  close(): Promise<void>;
}

/** Extra wiring for tests and embedders: more egresses (fake platforms), and whether to listen at all. */
export interface StartOptions {
  extraEgress?: Egress[];
  /** Process metrics (event loop, memory) are per process; tests that start several apps turn them off. */
  processMetrics?: boolean;
  /** Whether to serve HTTP (health, metrics, ingress routes); the terminal shell does without. */
  http?: boolean;
}

/** The composition root: builds every service from the config and wires them together. */
export async function startApp(config: Config, log: Logger, roles: Roles, options: StartOptions = {}): Promise<RunningApp> {
  if (roles.worker) requireModelAccess(config);
  const metrics = createMetrics({ processMetrics: options.processMetrics ?? true });
  // postgres.js pipelines queries on each connection: past ten, more connections only split the same queries into more
  // socket writes (twenty measured slower than ten under npm run bench's throughput load).
  const database = await openDatabase(config.databaseUrl, log, { max: roles.worker ? 10 : 5 });
  if (config.migrateOnStart) await runMigrations(config.databaseUrl, log);
  const redis = createRedis(config.redisUrl, { connectionName: 'xiaoliu' });
  redis.on('error', (error) => log.error({ err: error }, 'Redis connection error (retrying): is Redis reachable at REDIS_URL?'));
  // Adapters queue through a connection of their own that fails at once while Redis is away, so Slack gets a 500 and
  // delivers again (the worker's connections wait for Redis instead).
  const ingressRedis = createRedis(config.redisUrl, { connectionName: 'xiaoliu-ingress', failFast: true });
  if (ingressRedis.status !== 'ready') await once(ingressRedis, 'ready');
  const producer = createInboundProducer({ redis: ingressRedis, prefix: config.queuePrefix, jobAttempts: config.worker.jobAttempts });
  const queue = new Queue<InboundJobData>(INBOUND_QUEUE, { connection: redis, prefix: config.queuePrefix });
  // Connection errors are reported once, by the shared connection's handler; BullMQ would print each to the console.
  for (const q of [producer.queue, queue]) q.on('error', (error) => log.debug({ err: error }, 'queue connection error'));

  let worker: RunningWorker | undefined;
  let skillWorkers: SkillWorkers | undefined;
  // Housekeeping (data retention) runs in workers: one job per period across all of them.
  const maintenance = roles.worker ? await startMaintenance({ config, sql: database.sql, log }) : undefined;
  if (roles.worker) {
    const egress = new Map<Platform, Egress>();
    const platforms: Egress[] = [new ShellEgress(redis, config.queuePrefix, config.shell.editIntervalMs)];
    if (config.slack) {
      // Slack's per-method limits are per workspace, so every worker takes its slots from one budget in Redis.
      const budget = new RateBudget(redis, config.queuePrefix, { timeScale: config.slack.rateTimeScale });
      platforms.push(new SlackEgress(config.slack, log, budget));
    }
    if (config.discord) platforms.push(new DiscordEgress(config.discord, redis, config.queuePrefix, log));
    if (config.httpApi.enabled) platforms.push(new HttpEgress(redis, database.sql, config.queuePrefix, config.httpApi.maxFileBytes));
    for (const e of [...platforms, ...(options.extraEgress ?? [])]) {
      egress.set(e.platform, e);
    }
    const claude = new ClaudeClient({
      apiKey: config.anthropic.apiKey,
      baseUrl: config.anthropic.baseUrl,
      maxAttempts: config.anthropic.maxAttempts,
      timeoutMs: config.anthropic.timeoutMs,
      idleTimeoutMs: config.anthropic.idleTimeoutMs,
      prices: config.anthropic.prices,
      log,
      metrics,
    });
    worker = startWorker(
      {
        sql: database.sql,
        redis,
        prefix: config.queuePrefix,
        queue,
        egress,
        router: createDefaultRouter(),
        claude,
        limits: createLimitGuard({ sql: database.sql, redis, prefix: config.queuePrefix, config }),
        config,
        metrics,
        log,
      },
      { connection: createRedis(config.redisUrl, { connectionName: 'xiaoliu-worker' }), concurrency: config.worker.concurrency },
    );
    // The jobs of skills with queues of their own (src/skills/*/).
    skillWorkers = startSkillWorkers({ sql: database.sql, redis, prefix: config.queuePrefix, egress, claude, config, log });
  }

  const http = createHttpServer({
    log,
    metrics,
    checks: [
      { name: 'postgres', check: async () => void (await database.sql`select 1`) },
      { name: 'redis', check: async () => void (await redis.ping()) },
    ],
    beforeScrape: async () => {
      const counts = await queue.getJobCounts('waiting', 'active', 'delayed', 'failed', 'prioritized');
      for (const [state, count] of Object.entries(counts)) metrics.queueDepth.set({ state }, count);
    },
  });
  let slack: SlackIngress | undefined;
  if (roles.gateway && config.slack) {
    slack = await startSlackIngress({ config: config.slack, producer, http, sql: database.sql, log, metrics });
  }
  let discord: DiscordIngress | undefined;
  if (roles.gateway && config.discord) {
    const deps = { config: config.discord, producer, sql: database.sql, redis, prefix: config.queuePrefix, log, metrics };
    discord = await startDiscordIngress(deps);
  }
  const httpApi =
    roles.gateway && config.httpApi.enabled && options.http !== false
      ? mountHttpApi({
          http,
          sql: database.sql,
          redis,
          subscriber: createRedis(config.redisUrl, { connectionName: 'xiaoliu-http-answers' }),
          producer,
          prefix: config.queuePrefix,
          config: config.httpApi,
          log,
          metrics,
        })
      : undefined;
  const port = options.http === false ? 0 : await http.listen(config.http.port, config.http.host);
  log.info({ port, roles, model: roles.worker ? config.anthropic.model : undefined }, 'xiaoliu is up');

  return {
    port,
    http,
    producer,
    database,
    metrics,
    async close() {
      await http.close();
      await httpApi?.close();
      await slack?.stop();
      await discord?.stop();
      // In-flight answers and skills' jobs share one shutdown allowance.
      await Promise.all([worker?.close(config.worker.shutdownTimeoutMs), skillWorkers?.close(config.worker.shutdownTimeoutMs)]);
      await maintenance?.close();
      await producer.close();
      await queue.close();
      await ingressRedis.quit().catch(() => ingressRedis.disconnect());
      await redis.quit().catch(() => redis.disconnect());
      await database.close();
    },
  };
}
