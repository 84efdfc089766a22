import { DelayedError, type Job } from 'bullmq';
import type { Egress } from '../domain/egress.js';
import type { UserFacingError } from '../domain/errors.js';
import type { Platform, ReplyAddress } from '../domain/inbound-message.js';
import type { Logger } from '../log/create-logger.js';
import { ReplyWriter } from '../render/reply-writer.js';
import { claimDelivery, finishDelivery, forgetDeliveryMessages, isDeliveryDeleted, type Claim } from '../store/claim-delivery.js';
import type { NewMessage } from '../store/conversations.js';
import type { Sql } from '../store/database.js';
import { estimateTokens } from '../render/estimate-tokens.js';
import { jobSignal } from './job-signal.js';
import { judgeFailure, waitsForDatabase } from './judge-failure.js';

/*
 * The one delivery lifecycle: claim → reply writer → answer → the failure policy (judge-failure.ts) → finish →
 * release → egress.done. Every job that posts an answer (an inbound message, a parallel run's merge, a job BullMQ
 * gave up on) goes through here, so each step happens once on every way out, and no caller writes them by hand.
 */

/** How an answer cut off by Stop ends, under the text written so far. */
export const STOPPED_MARK = '_(stopped)_';

export const INTERNAL_ERROR =
  'Sorry, something went wrong on my side and I could not answer. Please try again; if it keeps happening, tell an admin.';

/** How often a message waiting for Postgres checks whether it is back. */
const DATABASE_RECHECK_MS = 2000;

/**
 * How an attempt ended: `answered_before` is a run that died after storing its answer, before marking it; `deleted`
 * one whose conversation was deleted before or while it was answered.
 */
export type DeliveryOutcome = 'duplicate' | 'answered_before' | 'answered' | 'user_error' | 'failed' | 'retried' | 'deleted';

/** One answer to post exactly once, and the caller's part in its lifecycle. */
export interface Delivery {
  /** Its idempotency key: a message's delivery id, or a merge's own (`<delivery>#merge`). */
  id: string;
  platform: Platform;
  address: ReplyAddress;
  /** Who asked: their stored role comes with the claim, and a native stream is addressed to them. */
  askerId: string;
  /** This worker's adapter for the platform; undefined when it has none (another worker may). */
  egress: Egress | undefined;
  sql: Sql;
  log: Logger;
  /**
   * The delivery id the answer is stored under in the conversation (messages.delivery_id): its own, or for a
   * regenerated answer the question's, so the thread keeps one answer per question.
   */
  storedAs?: string;
  /** What the user reads, after ⚠️, when the answer fails for good. INTERNAL_ERROR unless given. */
  failureText?: string;
  /** Claims the delivery (the default: `claimDelivery`), for a caller that also looks elsewhere for its answer. */
  claim?(): Promise<Claim>;
  /** Lets go of what the job held while answering (its thread's slot; a parallel run), once nothing is left to do. */
  release(outcome: Exclude<DeliveryOutcome, 'retried'>): Promise<void>;
  /** Counts how each attempt ended (metrics). */
  count?(outcome: DeliveryOutcome): void;
}

/** The BullMQ job running the delivery, and the signals that stop it. */
export interface JobRun {
  job: Job;
  token: string | undefined;
  /** Aborted when the worker hands its jobs back (shutdown timeout). */
  shutdown: AbortSignal;
  /** BullMQ's signal for this job: aborted when its lock could not be renewed (the job went back to the queue). */
  lockLost?: AbortSignal;
  /** Aborted when the delivery's conversation is deleted (src/delivery/deletion-signals.ts): stop, post nothing more. */
  deleted?: AbortSignal;
  /** Aborted when someone pressed Stop on the answer (src/interactions/): keep what was written, end it as stopped. */
  stopped?: AbortSignal;
}

/** What the answer step works with. */
export interface Answering {
  claim: Claim;
  reply: ReplyWriter;
  egress: Egress;
  /** Aborted on shutdown or a lost job lock: stop, the policy decides what happens next. */
  signal: AbortSignal;
}

