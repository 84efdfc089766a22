import { DelayedError, type Job, type Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { ClaudeClient } from '../claude/claude-client.js';
import type { Router } from '../commands/router.js';
import type { Config } from '../config/read-config.js';
import type { Egress } from '../domain/egress.js';
import { UserFacingError } from '../domain/errors.js';
import { conversationKey, type Platform } from '../domain/inbound-message.js';
import type { Logger } from '../log/create-logger.js';
import type { Metrics } from '../metrics/create-metrics.js';
import type { InboundJobData } from '../queue/inbound-queue.js';
import { TURN_LOCK_MS, endTurn, isMyTurn, renewTurn } from '../queue/conversation-order.js';
import { ReplyWriter } from '../render/reply-writer.js';
import { claimDelivery, finishDelivery } from '../store/claim-delivery.js';
import type { Sql } from '../store/database.js';

/** Everything the processor needs, built once per worker process in the composition root. */
export interface ProcessorDeps {
  sql: Sql;
  redis: Redis;
  prefix: string;
  queue: Queue<InboundJobData>;
  egress: ReadonlyMap<Platform, Egress>;
  router: Router;
  claude: ClaudeClient;
  config: Config;
  metrics: Metrics;
  log: Logger;
  /** Aborted when the worker must hand its jobs back (shutdown timeout). */
  signal: AbortSignal;
}

/** How long a job waits for the one ahead of it in its thread before checking again, if not woken earlier. */
const TURN_RECHECK_MS = 500;

const INTERNAL_ERROR =
  'Sorry, something went wrong on my side and I could not answer. Please try again; if it keeps happening, tell an admin.';

/** Runs one inbound message: in thread order, exactly once, answering in the thread it came from. */
export async function processInbound(job: Job<InboundJobData>, token: string | undefined, deps: ProcessorDeps): Promise<void> {
  const { message } = job.data;
  const jobId = job.id!;
  const log = deps.log.child({ jobId, platform: message.platform, conversation: conversationKey(message) });

  if (!(await isMyTurn(deps.redis, deps.prefix, deps.queue, message, jobId))) {
    // An earlier message of this thread is still being answered: step aside without spending an attempt.
    await job.moveToDelayed(Date.now() + TURN_RECHECK_MS, token);
    throw new DelayedError();
  }

  const renew = setInterval(
    () => void renewTurn(deps.redis, deps.prefix, message, jobId).catch((error) => log.warn({ err: error }, 'could not renew the thread lock')),
    TURN_LOCK_MS / 3,
  );
  try {
    await run(job, token, deps, log);
  } finally {
    clearInterval(renew);
  }
}

/** The job, once it holds its thread's turn. */
async function run(job: Job<InboundJobData>, token: string | undefined, deps: ProcessorDeps, log: Logger): Promise<void> {
  const { message } = job.data;
  const jobId = job.id!;
  const egress = deps.egress.get(message.platform);
  if (!egress) {
    // No worker here can answer on this platform; another worker may (deployments can split platforms).
    throw new Error(`no egress for platform "${message.platform}": is the adapter configured on this worker?`);
  }

  const started = performance.now();
  const route = deps.router.route(message);
  const labels = { platform: message.platform, command: route.command.name };
  const claim = await claimDelivery(deps.sql, message.platform, message.address, message.id);
  if (claim.status !== 'processing') {
    log.info({ status: claim.status }, 'delivery already handled; not answering twice');
    deps.metrics.jobs.inc({ ...labels, outcome: 'duplicate' });
    await endTurn(deps.redis, deps.prefix, deps.queue, message, jobId);
    return;
  }

  // A signal per job: the SDK adds a listener to the signal of every call, and on one worker-wide signal those
  // would pile up for the life of the process.
  const jobAbort = new AbortController();
  const abortJob = () => jobAbort.abort(deps.signal.reason);
  deps.signal.addEventListener('abort', abortJob, { once: true });
  if (deps.signal.aborted) abortJob(); // shutdown began before the listener was added
  const reply = new ReplyWriter(egress, message.address, message.id, deps.sql, log, claim.firstTime, message.author.id);
  const lastAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
  try {
    log.debug({ command: route.command.name, attempt: job.attemptsMade + 1 }, 'handling message');
    await route.command.run({
      message,
      args: route.args,
      conversation: claim.conversation,
      conversationIsNew: claim.conversationIsNew,
      egress,
      reply,
      queuedAt: job.timestamp,
      sql: deps.sql,
      claude: deps.claude,
      config: deps.config,
      metrics: deps.metrics,
      log,
      signal: jobAbort.signal,
      commands: deps.router.commands,
    });
    await finishDelivery(deps.sql, message.id, 'answered');
    deps.metrics.jobs.inc({ ...labels, outcome: 'answered' });
  } catch (error) {
    if (deps.signal.aborted) {
      // Shutting down: hand the job back untouched so another worker answers it (editing what was posted).
      log.info('handing the job back: shutting down');
      await job.moveToDelayed(Date.now(), token);
      throw new DelayedError();
    }
    if (error instanceof UserFacingError) {
      await reply.fail(`⚠️ ${error.userMessage}`);
      await finishDelivery(deps.sql, message.id, 'answered');
      deps.metrics.jobs.inc({ ...labels, outcome: 'user_error' });
    } else if (lastAttempt) {
      log.error({ err: error, attempts: job.attemptsMade + 1 }, 'giving up on message after the last attempt');
      deps.metrics.jobs.inc({ ...labels, outcome: 'failed' });
      await reply.fail(`⚠️ ${INTERNAL_ERROR}`).catch((postError) => log.error({ err: postError }, 'could not post the error'));
      await finishDelivery(deps.sql, message.id, 'failed').catch(() => {});
      await endTurn(deps.redis, deps.prefix, deps.queue, message, jobId);
      await egress.done?.(message.address, message.id).catch(() => {});
      throw error;
    } else {
      log.warn({ err: error, attempt: job.attemptsMade + 1 }, 'message failed; it will be retried');
      deps.metrics.jobs.inc({ ...labels, outcome: 'retried' });
      throw error;
    }
  } finally {
    deps.signal.removeEventListener('abort', abortJob);
  }
  deps.metrics.jobDuration.observe(labels, (performance.now() - started) / 1000);
  await endTurn(deps.redis, deps.prefix, deps.queue, message, jobId);
  await egress.done?.(message.address, message.id).catch((error) => log.warn({ err: error }, 'egress.done failed'));
}
