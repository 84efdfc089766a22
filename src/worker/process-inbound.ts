import { DelayedError, type Job, type Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { ClaudeClient } from '../claude/claude-client.js';
import type { LimitGuard, TurnOutcome } from '../commands/command.js';
import { followUpRoute } from '../commands/follow-up-route.js';
import type { Route, Router } from '../commands/router.js';
import type { Config } from '../config/read-config.js';
import type { DeletionSignals } from '../delivery/deletion-signals.js';
import { abandonDelivery, deliver, type Answering, type Delivery } from '../delivery/deliver.js';
import { defaultSettings, SKILL_NAMES } from '../domain/channel-settings.js';
import type { Egress } from '../domain/egress.js';
import { UserFacingError } from '../domain/errors.js';
import { conversationKey, type Platform } from '../domain/inbound-message.js';
import type { Logger } from '../log/create-logger.js';
import type { Metrics } from '../metrics/create-metrics.js';
import type { InboundJobData } from '../queue/inbound-queue.js';
import { THREAD_SLOT_MS, releaseThreadSlot, renewThreadSlot, takeThreadSlot } from '../queue/thread-slot.js';
import { settingsInForce } from '../store/channel-settings.js';
import type { NewMessage } from '../store/conversations.js';
import type { Sql } from '../store/database.js';
import { roleFrom } from '../store/user-roles.js';
import { claimDelivery } from '../store/claim-delivery.js';
import { endAnswer, recordAnswer, takeOverReplies } from '../store/answers.js';
import { isSkill } from '../skills/skill.js';

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
  /** Signals that a message's conversation was deleted while it was answered. */
  deletions?: DeletionSignals;
  /** Signals that someone pressed Stop on an answer being written (src/interactions/). */
  stops?: DeletionSignals;
}

/** How long a job waits for the one ahead of it in its thread before checking again, if not woken earlier. */
const SLOT_RECHECK_MS = 500;

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

  if (!(await takeThreadSlot(deps.redis, deps.prefix, deps.queue, message, jobId))) {
    // An earlier message of this thread is still being answered: step aside without spending an attempt.
    await job.moveToDelayed(Date.now() + SLOT_RECHECK_MS, token);
    throw new DelayedError();
  }

  const renew = setInterval(
    () => void renewThreadSlot(deps.redis, deps.prefix, message, jobId).catch((error: unknown) => log.warn({ err: error }, 'could not renew the thread slot')),
    THREAD_SLOT_MS / 3,
  );
  const deleted = deps.deletions?.watch(message.id);
  const stopped = deps.stops?.watch(message.id);
  try {
    const { delivery, routing } = inboundDelivery(job, deps, log, stopped?.signal);
    const run = { job, token, shutdown: deps.signal, lockLost, ...(deleted ? { deleted: deleted.signal } : {}), ...(stopped ? { stopped: stopped.signal } : {}) };
    await deliver(delivery, run, (answering) => answer(job, deps, log, routing, answering));
  } finally {
    clearInterval(renew);
    deleted?.dispose();
    stopped?.dispose();
  }
}

/**
 * A job BullMQ failed without running it: it stalled (its worker died or froze mid-answer) more times than allowed.
 * The user is told, unless an earlier run had finished the answer.
 */
export async function failStalledJob(job: Job<InboundJobData>, deps: Omit<ProcessorDeps, 'signal'>): Promise<void> {
  const { message } = job.data;
  const log = deps.log.child({ jobId: job.id, platform: message.platform, conversation: conversationKey(message) });
  await abandonDelivery(inboundDelivery(job, deps, log).delivery, job.failedReason);
}

/** The command a message goes to; a follow-up may re-route it once its thread's state is known. */
interface Routing {
  route: Route;
  labels: { platform: Platform; command: string };
}

