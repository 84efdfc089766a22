import type { Job, JobType, Queue } from 'bullmq';
import type { InboundMessage } from '../domain/inbound-message.js';
import type { InboundJobData } from './inbound-queue.js';

/*
 * Deleting what someone said must reach Redis too: BullMQ keeps each job's message (its text) after the answer, an
 * hour when it completed and a week when it failed, as the queue's dedupe window of last resort. These helpers take
 * the jobs of deleted messages out: removed where BullMQ allows it, and where it does not (a job running right now is
 * locked by its worker) its text is blanked in place, so whatever the job's end, no copy of the text stays behind.
 */

/** A message with what its sender wrote and attached taken out; where it was and who sent it stay, for ordering. */
export function scrubbedMessage(message: InboundMessage): InboundMessage {
  const { command, ...rest } = message;
  return { ...rest, text: '', ...(command ? { command: { name: command.name, args: '' } } : {}), attachments: [], author: { ...message.author, name: '' } };
}

/** What a purge did. */
export interface PurgedJobs {
  /** Jobs taken out of Redis. */
  removed: number;
  /** Delivery ids of jobs that were running (locked), blanked in place instead: their answers should be stopped. */
  running: string[];
}

/** Removes (or, when running, blanks) one job; false when it was not there. */
async function purgeJob(job: Job<InboundJobData>, purged: PurgedJobs): Promise<void> {
  // Job.remove refuses a job locked by its worker; so does it for a job whose lock is being taken right now.
  const removed = await job.remove().then(
    () => true,
    () => false,
  );
  if (removed) {
    purged.removed += 1;
    return;
  }
  await job.updateData({ ...job.data, message: scrubbedMessage(job.data.message) }).catch(() => {}); // gone meanwhile: nothing to blank
  purged.running.push(job.data.message.id);
}

/** Purges the jobs with these ids (those no longer in the queue are skipped). */
export async function purgeJobsById(queue: Queue<InboundJobData>, jobIds: Iterable<string>): Promise<PurgedJobs> {
  const purged: PurgedJobs = { removed: 0, running: [] };
  for (const id of new Set(jobIds)) {
    const job = await queue.getJob(id);
    if (job?.data?.message) await purgeJob(job, purged);
  }
  return purged;
}

/** Jobs read per page while looking through the queue. */
const PAGE = 500;

/**
 * Purges every job in the given states whose message matches, looking through the queue a page at a time (a
 * `forget me` cannot know its person's delivery ids: not every message stores its text in Postgres).
 */
export async function purgeMatchingJobs(
  queue: Queue<InboundJobData>,
  states: JobType[],
  matches: (message: InboundMessage) => boolean,
): Promise<PurgedJobs & { deliveryIds: string[] }> {
  const purged: PurgedJobs = { removed: 0, running: [] };
  const deliveryIds: string[] = [];
  for (const state of states) {
    // Removing shifts the jobs after it towards the start of the list: `start` moves on only past the ones kept.
    for (let start = 0; ; ) {
      const jobs = await queue.getJobs([state], start, start + PAGE - 1, true);
      let kept = 0;
      for (const job of jobs) {
        const message = job?.data?.message;
        if (!message || !matches(message)) {
          kept += 1;
          continue;
        }
        deliveryIds.push(message.id);
        const before = purged.removed;
        await purgeJob(job, purged);
        if (purged.removed === before) kept += 1;
      }
      if (jobs.length < PAGE) break;
      start += kept;
    }
  }
  return { ...purged, deliveryIds };
}

/** How many jobs one clean call removes: a big backlog goes in several, so Redis is never blocked for long. */
const CLEAN_BATCH = 1000;

/** Retention: removes the queue's finished jobs (and their messages) that finished before `cutoffMs`. */
export async function cleanFinishedJobs(queue: Queue, cutoffMs: number): Promise<number> {
  let total = 0;
  for (const state of ['completed', 'failed'] as const) {
    for (;;) {
      const grace = Math.max(0, Date.now() - cutoffMs);
      const removed = await queue.clean(grace, CLEAN_BATCH, state);
      total += removed.length;
      if (removed.length < CLEAN_BATCH) break;
    }
  }
  return total;
}
