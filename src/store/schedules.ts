import type { ChannelKey } from './channel-settings.js';
import type { Sql } from './database.js';

/** A stored schedule (src/store/schema.ts `schedules`). */
export interface Schedule {
  id: number;
  platform: string;
  workspaceId: string;
  channelId: string;
  createdById: string;
  createdByName: string;
  spec: string;
  cron: string;
  timeZone: string;
  prompt: string;
  status: 'active' | 'paused';
}

export interface NewSchedule extends Omit<Schedule, 'id' | 'status'> {
  deliveryId: string;
}

const COLUMNS = `id::int as id, platform, workspace_id as "workspaceId", channel_id as "channelId", created_by_id as "createdById",
  created_by_name as "createdByName", spec, cron, time_zone as "timeZone", prompt, status`;

/** Stores a schedule once per chat message (a retried job gets the same row back). */
export async function createSchedule(sql: Sql, schedule: NewSchedule): Promise<Schedule> {
  await sql`
    insert into schedules (platform, workspace_id, channel_id, created_by_id, created_by_name, spec, cron, time_zone, prompt, delivery_id)
    values (${schedule.platform}, ${schedule.workspaceId}, ${schedule.channelId}, ${schedule.createdById}, ${schedule.createdByName},
      ${schedule.spec}, ${schedule.cron}, ${schedule.timeZone}, ${schedule.prompt}, ${schedule.deliveryId})
    on conflict (delivery_id) do nothing`;
  const [row] = await sql<Schedule[]>`select ${sql.unsafe(COLUMNS)} from schedules where delivery_id = ${schedule.deliveryId}`;
  return row!;
}

/** The channel's schedules, oldest first. Every read is scoped to one channel of one workspace. */
export async function listSchedules(sql: Sql, key: ChannelKey): Promise<Schedule[]> {
  return sql<Schedule[]>`
    select ${sql.unsafe(COLUMNS)} from schedules
    where platform = ${key.platform} and workspace_id = ${key.workspaceId} and channel_id = ${key.channelId} order by id`;
}

/** How many schedules a channel has (a ceiling keeps one channel from filling the queue). */
export async function countSchedules(sql: Sql, key: ChannelKey): Promise<number> {
  const [row] = await sql<{ n: number }[]>`
    select count(*)::int as n from schedules
    where platform = ${key.platform} and workspace_id = ${key.workspaceId} and channel_id = ${key.channelId}`;
  return row!.n;
}

/** One schedule of this channel; undefined for an id of another channel or workspace, as for one that does not exist. */
export async function findSchedule(sql: Sql, key: ChannelKey, id: number): Promise<Schedule | undefined> {
  const [row] = await sql<Schedule[]>`
    select ${sql.unsafe(COLUMNS)} from schedules
    where id = ${id} and platform = ${key.platform} and workspace_id = ${key.workspaceId} and channel_id = ${key.channelId}`;
  return row;
}

/** A schedule by id alone: for its own fires, which carry nothing but the id. */
export async function scheduleById(sql: Sql, id: number): Promise<Schedule | undefined> {
  const [row] = await sql<Schedule[]>`select ${sql.unsafe(COLUMNS)} from schedules where id = ${id}`;
  return row;
}

/** Every schedule, for rebuilding the job schedulers when a worker starts. */
export async function allSchedules(sql: Sql): Promise<Schedule[]> {
  return sql<Schedule[]>`select ${sql.unsafe(COLUMNS)} from schedules order by id`;
}

export async function setScheduleStatus(sql: Sql, key: ChannelKey, id: number, status: Schedule['status']): Promise<boolean> {
  const result = await sql`
    update schedules set status = ${status}
    where id = ${id} and platform = ${key.platform} and workspace_id = ${key.workspaceId} and channel_id = ${key.channelId}`;
  return result.count > 0;
}

/** Deletes a schedule and its runs' history. */
export async function deleteSchedule(sql: Sql, key: ChannelKey, id: number): Promise<boolean> {
  const result = await sql`
    delete from schedules
    where id = ${id} and platform = ${key.platform} and workspace_id = ${key.workspaceId} and channel_id = ${key.channelId}`;
  return result.count > 0;
}

/**
 * Records a fire; true the first time, false when another worker (or an earlier attempt) already recorded it. The
 * delivery is queued either way: the record is the history, inbound_deliveries is what keeps the post to one.
 */
export async function recordRun(sql: Sql, run: { scheduleId: number; fireAt: Date; deliveryId: string; skipped?: string }): Promise<boolean> {
  const rows = await sql`
    insert into schedule_runs (schedule_id, fire_at, delivery_id, skipped)
    values (${run.scheduleId}, ${run.fireAt.toISOString()}, ${run.deliveryId}, ${run.skipped ?? null})
    on conflict do nothing returning 1`;
  return rows.length > 0;
}

/** A fire as `schedule history` shows it: when, and how its delivery ended (or why it was skipped). */
export interface ScheduleRun {
  fireAt: string;
  skipped: string | null;
  /** The delivery's status: processing, answered, failed; null when it never reached a worker (or was skipped). */
  status: string | null;
  /** Whether an answer was stored: an 'answered' delivery without one ended in a problem reported in the channel. */
  answerStored: boolean;
}

export async function listRuns(sql: Sql, scheduleId: number, limit = 20): Promise<ScheduleRun[]> {
  return sql<ScheduleRun[]>`
    select r.fire_at::text as "fireAt", r.skipped, d.status,
      exists(select 1 from messages m where m.delivery_id = r.delivery_id and m.role = 'assistant') as "answerStored"
    from schedule_runs r left join inbound_deliveries d on d.id = r.delivery_id
    where r.schedule_id = ${scheduleId} order by r.fire_at desc limit ${limit}`;
}
