import { UserFacingError } from '../domain/errors.js';
import { formatInZone, nextRuns, parseWhen, shortestGapSeconds, WHEN_FORMS } from '../schedules/parse-schedule.js';
import { scheduleQueueOf, syncScheduler } from '../schedules/schedule-queue.js';
import { channelKeyOf } from '../store/channel-settings.js';
import { countSchedules, createSchedule, deleteSchedule, findSchedule, listRuns, listSchedules, setScheduleStatus, type Schedule } from '../store/schedules.js';
import type { Command, CommandContext } from './command.js';
import { recordAudit } from './record-audit.js';

/** Most schedules one channel may have: each fire is a model call. */
export const MAX_SCHEDULES_PER_CHANNEL = 20;
const MAX_PROMPT_CHARS = 4000;

const USAGE = [
  '`schedule <when>: <prompt>` — runs the prompt here on a schedule, e.g. `schedule every weekday at 9:00 Asia/Shanghai: summarize yesterday`',
  '`schedule list` — this channel\'s schedules',
  '`schedule pause|resume|delete <id>`',
  '`schedule history <id>` — its past runs',
  '',
  '*When* is one of:',
  WHEN_FORMS,
].join('\n');

/**
 * `schedule` (定时): recurring prompts, posted in the channel they were made in. Each channel's schedules are its
 * own: every id is looked up within the channel and workspace it is typed in.
 */
export const scheduleCommand: Command = {
  name: 'schedule',
  aliases: ['定时', 'schedules'],
  summary: 'Runs a prompt here on a schedule; `schedule list` shows them.',
  example: 'schedule every weekday at 9:00: summarize yesterday',
  takesArgs: true,
  async run(context) {
    const { args, reply } = context;
    const [verb = '', idText] = args.split(/\s+/);
    const action = verb.toLowerCase();
    if (action === '' || action === 'help') return reply.finish(USAGE);
    if (action === 'list' || action === '列表') return reply.finish(await list(context));
    if (['pause', 'resume', 'delete', 'history', '暂停', '恢复', '删除', '历史'].includes(action) && args.trim().split(/\s+/).length <= 2) {
      return reply.finish(await manage(context, action, idText));
    }
    await reply.finish(await create(context));
  },
};

async function create(context: CommandContext): Promise<string> {
  const { message, args, settings, config, sql } = context;
  const split = /^([\s\S]+?)(?::\s|：|:\n)([\s\S]+)$/.exec(args);
  if (!split) throw new UserFacingError(`Write the time, a colon, then the prompt: ${scheduleCommand.example}\n\n${USAGE}`);
  await requireMayChange(context, undefined);
  const [, spec, promptText] = split;
  const prompt = promptText!.trim();
  if (prompt.length > MAX_PROMPT_CHARS) throw new UserFacingError(`That prompt is too long: keep it under ${MAX_PROMPT_CHARS.toLocaleString('en-US')} characters.`);
  const when = parseWhen(spec!, settings.timeZone ?? 'UTC');
  const gap = shortestGapSeconds(when);
  if (gap < config.schedules.minIntervalSeconds) {
    throw new UserFacingError(`That runs every ${gap} s; schedules here may run at most every ${config.schedules.minIntervalSeconds} s (SCHEDULE_MIN_INTERVAL_SECONDS).`);
  }
  const key = channelKeyOf(message.platform, message.address);
  if ((await countSchedules(sql, key)) >= MAX_SCHEDULES_PER_CHANNEL) {
    throw new UserFacingError(`This channel has ${MAX_SCHEDULES_PER_CHANNEL} schedules, the most it may have: delete one first (\`schedule list\`).`);
  }
  const schedule = await createSchedule(sql, {
    ...key,
    createdById: message.author.id,
    createdByName: message.author.name,
    spec: spec!.trim(),
    cron: when.cron,
    timeZone: when.timeZone,
    prompt,
    deliveryId: message.id,
  });
  await withQueue(context, (queue) => syncScheduler(queue, schedule));
  await recordAudit(context, { action: 'schedule.create', target: `schedule-${schedule.id}`, detail: `schedule #${schedule.id}: cron ${when.cron} (${when.timeZone})` });
  context.log.info({ scheduleId: schedule.id, cron: when.cron, timeZone: when.timeZone }, 'schedule created');
  const next = nextRuns(when, 3).map((d) => `• ${formatInZone(d, when.timeZone)}`);
  return [
    `Scheduled #${schedule.id}: “${preview(prompt)}”`,
    `When: ${spec!.trim()} → cron \`${when.cron}\` in ${when.timeZone}. Next runs:`,
    ...next,
    `Not what you meant? \`schedule delete ${schedule.id}\`. Each run is one answer here, within this channel's budget.`,
  ].join('\n');
}

