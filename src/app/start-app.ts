import { once } from 'node:events';
import { Queue } from 'bullmq';
import { configuredAdapters } from '../../adapters/registry.js';
import { createLimitGuard } from '../budget/create-limit-guard.js';
import { OrgRateLimit } from '../claude/org-rate-limit.js';
import { ClaudeClient } from '../claude/claude-client.js';
import { createDefaultRouter } from '../commands/default-router.js';
import { requireModelAccess, type Config } from '../config/read-config.js';
import type { EgressDeps, IngressDeps, RunningIngress } from '../domain/adapter.js';
import { AnswerActions } from '../interactions/answer-actions.js';
import type { Egress } from '../domain/egress.js';
import type { Platform } from '../domain/inbound-message.js';
import { createHttpServer, type HttpServer } from '../net/create-http-server.js';
import { addOperatorRoutes } from '../net/operator-routes.js';
import { ConfigError } from '../domain/errors.js';
import { redisAuthProblem } from '../redis/redis-auth-problem.js';
import { Herald } from '../ingress/herald.js';
import type { MetricsJson } from './worker-thread.js';
import { Ingress } from '../ingress/ingress.js';
import type { Logger } from '../log/create-logger.js';
import { createMetrics, type Metrics } from '../metrics/create-metrics.js';
import { INBOUND_QUEUE, createInboundProducer, type InboundJobData, type InboundProducer } from '../queue/inbound-queue.js';
import { createRedis } from '../redis/create-redis.js';
import { ReplicaConfirm } from '../redis/replica-confirm.js';
import { openDatabase, runMigrations, type Database } from '../store/database.js';
import { startWorker, type RunningWorker } from '../worker/start-worker.js';
import { startSkillWorkers } from '../skills/start-skill-workers.js';
import type { SkillWorkers } from '../skills/skill.js';
import { startMaintenance } from '../maintenance/start-maintenance.js';
import { closeApprovalQueue, startApprovalExpiry } from '../tools/approval-expiry.js';
import { startScheduleWorker, type RunningScheduleWorker } from '../schedules/start-schedule-worker.js';

/** Which parts of Xiaoliu this process runs: `npm start` runs the gateway and the worker. */
export interface Roles {
  /** Platform connections and ingress routes: verify, normalize, queue, acknowledge. */
  gateway: boolean;
  /** Drains the queue: commands, model calls, replies. */
  worker: boolean;
  /** The terminal chat (`npm run shell`): ingresses that read the terminal; no HTTP server. */
  terminal?: boolean;
}

/** A started Xiaoliu process. */
export interface RunningApp {
  /** The port the public HTTP server listens on (useful when PORT=0). */
  port: number;
  /** The port of the operator's server, /metrics and /ready (METRICS_PORT; useful when it is 0). */
  metricsPort: number;
  http: HttpServer;
  producer: InboundProducer;
  /** The core's side of every ingress, which adapters hand their messages to. */
  ingress: Ingress;
  database: Database;
  metrics: Metrics;
  /** Resolves when an ingress ended by itself (the terminal, at the end of its input); undefined when none can. */
  ended: Promise<void> | undefined;
  /** Stops taking work, lets in-flight answers finish (or hands them back), closes connections. */
  close(): Promise<void>;
}

/** Extra wiring for the command line, tests and embedders. */
export interface StartOptions {
  /** More egresses (fake platforms in tests). */
  extraEgress?: Egress[];
  /** Process metrics (event loop, memory) are per process; tests that start several apps turn them off. */
  processMetrics?: boolean;
  /** The command line after the role (`npm run shell -- --session x`), for the ingresses to read. */
  args?: readonly string[];
  /** False: no listeners, for the worker thread of `npm start`, whose main thread serves HTTP and /metrics. */
  listen?: boolean;
  /** The worker thread's metrics (`npm start`), served on /metrics with this thread's. */
  moreMetrics?: () => Promise<MetricsJson>;
}

