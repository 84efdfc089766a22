import { hostname } from 'node:os';
import { Worker, type Job, type Queue } from 'bullmq';
import type { Config } from '../config/read-config.js';
import { defaultSettings } from '../domain/channel-settings.js';
import type { InboundMessage } from '../domain/inbound-message.js';
import type { Logger } from '../log/create-logger.js';
import type { InboundProducer } from '../queue/inbound-queue.js';
import { createRedis } from '../redis/create-redis.js';
import { settingsInForce, type StoredSettings } from '../store/channel-settings.js';
import type { Sql } from '../store/database.js';
import { allSchedules, recordRun, scheduleById, type Schedule } from '../store/schedules.js';
import { roleFrom, type Role } from '../store/user-roles.js';
import { fireDeliveryId, fireTimeOf, SCHEDULE_QUEUE, scheduleQueueOf, schedulerIdOf, syncScheduler, type FireJobData } from './schedule-queue.js';

export interface ScheduleWorkerDeps {
  sql: Sql;
  config: Config;
  log: Logger;
  /** Where a fire's message is queued: the same inbound queue as every platform message. */
  producer: InboundProducer;
}

export interface RunningScheduleWorker {
  queue: Queue<FireJobData>;
  close(): Promise<void>;
}

/**
 * Takes the schedules' fires. Each fire is one BullMQ job, taken by one worker; if that worker dies, the job stalls
 * and another takes it, with the same due time. A fire does no model work itself: it queues the schedule's prompt as
 * an inbound message whose delivery id is the schedule and the due time, so the normal pipeline answers it, with its
 * budget check and failure reports in the channel, and its Postgres key keeps the post to exactly one.
 */
export async function startScheduleWorker(deps: ScheduleWorkerDeps): Promise<RunningScheduleWorker> {
  const { config, sql } = deps;
  const log = deps.log.child({ queue: SCHEDULE_QUEUE });
  const connection = createRedis(config, { connectionName: 'xiaoliu-schedules' });
  const queue = scheduleQueueOf(connection, config.queuePrefix);
  queue.on('error', (error) => log.debug({ err: error }, 'schedule queue connection error'));
  // Postgres is the record: the schedulers in Redis are rebuilt from it (a Redis restored from an old backup, a
  // schedule deleted while Redis was away). Every worker does it; each upsert is idempotent.
  await reconcile(queue, sql, log).catch((error) => log.error({ err: error }, 'could not rebuild the schedules from Postgres; the next worker start tries again'));

  const workerConnection = createRedis(config, { connectionName: 'xiaoliu-schedules-worker' });
  const worker = new Worker<FireJobData>(SCHEDULE_QUEUE, (job) => fire(job, deps, queue, log), {
    connection: workerConnection,
    prefix: config.queuePrefix,
    concurrency: 10,
    name: `${hostname()}:${process.pid}`,
    lockDuration: config.worker.lockMs,
    stalledInterval: config.worker.lockMs,
  });
  worker.on('failed', (job, error) => log.error({ err: error, jobId: job?.id }, 'a schedule fire failed; it is retried'));
  worker.on('error', (error) => log.debug({ err: error }, 'schedule worker connection error'));
  return {
    queue,
    async close() {
      await worker.close();
      await queue.close();
      for (const c of [workerConnection, connection]) await c.quit().catch(() => c.disconnect());
    },
  };
}

async function reconcile(queue: Queue<FireJobData>, sql: Sql, log: Logger): Promise<void> {
  const stored = await allSchedules(sql);
  for (const schedule of stored) await syncScheduler(queue, schedule);
  const known = new Set(stored.filter((s) => s.status === 'active').map((s) => schedulerIdOf(s.id)));
  for (const scheduler of await queue.getJobSchedulers()) {
    if (scheduler.key && !known.has(scheduler.key)) await queue.removeJobScheduler(scheduler.key);
  }
  log.debug({ schedules: stored.length }, 'schedules rebuilt from Postgres');
}

/** One fire: checks the schedule still stands, records the run, queues the prompt. */
async function fire(job: Job<FireJobData>, deps: ScheduleWorkerDeps, queue: Queue<FireJobData>, log: Logger): Promise<string> {
  const { scheduleId } = job.data;
  const fireAt = fireTimeOf(job);
  const deliveryId = fireDeliveryId(scheduleId, fireAt);
  const schedule = await scheduleById(deps.sql, scheduleId);
  if (!schedule) {
    // Deleted after this fire was planned: the scheduler goes too, if it is still there.
    await queue.removeJobScheduler(schedulerIdOf(scheduleId));
    return 'deleted';
  }
  const skipped = await whySkipped(deps, schedule);
  await recordRun(deps.sql, { scheduleId, fireAt: new Date(fireAt), deliveryId, ...(skipped ? { skipped } : {}) });
  if (skipped) {
    log.info({ scheduleId, skipped }, 'schedule fire skipped');
    return 'skipped';
  }
  await deps.producer.enqueue(messageOf(schedule, fireAt, deliveryId), { patient: true });
  log.info({ scheduleId, deliveryId }, 'schedule fired');
  return 'queued';
}

/** Why a fire is not queued: paused, or its author may no longer schedule in the channel. */
async function whySkipped(deps: ScheduleWorkerDeps, schedule: Schedule): Promise<string | undefined> {
  if (schedule.status !== 'active') return 'paused';
  const [row] = await deps.sql<(StoredSettings & { storedRole: Role | null })[]>`
    select s.version, s.settings,
      (select role from user_roles r where r.platform = ${schedule.platform} and r.workspace_id = ${schedule.workspaceId}
        and r.user_id = ${schedule.createdById}) as "storedRole"
    from (select 1) one
    left join lateral (select version, settings from channel_settings
      where platform = ${schedule.platform} and workspace_id = ${schedule.workspaceId} and channel_id = ${schedule.channelId}
      order by version desc limit 1) s on true`;
  const settings = settingsInForce(row?.version == null ? undefined : row, defaultSettings(deps.config));
  if (settings.scheduling !== 'admins') return undefined;
  const role = roleFrom(deps.config, schedule.platform, schedule.createdById, row?.storedRole);
  return role === 'admin' ? undefined : 'only admins may schedule in this channel now';
}

/**
 * The fire as a message from the schedule's author, at the top of its channel: answered like a mention, in a lane of
 * its own (its own conversation and line, so one fire never waits behind or continues another).
 */
function messageOf(schedule: Schedule, fireAt: number, deliveryId: string): InboundMessage {
  return {
    v: 1,
    id: deliveryId,
    platform: schedule.platform,
    kind: 'mention',
    address: { workspaceId: schedule.workspaceId, channelId: schedule.channelId, lane: deliveryId },
    author: { id: schedule.createdById, name: schedule.createdByName, isBot: false },
    text: schedule.prompt,
    attachments: [],
    sentAt: new Date(fireAt).toISOString(),
  };
}
