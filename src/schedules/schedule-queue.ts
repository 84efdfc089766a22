import { Queue, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Schedule } from '../store/schedules.js';

/** A queue of its own: a fire only queues a message, so it never waits behind people's questions. */
export const SCHEDULE_QUEUE = 'schedules';

/** What a fire's job carries: the schedule's id only; everything else is read from Postgres when it fires. */
export interface FireJobData {
  scheduleId: number;
}

/** The BullMQ job scheduler of a schedule: one per schedule, however many workers upsert it. */
export function schedulerIdOf(scheduleId: number): string {
  return `schedule-${scheduleId}`;
}

/**
 * The delivery id of one fire: the same for every worker and every retry of that fire, so the inbound pipeline's
 * Postgres key (inbound_deliveries) lets exactly one post through.
 */
export function fireDeliveryId(scheduleId: number, fireAtMs: number): string {
  return `schedule-${scheduleId}-${fireAtMs}`;
}

export function scheduleQueueOf(redis: Redis, prefix: string): Queue<FireJobData> {
  return new Queue<FireJobData>(SCHEDULE_QUEUE, { connection: redis, prefix });
}

/**
 * Makes the job scheduler match the stored schedule: an active one fires by its cron in its zone; a paused or deleted
 * one has none. Idempotent: every worker calls it at start for every schedule, and the command after each change.
 */
export async function syncScheduler(queue: Queue<FireJobData>, schedule: Pick<Schedule, 'id' | 'cron' | 'timeZone' | 'status'> | { id: number; status: 'deleted' }): Promise<void> {
  if (schedule.status !== 'active') {
    await queue.removeJobScheduler(schedulerIdOf(schedule.id));
    return;
  }
  await queue.upsertJobScheduler(
    schedulerIdOf(schedule.id),
    { pattern: schedule.cron, tz: schedule.timeZone },
    {
      name: 'fire',
      data: { scheduleId: schedule.id },
      // A fire that fails (Postgres or Redis away) is tried again; its delivery id keeps the post to one.
      opts: { attempts: 5, backoff: { type: 'exponential', delay: 1000 }, removeOnComplete: { count: 1000 }, removeOnFail: { count: 1000 } },
    },
  );
}

/**
 * When a fire was due: BullMQ names each scheduler job `repeat:<scheduler id>:<due time in ms>` (job-scheduler.ts,
 * getSchedulerNextJobId), the same name for every worker that could take it.
 */
export function fireTimeOf(job: Pick<Job, 'id' | 'timestamp' | 'delay'>): number {
  const due = /:(\d+)$/.exec(job.id ?? '');
  return due ? Number(due[1]) : job.timestamp + (job.delay ?? 0);
}
