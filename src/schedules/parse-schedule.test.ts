import { describe, expect, it } from 'vitest';
import { formatInZone, nextRuns, parseWhen } from './parse-schedule.js';

describe('parseWhen', () => {
  it.each([
    ['every weekday at 9:00 Asia/Shanghai', '0 9 * * 1-5', 'Asia/Shanghai'],
    ['every day at 18:30', '30 18 * * *', 'UTC'],
    ['every monday, thursday at 5:15pm', '15 17 * * 1,4', 'UTC'],
    ['every hour', '0 * * * *', 'UTC'],
    ['every hour at :15 Europe/Berlin', '15 * * * *', 'Europe/Berlin'],
    ['every 30 minutes', '*/30 * * * *', 'UTC'],
    ['每天 9:00', '0 9 * * *', 'UTC'],
    ['每个工作日 9点半', '30 9 * * 1-5', 'UTC'],
    ['每周一、三 下午3点', '0 15 * * 1,3', 'UTC'],
    ['每30分钟', '*/30 * * * *', 'UTC'],
    ['cron 0 9 * * 1-5 America/New_York', '0 9 * * 1-5', 'America/New_York'],
  ])('reads %j', (spec, cron, timeZone) => {
    expect(parseWhen(spec, 'UTC')).toEqual({ cron, timeZone });
  });

  it('reads a time in the channel zone when none is given', () => {
    expect(parseWhen('every day at 9:00', 'Asia/Tokyo')).toEqual({ cron: '0 9 * * *', timeZone: 'Asia/Tokyo' });
  });

  it.each(['tomorrow morning', 'every 7 minutes', 'every day at 25:00', 'every funday at 9:00', 'cron 61 * * * *', 'every day at 9:00 Mars/Olympus'])(
    'refuses %j with the forms that work',
    (spec) => {
      expect(() => parseWhen(spec, 'UTC')).toThrow(/./);
    },
  );

  it('fires weekdays at 9:00 Shanghai time, which is 01:00 UTC, skipping the weekend', () => {
    const when = parseWhen('every weekday at 9:00 Asia/Shanghai', 'UTC');
    const runs = nextRuns(when, 3, new Date('2026-12-04T02:00:00Z')); // a Friday, after 9:00 there
    expect(runs.map((d) => d.toISOString())).toEqual(['2026-12-07T01:00:00.000Z', '2026-12-08T01:00:00.000Z', '2026-12-09T01:00:00.000Z']);
    expect(formatInZone(runs[0]!, when.timeZone)).toBe('Mon 2026-12-07 09:00 (Asia/Shanghai)');
  });
});
