import type { Redis } from 'ioredis';
import type { Egress } from '../../domain/egress.js';
import type { Logger } from '../../log/create-logger.js';
import { releaseLock, takeLock } from '../../redis/token-lock.js';
import { currentVersion, loadRun } from './parallel-runs.js';
import { renderChecklist } from './render-checklist.js';

/** Longer than any one edit takes (a platform's 429 is waited out inside it), short enough to outlive a crash. */
const LOCK_MS = 30_000;

export interface ChecklistDeps {
  redis: Redis;
  prefix: string;
  /** The egress of the run's platform. */
  egress: Egress;
  log: Logger;
}

/**
 * Re-renders a run's checklist from its current state and edits the message. Several workers, on several machines,
 * finish sub-tasks at once: the edits are serialized by a lock per run, and whoever holds it renders again after its
 * edit if the state changed meanwhile. A worker that finds the lock taken just leaves: the holder will see its
 * change. So the last edit to reach the platform always shows the latest state, and nobody waits on anybody.
 * Pass `wait` to wait for the lock instead (the run's last word, when the holder may have crashed).
 */
export async function refreshChecklist(deps: ChecklistDeps, runId: string, options: { wait?: boolean } = {}): Promise<void> {
  const { redis, prefix, egress, log } = deps;
  const lock = `${prefix}:parallel:lock:${runId}`;
  const deadline = Date.now() + LOCK_MS;
  for (;;) {
    const token = await takeLock(redis, lock, LOCK_MS);
    if (!token) {
      if (!options.wait || Date.now() > deadline) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
      continue;
    }
    let rendered: number;
    try {
      const run = await loadRun(redis, prefix, runId);
      if (!run?.messageId) return;
      rendered = run.version;
      // The checklist is a view: a failed edit is logged, and the next change (or the merge) draws it again.
      await egress.edit(run.meta.address, run.messageId, renderChecklist(run)).catch((error: unknown) => {
        log.warn({ err: error, runId }, 'could not update the parallel checklist');
      });
    } finally {
      await releaseLock(redis, lock, token);
    }
    // Checked after releasing: a change made while we held the lock was either seen here, or its maker got the lock.
    if ((await currentVersion(redis, prefix, runId)) === rendered) return;
  }
}
