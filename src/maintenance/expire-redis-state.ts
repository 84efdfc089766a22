import { Queue } from 'bullmq';
import { INBOUND_QUEUE } from '../queue/inbound-queue.js';
import { cleanFinishedJobs } from '../queue/purge-jobs.js';
import { expireSkillState } from '../skills/forget-skill-state.js';
import type { SkillStoreDeps } from '../skills/skill.js';

/**
 * Data retention in Redis: the inbound queue's finished jobs (each holds its message) that finished before the cutoff,
 * and the skills' state last changed before it. BullMQ's own age limits (an hour, a week) are applied only when
 * another job finishes, so on a quiet queue they are not a limit at all; this is. Returns how many items went.
 */
export async function expireRedisState(deps: SkillStoreDeps, cutoffMs: number): Promise<number> {
  const queue = new Queue(INBOUND_QUEUE, { connection: deps.redis, prefix: deps.prefix });
  queue.on('error', (error) => deps.log.debug({ err: error }, 'queue connection error'));
  try {
    return (await cleanFinishedJobs(queue, cutoffMs)) + (await expireSkillState(deps, cutoffMs));
  } finally {
    await queue.close();
  }
}