/** Posts the answer through `reply`; returns it, to be stored with the delivery's end (undefined: nothing to store). */
export type Answer = (answering: Answering) => Promise<NewMessage | undefined>;

/** Runs one attempt of a delivery; throws (a DelayedError when the job steps aside) when BullMQ has more to do. */
export async function deliver(delivery: Delivery, run: JobRun, answer: Answer): Promise<void> {
  try {
    await attempt(delivery, run, answer);
  } catch (error) {
    // Postgres can fail outside the answer too: the claim comes first, so an outage usually shows there.
    if (error instanceof DelayedError || !waitsForDatabase(error, run.job.timestamp)) throw error;
    await waitForDatabase(delivery, run, error);
  }
}

/**
 * A job BullMQ failed without running it (it stalled, its worker dying or freezing, too often): no attempt of ours
 * sees that failure, so the user is told here, unless an earlier attempt had finished the answer.
 */
export async function abandonDelivery(delivery: Delivery, reason: string | undefined): Promise<void> {
  const claim = await claimUnanswered(delivery);
  if (!claim) return;
  delivery.log.error({ reason }, 'giving up on a message whose worker kept dying or freezing while answering it');
  const { egress } = delivery;
  await giveUp(delivery, egress && new ReplyWriter(egress, delivery.address, delivery.id, delivery.sql, delivery.log, claim.firstTime, delivery.askerId));
}

async function attempt(delivery: Delivery, run: JobRun, answer: Answer): Promise<void> {
  const { egress, log } = delivery;
  // Deployments can split platforms between workers: another one may answer it.
  if (!egress) throw new Error(`no egress for platform "${delivery.platform}": is the adapter configured on this worker?`);
  const claim = await claimUnanswered(delivery);
  if (!claim) return;
  const reply = new ReplyWriter(egress, delivery.address, delivery.id, delivery.sql, log, claim.firstTime, delivery.askerId);
  const signal = jobSignal(run.shutdown, run.lockLost, run.deleted, run.stopped);
  let outcome: 'answered' | 'user_error' | 'deleted';
  try {
    const stored = await answer({ claim, reply, egress, signal: signal.signal });
    await finishDelivery(delivery.sql, delivery.id, 'answered', stored);
    outcome = 'answered';
  } catch (error) {
    outcome = await afterFailure(delivery, run, reply, error, claim);
  } finally {
    signal.dispose();
    reply.abandon();
  }
  delivery.count?.(outcome);
  await close(delivery, outcome);
}

/** Claims the delivery; settles it at once, returning undefined, when it needs no answer. */
async function claimUnanswered(delivery: Delivery): Promise<Claim | undefined> {
  const { log } = delivery;
  const claim = await (delivery.claim?.() ?? claimDelivery(delivery.sql, delivery.platform, delivery.address, delivery.id, delivery.askerId));
  if (claim.status === 'deleted') {
    log.info('the conversation was deleted before this message was answered; not answering it');
    delivery.count?.('deleted');
    await close(delivery, 'deleted');
    return undefined;
  }
  if (claim.status !== 'processing') {
    log.info({ status: claim.status }, 'delivery already handled; not answering twice');
    delivery.count?.('duplicate');
    await delivery.release('duplicate');
    return undefined;
  }
  if (claim.answerSaved) {
    // An earlier run posted the whole answer and stored it, then died before marking the delivery: don't ask again.
    log.info('the answer was already posted and stored; finishing the delivery without asking again');
    await finishDelivery(delivery.sql, delivery.id, 'answered');
    delivery.count?.('answered_before');
    await close(delivery, 'answered_before');
    return undefined;
  }
  return claim;
}

/**
 * Applies the failure policy: returns once the user has read why (a user error) or the answer is abandoned (its
 * conversation was deleted), else throws for BullMQ.
 */