async function manage(context: CommandContext, action: string, idText: string | undefined): Promise<string> {
  const { message, sql } = context;
  const id = Number((idText ?? '').replace(/^#/, ''));
  if (!Number.isSafeInteger(id) || id <= 0) throw new UserFacingError(`Give the schedule's number, such as \`schedule ${action} 3\` (\`schedule list\` shows them).`);
  const key = channelKeyOf(message.platform, message.address);
  const schedule = await findSchedule(sql, key, id);
  if (!schedule) throw new UserFacingError(`There is no schedule #${id} in this channel (\`schedule list\` shows them).`);
  if (action === 'history' || action === '历史') return history(context, schedule);
  await requireMayChange(context, schedule);
  if (action === 'delete' || action === '删除') {
    await deleteSchedule(sql, key, id);
    await withQueue(context, (queue) => syncScheduler(queue, { id, status: 'deleted' }));
    await recordAudit(context, { action: 'schedule.delete', target: `schedule-${id}`, detail: `schedule #${id} deleted` });
    return `Deleted schedule #${id}.`;
  }
  const status = action === 'pause' || action === '暂停' ? 'paused' : 'active';
  await setScheduleStatus(sql, key, id, status);
  await withQueue(context, (queue) => syncScheduler(queue, { ...schedule, status }));
  await recordAudit(context, { action: `schedule.${status === 'paused' ? 'pause' : 'resume'}`, target: `schedule-${id}`, detail: `schedule #${id} ${status}` });
  if (status === 'paused') return `Paused schedule #${id}; \`schedule resume ${id}\` starts it again.`;
  const [first] = nextRuns(schedule, 1);
  return `Resumed schedule #${id}; next run ${formatInZone(first!, schedule.timeZone)}.`;
}

async function list(context: CommandContext): Promise<string> {
  const schedules = await listSchedules(context.sql, channelKeyOf(context.message.platform, context.message.address));
  if (!schedules.length) return `No schedules in this channel. Make one with \`${scheduleCommand.example}\`.`;
  return [
    '*Schedules in this channel*',
    ...schedules.map((s) => {
      const next = s.status === 'active' ? `next ${formatInZone(nextRuns(s, 1)[0]!, s.timeZone)}` : 'paused';
      return `• #${s.id} — ${s.spec} (\`${s.cron}\`, ${s.timeZone}) — ${next} — by ${s.createdByName}: “${preview(s.prompt)}”`;
    }),
  ].join('\n');
}

async function history(context: CommandContext, schedule: Schedule): Promise<string> {
  const runs = await listRuns(context.sql, schedule.id);
  if (!runs.length) return `Schedule #${schedule.id} has not run yet.`;
  const outcome = (run: (typeof runs)[number]) =>
    run.skipped ? `skipped (${run.skipped})` : run.status === 'answered' ? (run.answerStored ? 'posted' : 'did not run (the reason was posted here)') : run.status === 'failed' ? 'failed (the reason was posted here)' : run.status === 'processing' ? 'running' : 'queued';
  return [`*Runs of schedule #${schedule.id}* (newest first)`, ...runs.map((r) => `• ${formatInZone(new Date(r.fireAt), schedule.timeZone)} — ${outcome(r)}`)].join('\n');
}

/**
 * Who may make or change a schedule: where admins restricted scheduling (`config schedules admins`), admins only;
 * elsewhere anyone may make one, and a schedule is changed by its author or an admin.
 */
async function requireMayChange(context: CommandContext, schedule: Schedule | undefined): Promise<void> {
  if (context.isAdmin) return;
  if (context.settings.scheduling === 'admins') throw new UserFacingError('Only admins may schedule in this channel (`config schedules admins`).');
  if (schedule && schedule.createdById !== context.message.author.id) {
    throw new UserFacingError(`Only ${schedule.createdByName}, who made schedule #${schedule.id}, or an admin can change it.`);
  }
}

async function withQueue(context: CommandContext, work: (queue: ReturnType<typeof scheduleQueueOf>) => Promise<void>): Promise<void> {
  const queue = scheduleQueueOf(context.redis, context.config.queuePrefix);
  try {
    await work(queue);
  } finally {
    await queue.close();
  }
}

function preview(text: string, max = 80): string {
  const line = text.replace(/\s+/g, ' ');
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}
