import { DelayedError, type Job, type Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { isAllowed } from '../config/is-allowed.js';
import type { ClaudeClient } from '../claude/claude-client.js';
import type { LimitGuard, TurnOutcome } from '../commands/command.js';
import { defaultSettings, SKILL_NAMES } from '../domain/channel-settings.js';
import { followUpRoute } from '../commands/follow-up-route.js';
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
import { settingsInForce } from '../store/channel-settings.js';
import { isDatabaseDown, type Sql } from '../store/database.js';
import { roleFrom } from '../store/user-roles.js';

/** Everything the processor needs, built once per worker process in the composition root. */
export interface ProcessorDeps {
  sql: Sql;
  redis: Redis;
  prefix: string;
  queue: Queue<InboundJobData>;
  egress: ReadonlyMap<Platform, Egress>;
  router: Router;
  claude: ClaudeClient;
  limits: LimitGuard;
  config: Config;
  metrics: Metrics;
  log: Logger;
  /** Aborted when the worker must hand its jobs back (shutdown timeout). */
  signal: AbortSignal;
}

/** How long a job waits for the one ahead of it in its thread before checking again, if not woken earlier. */
const TURN_RECHECK_MS = 500;

/**
 * While Postgres is unreachable a message waits for it, checking this often, without spending its attempts (which
 * would run out in seconds: 1 + 2 + 4 + 8 s of backoff by default), for up to DATABASE_PATIENCE_MS after it was queued.
 */
const DATABASE_RECHECK_MS = 2000;
const DATABASE_PATIENCE_MS = 10 * 60_000;

const NOT_ALLOWED =
  "Sorry, I'm not set up to answer here. If you think I should be, ask whoever runs Xiaoliu for your team to add this channel.";

const INTERNAL_ERROR =
  'Sorry, something went wrong on my side and I could not answer. Please try again; if it keeps happening, tell an admin.';

/**
 * Runs one inbound message: in thread order, exactly once, answering in the thread it came from. `lockLost` is
 * BullMQ's signal for this job, aborted when its lock could not be renewed (the job went back to the queue).
 */
export async function processInbound(
  job: Job<InboundJobData>,
  token: string | undefined,
  deps: ProcessorDeps,
  lockLost?: AbortSignal,
): Promise<void> {
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
    await run(job, token, deps, log, lockLost);
  } catch (error) {
    // The delivery is claimed before run's own error handling starts: an outage usually shows first there.
    if (await waitForDatabase(job, token, error, log)) throw new DelayedError();
    throw error;
  } finally {
    clearInterval(renew);
  }
}

