import type { Redis } from 'ioredis';
import type { Caller } from '../../store/usage.js';
import type { Payer } from '../../commands/command.js';
import type { Platform, ReplyAddress } from '../../domain/inbound-message.js';
import type { ParallelPlan } from './parallel-plan.js';

/** Where a sub-task is. Only `pending` ones can still change. */
export type SubtaskState = 'pending' | 'done' | 'failed' | 'cancelled';

/** Where the merge is; absent while sub-tasks are still running. */
export type MergeState = 'merging' | 'merged' | 'failed' | 'cancelled';

/** Everything a sub-task or merge job needs to know about its run, fixed when the run starts. Never a secret. */
export interface RunMeta {
  runId: string;
  /** The message that started the run: the checklist is its reply, the merged answer is stored as its answer. */
  deliveryId: string;
  platform: Platform;
  address: ReplyAddress;
  conversationId: number;
  /** Who asked: usage is recorded against them, and native streams are addressed to them. */
  userId: string;
  model: string;
  /** The channel's persona, so sub-tasks and the merge speak like every other answer there. */
  systemPrompt: string;
  maxTokens: number;
  /** The channel's own daily budget when the run started (`config budget`); each sub-task and the merge hold within it. */
  channelBudgetUsd?: number | null;
  request: string;
  plan: ParallelPlan;
}

/** Whom a run's model calls are charged to: the person who asked, in the channel they asked in, under its budgets. */
export function callerOf(meta: RunMeta): Caller & Payer {
  const { deliveryId, conversationId, platform, userId, address } = meta;
  return {
    deliveryId,
    conversationId,
    platform,
    userId,
    workspaceId: address.workspaceId,
    channelId: address.channelId,
    channelBudgetUsd: meta.channelBudgetUsd ?? null,
  };
}

/** A run as it stands. */
export interface Run {
  meta: RunMeta;
  /** The platform message that shows the checklist. */
  messageId: string | undefined;
  states: SubtaskState[];
  /** Why each failed sub-task failed, in words for the user. */
  errors: (string | undefined)[];
  /** Each finished sub-task's answer. */
  results: (string | undefined)[];
  cancelled: boolean;
  merge: MergeState | undefined;
  /** Whether the BullMQ flow exists (a retried launch must not add it twice). */
  flowAdded: boolean;
  /** Bumped by every change, so whoever renders the checklist can tell it has changed since. */
  version: number;
}

/*
 * A run lives in one Redis hash: `meta` (JSON), `messageId`, `s<i>`, `e<i>` and `r<i>` (its answer) per sub-task, `cancelled`, `merge`,
 * `flow`, `version`, and `touchedAt` (ms: its last change, which data retention goes by). Runs of a conversation that
 * have not finished are in a set, for `reset`.
 */
const RUN_TTL_SECONDS = 2 * 24 * 3600;

export const runKey = (prefix: string, runId: string) => `${prefix}:parallel:run:${runId}`;
const activeKey = (prefix: string, conversationId: number) => `${prefix}:parallel:active:${conversationId}`;

/** A run per delivery; safe as a BullMQ job id prefix (no ':', never an integer). */
export function runIdFor(deliveryId: string): string {
  return `p-${deliveryId.replaceAll(':', '_')}`;
}

/** Stores a new run unless one exists for this delivery already (a retried job keeps the first plan). */
export async function createRun(redis: Redis, prefix: string, meta: RunMeta): Promise<void> {
  const key = runKey(prefix, meta.runId);
  const created = await redis.hsetnx(key, 'meta', JSON.stringify(meta));
  if (created) {
    const states = Object.fromEntries(meta.plan.subtasks.map((_, i) => [`s${i}`, 'pending']));
    await redis.multi().hset(key, { ...states, version: 1, touchedAt: Date.now() }).expire(key, RUN_TTL_SECONDS).exec();
  }
  await redis.multi().sadd(activeKey(prefix, meta.conversationId), meta.runId).expire(activeKey(prefix, meta.conversationId), RUN_TTL_SECONDS).exec();
}

export async function loadRun(redis: Redis, prefix: string, runId: string): Promise<Run | undefined> {
  const hash = await redis.hgetall(runKey(prefix, runId));
  if (!hash.meta) return undefined;
  const meta = JSON.parse(hash.meta) as RunMeta;
  return {
    meta,
    messageId: hash.messageId,
    states: meta.plan.subtasks.map((_, i) => (hash[`s${i}`] as SubtaskState | undefined) ?? 'pending'),
    errors: meta.plan.subtasks.map((_, i) => hash[`e${i}`]),
    results: meta.plan.subtasks.map((_, i) => hash[`r${i}`]),
    cancelled: hash.cancelled === '1',
    merge: hash.merge as MergeState | undefined,
    flowAdded: hash.flow === '1',
    version: Number(hash.version ?? 0),
  };
}

/** Sets fields of a run and bumps its version, in one transaction. */
async function update(redis: Redis, prefix: string, runId: string, fields: Record<string, string>): Promise<void> {
  const key = runKey(prefix, runId);
  await redis.multi().hset(key, { ...fields, touchedAt: Date.now() }).hincrby(key, 'version', 1).expire(key, RUN_TTL_SECONDS).exec();
}

export function setMessageId(redis: Redis, prefix: string, runId: string, messageId: string): Promise<void> {
  return update(redis, prefix, runId, { messageId });
}

export function markFlowAdded(redis: Redis, prefix: string, runId: string): Promise<void> {
  return update(redis, prefix, runId, { flow: '1' });
}

export function setSubtaskState(redis: Redis, prefix: string, runId: string, index: number, state: SubtaskState, error?: string): Promise<void> {
  return update(redis, prefix, runId, { [`s${index}`]: state, ...(error ? { [`e${index}`]: error } : {}) });
}

/** A sub-task is done, with its answer. */
export function setSubtaskResult(redis: Redis, prefix: string, runId: string, index: number, text: string): Promise<void> {
  return update(redis, prefix, runId, { [`s${index}`]: 'done', [`r${index}`]: text });
}

export function markCancelled(redis: Redis, prefix: string, runId: string): Promise<void> {
  return update(redis, prefix, runId, { cancelled: '1' });
}

export function setMergeState(redis: Redis, prefix: string, runId: string, merge: MergeState): Promise<void> {
  return update(redis, prefix, runId, { merge });
}

export async function currentVersion(redis: Redis, prefix: string, runId: string): Promise<number> {
  return Number((await redis.hget(runKey(prefix, runId), 'version')) ?? 0);
}

/** The runs of a conversation that have not finished. */
export function activeRuns(redis: Redis, prefix: string, conversationId: number): Promise<string[]> {
  return redis.smembers(activeKey(prefix, conversationId));
}

/** Deletes a run's state (`forget me`, a deleted conversation, data retention): its request and plan go with it. */
export async function deleteRun(redis: Redis, prefix: string, runId: string, conversationId: number | undefined): Promise<void> {
  const multi = redis.multi().del(runKey(prefix, runId));
  if (conversationId !== undefined) multi.srem(activeKey(prefix, conversationId), runId);
  await multi.exec();
}

/** Deletes the set of a deleted conversation's unfinished runs. */
export async function dropActiveRuns(redis: Redis, prefix: string, conversationId: number): Promise<void> {
  await redis.del(activeKey(prefix, conversationId));
}

/** A run is over (merged, failed or cancelled): `reset` has nothing left to stop in it. */
export async function endRun(redis: Redis, prefix: string, meta: RunMeta): Promise<void> {
  await redis.srem(activeKey(prefix, meta.conversationId), meta.runId);
}