async function afterFailure(delivery: Delivery, run: JobRun, reply: ReplyWriter, error: unknown, claim: Claim): Promise<'answered' | 'user_error' | 'deleted'> {
  const { job, token } = run;
  const { log } = delivery;
  // Stop, and nothing else ended the run: the model call was aborted; what it wrote stays, marked, and is stored as
  // the answer. The usage of the cut-off call was recorded by the call itself (src/turn/metered-chat.ts).
  if (run.stopped?.aborted && !run.shutdown.aborted && !run.lockLost?.aborted && !run.deleted?.aborted) {
    log.info('the answer was stopped by its asker; keeping what was written');
    const text = reply.textSoFar.trimEnd();
    await reply.stopped(STOPPED_MARK);
    const stored = text
      ? {
          conversationId: claim.conversation.id,
          deliveryId: delivery.storedAs ?? delivery.id,
          role: 'assistant' as const,
          authorId: 'xiaoliu',
          authorName: 'Xiaoliu',
          text: `${text}\n\n${STOPPED_MARK}`,
          tokens: estimateTokens(text),
        }
      : undefined;
    await finishDelivery(delivery.sql, delivery.id, 'answered', stored);
    return 'answered';
  }
  const attemptNumber = job.attemptsMade + 1;
  const verdict = judgeFailure({
    error,
    lockLost: run.lockLost?.aborted ?? false,
    shuttingDown: run.shutdown.aborted,
    // Asked only on a failure: a deletion shows as an aborted call, or as the answer's insert missing its conversation.
    deleted: run.deleted?.aborted || (await isDeliveryDeleted(delivery.sql, delivery.id).catch(() => false)),
    queuedAt: job.timestamp,
    lastAttempt: attemptNumber >= (job.opts.attempts ?? 1),
  });
  switch (verdict) {
    case 'lock-lost':
      log.warn('lost the job lock; stopping this run and leaving the message to the next one');
      throw new DelayedError();
    case 'shutdown':
      log.info('handing the job back: shutting down');
      await job.moveToDelayed(Date.now(), token);
      throw new DelayedError();
    case 'deleted':
      log.info('the conversation was deleted while it was being answered; abandoning the answer');
      // A worker that had claimed it just as the deletion committed may have stored its question anew.
      await forgetDeliveryMessages(delivery.sql, delivery.id);
      return 'deleted';
    case 'database':
      return waitForDatabase(delivery, run, error);
    case 'user-error':
      await reply.fail(`⚠️ ${(error as UserFacingError).userMessage}`);
      await finishDelivery(delivery.sql, delivery.id, 'answered');
      return 'user_error';
    case 'retry':
      log.warn({ err: error, attempt: attemptNumber }, 'answering failed; it will be retried');
      delivery.count?.('retried');
      throw error;
    case 'give-up':
      log.error({ err: error, attempts: attemptNumber }, 'giving up on the message after its last attempt');
      await giveUp(delivery, reply);
      throw error;
  }
}

/** The answer failed for good: the user reads why instead of "Thinking…", and the delivery ends failed. */
async function giveUp(delivery: Delivery, reply: ReplyWriter | undefined): Promise<void> {
  const { log } = delivery;
  delivery.count?.('failed');
  await reply?.fail(`⚠️ ${delivery.failureText ?? INTERNAL_ERROR}`).catch((error) => log.error({ err: error }, 'could not post the error'));
  // Best effort: the job fails either way, and nothing retries it.
  await finishDelivery(delivery.sql, delivery.id, 'failed').catch((error) => log.warn({ err: error }, 'could not mark the delivery failed'));
  await close(delivery, 'failed');
}

/** The delivery's last steps: its hold released, then the adapter told the answer is complete. */
async function close(delivery: Delivery, outcome: 'answered' | 'answered_before' | 'user_error' | 'failed' | 'deleted'): Promise<void> {
  await delivery.release(outcome);
  await delivery.egress?.done?.(delivery.address, delivery.id).catch((error) => delivery.log.warn({ err: error }, 'egress.done failed'));
}

/** Steps the job aside until Postgres is back, without spending an attempt. */
async function waitForDatabase(delivery: Delivery, run: JobRun, error: unknown): Promise<never> {
  const code = (error as { code?: unknown } | null)?.code;
  delivery.log.warn({ code }, 'Postgres is unreachable: the message waits for it (is DATABASE_URL reachable?)');
  await run.job.moveToDelayed(Date.now() + DATABASE_RECHECK_MS, run.token);
  throw new DelayedError();
}