/** The job, once it holds its thread's turn. */
async function run(job: Job<InboundJobData>, token: string | undefined, deps: ProcessorDeps, log: Logger, lockLost?: AbortSignal): Promise<void> {
  const { message } = job.data;
  const jobId = job.id!;
  const egress = deps.egress.get(message.platform);
  if (!egress) {
    // No worker here can answer on this platform; another worker may (deployments can split platforms).
    throw new Error(`no egress for platform "${message.platform}": is the adapter configured on this worker?`);
  }

  const started = performance.now();
  let route = deps.router.route(message);
  const labels = { platform: message.platform, command: route.command.name };
  const claim = await claimDelivery(deps.sql, message.platform, message.address, message.id, message.author.id);
  if (claim.status !== 'processing') {
    log.info({ status: claim.status }, 'delivery already handled; not answering twice');
    deps.metrics.jobs.inc({ ...labels, outcome: 'duplicate' });
    await endTurn(deps.redis, deps.prefix, deps.queue, message, jobId);
    return;
  }
  if (claim.answerSaved) {
    // An earlier run posted the whole answer and stored it, then died before marking the delivery: don't ask again.
    log.info('the answer was already posted and stored; finishing the delivery without asking again');
    await finishDelivery(deps.sql, message.id, 'answered');
    deps.metrics.jobs.inc({ ...labels, outcome: 'answered' });
    await endTurn(deps.redis, deps.prefix, deps.queue, message, jobId);
    await egress.done?.(message.address, message.id).catch((error) => log.warn({ err: error }, 'egress.done failed'));
    return;
  }

  // A signal per job: the SDK adds a listener to the signal of every call, and on one worker-wide signal those
  // would pile up for the life of the process.
  const jobAbort = new AbortController();
  const abortJob = () => jobAbort.abort(deps.signal.reason);
  deps.signal.addEventListener('abort', abortJob, { once: true });
  if (deps.signal.aborted) abortJob(); // shutdown began before the listener was added
  const loseJob = () => jobAbort.abort(lockLost?.reason);
  lockLost?.addEventListener('abort', loseJob, { once: true });
  const reply = new ReplyWriter(egress, message.address, message.id, deps.sql, log, claim.firstTime, message.author.id);
  const lastAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
  const outcome: TurnOutcome = {};
  try {
    log.debug({ command: route.command.name, attempt: job.attemptsMade + 1 }, 'handling message');
    if (!isAllowed(deps.config, message)) {
      // One polite refusal, so nobody waits on a bot that will never answer; never an answer.
      log.info({ workspace: message.address.workspaceId, channel: message.address.channelId }, 'refused: not on the allow-lists (ALLOWED_*)');
      throw new UserFacingError(NOT_ALLOWED);
    }
    const settings = settingsInForce(claim.settings, defaultSettings(deps.config));
    const role = roleFrom(deps.config, message.platform, message.author.id, claim.storedRole);
    // A follow-up in a thread a skill owns (a document being revised) goes to that skill, not to chat.
    route = followUpRoute(route, message, claim.conversation, deps.router, settings.skills);
    labels.command = route.command.name;
    const skill = route.command.name;
    if ((SKILL_NAMES as readonly string[]).includes(skill) && !settings.skills.includes(skill)) {
      throw new UserFacingError(`The *${skill}* skill is turned off in this channel. An admin can turn it on with \`config skills\`.`);
    }
    await route.command.run({
      message,
      args: route.args,
      conversation: claim.conversation,
      conversationIsNew: claim.conversationIsNew,
      egress,
      reply,
      queuedAt: job.timestamp,
      sql: deps.sql,
      redis: deps.redis,
      claude: deps.claude,
      config: deps.config,
      metrics: deps.metrics,
      log,
      signal: jobAbort.signal,
      commands: deps.router.commands,
      settings,
      isAdmin: role === 'admin',
      limits: deps.limits,
      outcome,
    });
    await finishDelivery(deps.sql, message.id, 'answered', outcome.answer);
    deps.metrics.jobs.inc({ ...labels, outcome: 'answered' });
  } catch (error) {
    if (lockLost?.aborted) {
      // The lock expired under us (Redis away, or this process frozen, for longer than WORKER_LOCK_MS) and the job is
      // back in the queue: its next run owns the thread and the messages now, so this one leaves everything as it is.
      log.warn('lost the job lock; stopping this run and leaving the message to the next one');
      throw new DelayedError();
    }
    if (deps.signal.aborted) {
      // Shutting down: hand the job back untouched so another worker answers it (editing what was posted).
      log.info('handing the job back: shutting down');
      await job.moveToDelayed(Date.now(), token);
      throw new DelayedError();
    }
    if (await waitForDatabase(job, token, error, log)) throw new DelayedError();
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
    lockLost?.removeEventListener('abort', loseJob);
  }
  deps.metrics.jobDuration.observe(labels, (performance.now() - started) / 1000);
  await endTurn(deps.redis, deps.prefix, deps.queue, message, jobId);
  await egress.done?.(message.address, message.id).catch((error) => log.warn({ err: error }, 'egress.done failed'));
}

/**
 * A job BullMQ failed without running it: it stalled (its worker died or froze mid-answer) more times than allowed.
 * No run of ours sees that failure, so the user is told here, unless an earlier run had finished the answer.
 */
export async function failStalledJob(job: Job<InboundJobData>, deps: Omit<ProcessorDeps, 'signal'>): Promise<void> {
  const { message } = job.data;
  const jobId = job.id!;
  const log = deps.log.child({ jobId, platform: message.platform, conversation: conversationKey(message) });
  const egress = deps.egress.get(message.platform);
  const claim = await claimDelivery(deps.sql, message.platform, message.address, message.id);
  if (claim.status !== 'processing') {
    await endTurn(deps.redis, deps.prefix, deps.queue, message, jobId); // answered before the last stall: nothing to say
    return;
  }
  if (claim.answerSaved) {
    await finishDelivery(deps.sql, message.id, 'answered');
  } else {
    log.error({ reason: job.failedReason }, 'giving up on a message whose worker kept dying or freezing while answering it');
    deps.metrics.jobs.inc({ platform: message.platform, command: deps.router.route(message).command.name, outcome: 'failed' });
    if (egress) {
      const reply = new ReplyWriter(egress, message.address, message.id, deps.sql, log, claim.firstTime, message.author.id);
      await reply.fail(`⚠️ ${INTERNAL_ERROR}`).catch((postError) => log.error({ err: postError }, 'could not post the error'));
    }
    await finishDelivery(deps.sql, message.id, 'failed');
  }
  await endTurn(deps.redis, deps.prefix, deps.queue, message, jobId);
  await egress?.done?.(message.address, message.id).catch(() => {});
}

/** Steps the job aside until Postgres is back, when that is what failed and the message has not waited too long. */
async function waitForDatabase(job: Job<InboundJobData>, token: string | undefined, error: unknown, log: Logger): Promise<boolean> {
  const code = (error as { code?: unknown } | null)?.code;
  if (!isDatabaseDown(error) || Date.now() - job.timestamp > DATABASE_PATIENCE_MS) return false;
  log.warn({ code }, 'Postgres is unreachable: the message waits for it (is DATABASE_URL reachable?)');
  await job.moveToDelayed(Date.now() + DATABASE_RECHECK_MS, token);
  return true;
}