/** The composition root: builds every service from the config and wires them together. */
export async function startApp(config: Config, log: Logger, roles: Roles, options: StartOptions = {}): Promise<RunningApp> {
  if (roles.worker) requireModelAccess(config);
  const metrics = createMetrics({ processMetrics: options.processMetrics ?? true });
  // postgres.js pipelines queries on each connection: past ten, more connections only split the same queries into more
  // socket writes (twenty measured slower than ten under npm run bench's throughput load).
  const database = await openDatabase(config.databaseUrl, log, { max: roles.worker ? 10 : 5 });
  if (config.migrateOnStart) await runMigrations(config.databaseUrl, log);
  const redis = createRedis(config, { connectionName: 'xiaoliu' });
  const reachable = config.redisSentinel ? 'are the sentinels (REDIS_SENTINELS) and the primary they name reachable' : 'is Redis reachable at REDIS_URL';
  redis.on('error', (error) => log.error({ err: error }, redisAuthProblem(error) ?? `Redis connection error (retrying): ${reachable}?`));
  // Adapters queue through a connection of their own that fails at once while Redis is away, so Slack gets a 500 and
  // delivers again (the worker's connections wait for Redis instead).
  const ingressRedis = createRedis(config, { connectionName: 'xiaoliu-ingress', failFast: true });
  if (ingressRedis.status !== 'ready') {
    await once(ingressRedis, 'ready').catch((error: unknown) => {
      // Wrong credentials never come right by retrying: stop with a line that names the variable to fix.
      const problem = redisAuthProblem(error);
      if (problem) {
        redis.disconnect();
        ingressRedis.disconnect();
        throw new ConfigError('REDIS_URL', problem);
      }
      throw error;
    });
  }
  const producer = createInboundProducer({
    redis: ingressRedis,
    prefix: config.queuePrefix,
    jobAttempts: config.worker.jobAttempts,
    confirm: config.redisReplicaWaitMs > 0 ? new ReplicaConfirm(ingressRedis, config.redisReplicaWaitMs, log) : undefined,
  });
  const queue = new Queue<InboundJobData>(INBOUND_QUEUE, { connection: redis, prefix: config.queuePrefix });
  // Connection errors are reported once, by the shared connection's handler; BullMQ would print each to the console.
  for (const q of [producer.queue, queue]) q.on('error', (error) => log.debug({ err: error }, 'queue connection error'));

  let worker: RunningWorker | undefined;
  let skillWorkers: SkillWorkers | undefined;
  let scheduleWorker: RunningScheduleWorker | undefined;
  let approvalExpiry: { close(): Promise<void> } | undefined;
  // Housekeeping (data retention) runs in workers: one job per period across all of them.
  const maintenance = roles.worker ? await startMaintenance({ config, sql: database.sql, log }) : undefined;
  const egressDeps: EgressDeps = { redis, sql: database.sql, prefix: config.queuePrefix, log };
  // Workers answer through the egress; the gateway (and the terminal) show through it that a message is in line.
  const egress = new Map<Platform, Egress>();
  for (const { adapter, config: settings } of configuredAdapters(config.platforms)) {
    if (adapter.createEgress) egress.set(adapter.platform, await adapter.createEgress(settings, egressDeps));
  }
  for (const e of options.extraEgress ?? []) egress.set(e.platform, e);
  if (roles.worker) {
    const claude = new ClaudeClient({
      apiKey: config.anthropic.apiKey,
      baseUrl: config.anthropic.baseUrl,
      maxAttempts: config.anthropic.maxAttempts,
      timeoutMs: config.anthropic.timeoutMs,
      idleTimeoutMs: config.anthropic.idleTimeoutMs,
      prices: config.anthropic.prices,
      log,
      metrics,
      orgLimit: new OrgRateLimit(redis, config.queuePrefix, log),
    });
    const limits = createLimitGuard({ sql: database.sql, redis, prefix: config.queuePrefix, config });
    worker = startWorker(
      {
        sql: database.sql,
        redis,
        prefix: config.queuePrefix,
        queue,
        egress,
        router: createDefaultRouter(),
        claude,
        limits,
        config,
        metrics,
        log,
      },
      {
        connection: createRedis(config, { connectionName: 'xiaoliu-worker' }),
        concurrency: config.worker.concurrency,
        subscriber: createRedis(config, { connectionName: 'xiaoliu-deletions' }),
      },
    );
    // The jobs of skills with queues of their own (src/skills/*/).
    skillWorkers = startSkillWorkers({ sql: database.sql, redis, prefix: config.queuePrefix, egress, claude, limits, config, log });
    // Schedules' fires queue their prompts through the same producer as every platform message.
    scheduleWorker = await startScheduleWorker({ sql: database.sql, config, log, producer });
    // Tool calls waiting for their asker lapse on time, on whichever worker is up (src/tools/approval-expiry.ts).
    approvalExpiry = startApprovalExpiry({ config, sql: database.sql, log, producer });
  }

  // Two listeners: the public one (HOST:PORT) for platforms and users, and the operator's (METRICS_HOST:METRICS_PORT)
  // for Prometheus and readiness probes, so a process reachable from the internet never publishes its metrics.
  const http = createHttpServer({ log });
  const operator = createHttpServer({ log });
  addOperatorRoutes(operator, {
    log,
    metrics,
    checks: [
      { name: 'postgres', check: async () => void (await database.sql`select 1`) },
      { name: 'redis', check: async () => void (await redis.ping()) },
    ],
    ...(options.moreMetrics ? { moreMetrics: options.moreMetrics } : {}),
    beforeScrape: async () => {
      const counts = await queue.getJobCounts('waiting', 'active', 'delayed', 'failed', 'prioritized');
      for (const [state, count] of Object.entries(counts)) metrics.queueDepth.set({ state }, count);
    },
  });
  const herald = roles.gateway || roles.terminal ? new Herald({ redis, prefix: config.queuePrefix, egress, log }) : undefined;
  const ingress = new Ingress({ producer, sql: database.sql, log, metrics, controls: config.controls, ...(herald ? { herald } : {}) });
  if (roles.gateway) ingress.start();
  const ingressDeps: IngressDeps = {
    ...egressDeps,
    ingress,
    answers: new AnswerActions({ sql: database.sql, redis, prefix: config.queuePrefix, config, ingress, log }),
    http,
    connectRedis: (name) => createRedis(config, { connectionName: name }),
    args: options.args ?? [],
    config,
  };
  const ingresses: RunningIngress[] = [];
  for (const { adapter, config: settings } of configuredAdapters(config.platforms)) {
    const runs = (adapter.ingressRole ?? 'gateway') === 'gateway' ? roles.gateway : roles.terminal;
    if (adapter.startIngress && runs) ingresses.push(await adapter.startIngress(settings, ingressDeps));
  }
  // The terminal's process serves no HTTP: the terminal is its only way in.
  const listen = !roles.terminal && options.listen !== false;
  const port = listen ? await http.listen(config.http.port, config.http.host) : 0;
  const metricsPort = listen ? await operator.listen(config.metrics.port, config.metrics.host) : 0;
  log.info(
    { port, metricsPort, metricsHost: config.metrics.host, roles, model: roles.worker ? config.anthropic.model : undefined },
    listen || roles.terminal ? 'xiaoliu is up' : 'the worker thread is up',
  );

  return {
    port,
    metricsPort,
    http,
    producer,
    ingress,
    database,
    metrics,
    ended: ingresses.find((i) => i.ended)?.ended,
    async close() {
      await http.close();
      await operator.close();
      for (const running of ingresses) await running.stop();
      await ingress.stop();
      // In-flight answers and skills' jobs share one shutdown allowance.
      await Promise.all([worker?.close(config.worker.shutdownTimeoutMs), skillWorkers?.close(config.worker.shutdownTimeoutMs)]);
      await scheduleWorker?.close();
      await approvalExpiry?.close();
      await closeApprovalQueue(redis);
      await maintenance?.close();
      await producer.close();
      await queue.close();
      await ingressRedis.quit().catch(() => ingressRedis.disconnect());
      await redis.quit().catch(() => redis.disconnect());
      await database.close();
    },
  };
}
