import { CronExpressionParser } from 'cron-parser';
import { UserFacingError } from '../domain/errors.js';

/**
 * When a schedule fires, read deterministically: a few fixed English and Chinese forms become a cron expression, or
 * the person writes the cron expression itself (`cron 0 9 * * 1-5`). No guessing from free text: what is not one of
 * these forms is refused with the forms that work, and the answer shows the cron form and the next runs back, so the
 * person sees exactly what was understood. The cron dialect is cron-parser's, the library BullMQ's job schedulers
 * fire by, so the next runs shown are the ones that will happen.
 */
export interface ParsedWhen {
  /** 5 fields (minute hour day month weekday), or 6 with seconds first. */
  cron: string;
  /** IANA time zone the cron is read in. */
  timeZone: string;
}

export const WHEN_FORMS = [
  '`every day at 9:00`, `every weekday at 9:00`, `every monday, thursday at 17:30`, `every hour`, `every hour at :15`, `every 30 minutes`',
  '`每天 9:00`, `每个工作日 9点`, `每周一 下午3点`, `每小时`, `每30分钟`',
  '`cron 0 9 * * 1-5` (minute hour day month weekday)',
  'optionally followed by a time zone such as `Asia/Shanghai` (else the channel\'s, `config timezone`, else UTC)',
].join('\n');

const DAYS: Record<string, number> = {
  sunday: 0, sun: 0, monday: 1, mon: 1, tuesday: 2, tue: 2, tues: 2, wednesday: 3, wed: 3, thursday: 4, thu: 4, thurs: 4,
  friday: 5, fri: 5, saturday: 6, sat: 6,
  日: 0, 天: 0, 一: 1, 二: 2, 三: 3, 四: 4, 五: 5, 六: 6,
};

/** Whether the runtime knows the IANA zone (Node's ICU: the same zones cron-parser's luxon reads). */
export function isTimeZone(zone: string): boolean {
  if (!/^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/.test(zone)) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** Reads the "when" part of `schedule <when>: <prompt>`; `fallbackZone` is the channel's zone (or UTC). */
export function parseWhen(spec: string, fallbackZone: string): ParsedWhen {
  let text = spec.trim().replace(/\s+/g, ' ');
  let timeZone = fallbackZone;
  const last = /\s(\S+)$/.exec(text);
  if (last && /[/]|^utc$/i.test(last[1]!)) {
    const zone = /^utc$/i.test(last[1]!) ? 'UTC' : last[1]!;
    if (!isTimeZone(zone)) throw new UserFacingError(`I don't know the time zone \`${last[1]}\`: use an IANA name such as \`Asia/Shanghai\` or \`Europe/Berlin\`.`);
    timeZone = zone;
    text = text.slice(0, last.index).trim();
  }
  const cron = cronOf(text);
  if (!cron) throw new UserFacingError(`I could not read when to run it from “${spec.trim()}”. Write one of:\n${WHEN_FORMS}`);
  try {
    CronExpressionParser.parse(cron, { tz: timeZone });
  } catch (error) {
    throw new UserFacingError(`That cron expression is not valid (${(error as Error).message}). Write one of:\n${WHEN_FORMS}`);
  }
  return { cron, timeZone };
}

/** The next `count` fire times after `from`. */
export function nextRuns(when: ParsedWhen, count: number, from = new Date()): Date[] {
  const interval = CronExpressionParser.parse(when.cron, { tz: when.timeZone, currentDate: from });
  return Array.from({ length: count }, () => interval.next().toDate());
}

/** The shortest gap between fires over the next few, in seconds (`*\/5 * * * *` → 300). */
export function shortestGapSeconds(when: ParsedWhen, from = new Date()): number {
  const runs = nextRuns(when, 12, from);
  let gap = Infinity;
  for (let i = 1; i < runs.length; i++) gap = Math.min(gap, (runs[i]!.getTime() - runs[i - 1]!.getTime()) / 1000);
  return gap;
}

/** A fire time as people in the zone read it: "Fri 2026-12-04 09:00 (Asia/Shanghai)". */
export function formatInZone(date: Date, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone, weekday: 'short', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23',
  }).formatToParts(date);
  const part = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  return `${part('weekday')} ${part('year')}-${part('month')}-${part('day')} ${part('hour')}:${part('minute')} (${timeZone})`;
}

