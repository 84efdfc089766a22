import type { Redis } from 'ioredis';
import type { CommandContext } from '../../commands/command.js';
import { launchRun } from './launch-run.js';
import { loadRun, runIdFor } from './parallel-runs.js';
import type { ParallelPlan } from './parallel-plan.js';

/** A planned run waiting for its asker's yes. */
export interface PendingPlan {
  /** The message whose answer asked for confirmation: only the very next message in the thread can confirm. */
  requestDeliveryId: string;
  authorId: string;
  request: string;
  plan: ParallelPlan;
}

/** How long a confirmation question stays open. */
const PENDING_TTL_SECONDS = 30 * 60;

/** The words that say go (alone, maybe with a full stop or an exclamation mark). */
export const CONFIRMATION = /^(?:yes|y|go|ok|okay|确认|确定|好|好的|开始|是)\s*[.!。！]?$/i;

const pendingKey = (prefix: string, conversationId: number) => `${prefix}:parallel:pending:${conversationId}`;

/** Keeps a plan until the thread's next message says yes (or anything else, which drops it). One per conversation. */
export async function storePendingPlan(redis: Redis, prefix: string, conversationId: number, pending: PendingPlan): Promise<void> {
  await redis.set(pendingKey(prefix, conversationId), JSON.stringify(pending), 'EX', PENDING_TTL_SECONDS);
}

/** Drops a conversation's pending plan (`reset`). */
export async function dropPendingPlan(redis: Redis, prefix: string, conversationId: number): Promise<void> {
  await redis.del(pendingKey(prefix, conversationId));
}

/**
 * The parallel skill's follow-up claim (Skill.claimFollowUp), made with every message chat answers: is a plan waiting
 * for a yes in this thread, or did this message already start a run? Only reads, alongside chat's other first round
 * trips, so the usual message (nothing pending) waits for neither on its way to the model.
 */
export async function claimPendingPlan(context: CommandContext): Promise<(() => Promise<boolean>) | undefined> {
  const { redis, config, conversation, message } = context;
  const [pendingRaw, started] = await Promise.all([
    redis.get(pendingKey(config.queuePrefix, conversation.id)),
    loadRun(redis, config.queuePrefix, runIdFor(message.id)),
  ]);
  if (started) {
    // A retried job whose first attempt started the run already: finish launching it (each step happens once).
    return async () => {
      await launchRun(context, started.meta.plan, started.meta.request);
      return true;
    };
  }
  if (!pendingRaw) return undefined;
  return () => answerPendingPlan(context, JSON.parse(pendingRaw) as PendingPlan);
}

/**
 * The thread's next message answers a plan waiting in it, once the message is stored. A yes from the asker, written
 * right after the question, starts the run (and this returns true: the message is answered); anything else drops the
 * plan, and chat answers the message as usual.
 */
async function answerPendingPlan(context: CommandContext, pending: PendingPlan): Promise<boolean> {
  const { redis, config, conversation, message, sql } = context;
  // A yes that came after other messages (another command, another question) no longer answers the question.
  const [previous] = await sql<{ deliveryId: string }[]>`
    select delivery_id as "deliveryId" from messages
    where conversation_id = ${conversation.id} and role = 'user' and delivery_id <> ${message.id}
    order by id desc limit 1`;
  const confirmed =
    CONFIRMATION.test(context.args.trim()) && message.author.id === pending.authorId && previous?.deliveryId === pending.requestDeliveryId;
  if (confirmed) {
    context.log.info('parallel run confirmed');
    await launchRun(context, pending.plan, pending.request);
  }
  // Dropped only now: a yes whose job failed before the run existed still finds its plan when retried.
  await redis.del(pendingKey(config.queuePrefix, conversation.id));
  return confirmed;
}

/** Deletion: drops a conversation's pending plan, only if `authorId` (when given) asked for it. */
export async function forgetPendingPlan(redis: Redis, prefix: string, conversationId: number, authorId: string | undefined): Promise<void> {
  const raw = await redis.get(pendingKey(prefix, conversationId));
  if (!raw) return;
  if (authorId && (JSON.parse(raw) as PendingPlan).authorId !== authorId) return;
  await redis.del(pendingKey(prefix, conversationId));
}