/** The message's delivery: its thread's slot is what it releases, and it counts in the job metrics. */
function inboundDelivery(
  job: Job<InboundJobData>,
  deps: Omit<ProcessorDeps, 'signal'>,
  log: Logger,
  stopped?: AbortSignal,
): { delivery: Delivery; routing: Routing } {
  const { message } = job.data;
  const started = performance.now();
  const route = deps.router.route(message);
  const routing: Routing = { route, labels: { platform: message.platform, command: route.command.name } };
  const { regenerate } = message;
  const delivery: Delivery = {
    id: message.id,
    platform: message.platform,
    address: message.address,
    askerId: message.author.id,
    egress: deps.egress.get(message.platform),
    sql: deps.sql,
    log,
    ...(regenerate
      ? {
          storedAs: regenerate.questionId,
          // A regeneration edits the messages of the answer it replaces: it takes them over when first claimed, and
          // its writer then loads them as a retry would (firstTime false), so nothing is posted anew.
          async claim() {
            const claim = await claimDelivery(deps.sql, message.platform, message.address, message.id, message.author.id);
            if (delivery.egress?.regeneratesAsNew) return claim;
            if (claim.firstTime) await takeOverReplies(deps.sql, regenerate.replaces, message.id);
            return { ...claim, firstTime: false };
          },
        }
      : {}),
    release: async (outcome) => {
      // Its buttons now offer Regenerate instead of Stop (a no-op for a message that had none).
      if (outcome !== 'duplicate') await endAnswer(deps.sql, message.id, stopped?.aborted ? 'stopped' : 'done').catch((error: unknown) => log.warn({ err: error }, 'could not mark the answer ended'));
      await releaseThreadSlot(deps.redis, deps.prefix, deps.queue, message, job.id!);
    },
    count(outcome) {
      const { labels } = routing;
      deps.metrics.jobs.inc({ ...labels, outcome: outcome === 'answered_before' ? 'answered' : outcome });
      if (outcome === 'answered' || outcome === 'user_error') deps.metrics.jobDuration.observe(labels, (performance.now() - started) / 1000);
    },
  };
  return { delivery, routing };
}

/** Answers the message with its command, once the delivery is claimed; returns the answer to store. */
async function answer(job: Job<InboundJobData>, deps: ProcessorDeps, log: Logger, routing: Routing, answering: Answering): Promise<NewMessage | undefined> {
  const { message } = job.data;
  const { claim } = answering;
  log.debug({ command: routing.route.command.name, attempt: job.attemptsMade + 1 }, 'handling message');
  const settings = settingsInForce(claim.settings, defaultSettings(deps.config));
  const role = roleFrom(deps.config, message.platform, message.author.id, claim.storedRole);
  // A follow-up in a thread a skill owns (a document being revised) goes to that skill, not to chat.
  const route = followUpRoute(routing.route, message, claim.conversation, deps.router, settings.skills);
  routing.route = route;
  routing.labels.command = route.command.name;
  const skill = route.command.name;
  if ((SKILL_NAMES as readonly string[]).includes(skill) && !settings.skills.includes(skill)) {
    throw new UserFacingError(`The *${skill}* skill is turned off in this channel. An admin can turn it on with \`config skills\`.`);
  }
  const outcome: TurnOutcome = {};
  if (hasControls(route.command)) {
    // The answer's row is what its buttons act on, from any gateway, after any restart.
    await recordAnswer(deps.sql, {
      deliveryId: message.id,
      questionId: message.regenerate?.questionId ?? message.id,
      platform: message.platform,
      workspaceId: message.address.workspaceId,
      channelId: message.address.channelId,
      address: message.address,
      askerId: message.author.id,
      askerName: message.author.name,
      kind: message.kind,
      messageId: message.messageId ?? null,
      // What Regenerate asks again: the words that routed here (a skill's name first), not the platform's wrapping.
      question: skill === 'ask' ? route.args : `${skill} ${route.args}`.trim(),
      model: settings.model,
      skill,
      settingsVersion: settings.version,
    });
    answering.reply.offerControls(message.id);
  }
  await route.command.run({
    message,
    args: route.args,
    conversation: claim.conversation,
    conversationIsNew: claim.conversationIsNew,
    egress: answering.egress,
    reply: answering.reply,
    queuedAt: job.timestamp,
    sql: deps.sql,
    redis: deps.redis,
    claude: deps.claude,
    config: deps.config,
    metrics: deps.metrics,
    log,
    signal: answering.signal,
    commands: deps.router.commands,
    settings,
    isAdmin: role === 'admin',
    limits: deps.limits,
    outcome,
  });
  return outcome.answer;
}

/** Answers that get Stop, Regenerate and feedback: chat's and the skills' (not help, config, usage and the like). */
function hasControls(command: { name: string }): boolean {
  return command.name === 'ask' || command.name === 'summarize' || isSkill(command as never);
}
