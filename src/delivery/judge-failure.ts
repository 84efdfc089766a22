import { UserFacingError } from '../domain/errors.js';
import { isDatabaseDown } from '../store/database.js';

/**
 * What becomes of a delivery whose attempt failed, most urgent first:
 * - `lock-lost`: BullMQ's lock on the job expired (Redis away, or this process frozen, for longer than WORKER_LOCK_MS)
 *   and the job is back in the queue: its next run owns the thread and the messages now; this one touches nothing.
 * - `shutdown`: the worker is handing its jobs back; another worker answers, editing what was posted.
 * - `deleted`: the conversation was deleted while it was being answered (its model call aborted, or its answer's
 *   insert refused by the missing conversation): the answer is abandoned, never retried, so deletion wins.
 * - `database`: Postgres is unreachable; the message waits for it without spending attempts (they would run out in
 *   seconds), for up to `DATABASE_PATIENCE_MS` after it was queued.
 * - `user-error`: the user is told why (a refusal, a limit); retrying would not change the outcome.
 * - `give-up`: the last attempt failed; the user reads an apology instead of silence.
 * - `retry`: BullMQ tries again after its backoff.
 */
export type Verdict = 'lock-lost' | 'shutdown' | 'deleted' | 'database' | 'user-error' | 'give-up' | 'retry';

/** How long after it was queued a message keeps waiting for Postgres to come back. */
export const DATABASE_PATIENCE_MS = 10 * 60_000;

export interface FailedAttempt {
  error: unknown;
  lockLost: boolean;
  shuttingDown: boolean;
  /** The delivery's conversation was deleted meanwhile (its status is 'deleted'). */
  deleted?: boolean;
  /** When the job was queued (ms). */
  queuedAt: number;
  /** Whether this was the job's last attempt. */
  lastAttempt: boolean;
  now?: number;
}

export function judgeFailure(failed: FailedAttempt): Verdict {
  if (failed.lockLost) return 'lock-lost';
  if (failed.shuttingDown) return 'shutdown';
  if (failed.deleted) return 'deleted';
  if (waitsForDatabase(failed.error, failed.queuedAt, failed.now)) return 'database';
  if (failed.error instanceof UserFacingError) return 'user-error';
  return failed.lastAttempt ? 'give-up' : 'retry';
}

/** Postgres is what failed, and the message has not waited for it too long yet. */
export function waitsForDatabase(error: unknown, queuedAt: number, now = Date.now()): boolean {
  return isDatabaseDown(error) && now - queuedAt <= DATABASE_PATIENCE_MS;
}