function cronOf(input: string): string | undefined {
  const text = input.toLowerCase();
  const raw = /^cron\s+(.+)$/.exec(text);
  if (raw) return raw[1]!.trim().split(' ').length >= 5 ? raw[1]!.trim() : undefined;

  // Every N minutes / every hour, in either language.
  const minutes = /^(?:every\s+(\d+)\s*(?:minutes?|mins?)|每\s*(\d+)\s*分钟)$/.exec(text);
  if (minutes) {
    const n = Number(minutes[1] ?? minutes[2]);
    if (!(n >= 1 && n <= 60 && 60 % n === 0)) throw new UserFacingError('Every N minutes needs N to divide an hour (5, 10, 15, 20, 30 or 60).');
    return n === 60 ? '0 * * * *' : `*/${n} * * * *`;
  }
  const hourly = /^(?:every\s+hour(?:\s+at\s+:?(\d{1,2}))?|每(?:个)?小时(?:\s*的?\s*(\d{1,2})\s*分)?)$/.exec(text);
  if (hourly) {
    const minute = Number(hourly[1] ?? hourly[2] ?? 0);
    return minute < 60 ? `${minute} * * * *` : undefined;
  }

  // A day part, then a time: "every weekday at 9:00", "每周一、三 9点".
  const match = /^(?:every\s+|每(?:个)?\s*)?(.+?)\s*(?:\s+at\s+|\s+|(?=\d)|(?=上午|下午|晚上|早上|中午))([\d:：.]+\s*(?:am|pm)?\s*(?:点\s*(?:半|\d{1,2}\s*分?)?)?|(?:上午|下午|晚上|早上|中午)\s*\d{1,2}\s*(?:[:：]\s*\d{2}|点\s*(?:半|\d{1,2}\s*分?)?))$/.exec(text);
  if (!match) return undefined;
  const days = daysOf(match[1]!.trim());
  const time = timeOf(match[2]!.trim());
  if (days === undefined || !time) return undefined;
  return `${time.minute} ${time.hour} * * ${days}`;
}

/** The weekday field of "day", "weekday", "monday, thursday", "周一、三", … */
function daysOf(text: string): string | undefined {
  if (/^(day|days|daily|天|日)$/.test(text)) return '*';
  if (/^(weekday|weekdays|工作日)$/.test(text)) return '1-5';
  if (/^(weekend|weekends|周末)$/.test(text)) return '0,6';
  const chinese = /^(?:周|星期|礼拜)(.+)$/.exec(text);
  const names = chinese ? [...chinese[1]!.replace(/[、,，和及\s]|周|星期/g, '')] : text.split(/\s*(?:,|\band\b|&)\s*|\s+/).filter(Boolean);
  const numbers = names.map((name) => DAYS[name]);
  if (!numbers.length || numbers.some((n) => n === undefined)) return undefined;
  return [...new Set(numbers as number[])].sort((a, b) => a - b).join(',');
}

/** "9:00", "9am", "9:30 pm", "21", "9点", "9点半", "下午3点15分". */
function timeOf(text: string): { hour: number; minute: number } | undefined {
  const half = /^(上午|下午|晚上|早上|中午)?\s*(\d{1,2})\s*(?:[:：.]\s*(\d{2}))?\s*(am|pm)?\s*(?:点\s*(半|(\d{1,2})\s*分?)?)?$/.exec(text);
  if (!half) return undefined;
  let hour = Number(half[2]);
  const minute = half[5] === '半' ? 30 : Number(half[3] ?? half[6] ?? 0);
  const afternoon = half[4] === 'pm' || half[1] === '下午' || half[1] === '晚上';
  if (half[4] && (hour < 1 || hour > 12)) return undefined;
  if (half[4] === 'am' && hour === 12) hour = 0;
  if (afternoon && hour < 12) hour += 12;
  if (hour > 23 || minute > 59) return undefined;
  return { hour, minute };
}
