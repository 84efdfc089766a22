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

/** What answerPendingParallel needs to read first: a plan waiting in this thread, a run this message started. */
export interface PendingState {
  pendingRaw: string | null;
  started: Awaited<ReturnType<typeof loadRun>>;
}

/**
 * The reads answerPendingParallel starts with, on their own: chat makes them alongside its other first round trips,
 * so the usual message (nothing pending) waits for none of them on its way to the model.
 */
export async function peekPendingParallel({ redis, config, conversation, message }: CommandContext): Promise<PendingState> {
  const [pendingRaw, started] = await Promise.all([
    redis.get(pendingKey(config.queuePrefix, conversation.id)),
    loadRun(redis, config.queuePrefix, runIdFor(message.id)),
  ]);
  return { pendingRaw, started };
}

/**
 * Chat calls this with every message, after storing it: if a parallel run is waiting for confirmation in this thread,
 * the message answers it. A yes from the asker, written right after the question, starts the run (and this returns
 * true: the message is answered); anything else drops the plan, and chat answers the message as usual.
 */
export async function answerPendingParallel(context: CommandContext, peeked: PendingState): Promise<boolean> {
  const { redis, config, conversation, message, sql } = context;
  const key = pendingKey(config.queuePrefix, conversation.id);
  const { pendingRaw, started } = peeked;
  if (started) {
    // A retried job whose first attempt started the run already: finish launching it (each step happens once).
    await launchRun(context, started.meta.plan, started.meta.request);
    return true;
  }
  if (!pendingRaw) return false;
  const pending = JSON.parse(pendingRaw) as PendingPlan;
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
  await redis.del(key);
  return confirmed;
}
