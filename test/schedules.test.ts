import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scheduleQueueOf, schedulerIdOf } from '../src/schedules/schedule-queue.js';
import { createRedis } from '../src/redis/create-redis.js';
import { startDiscordTestApp, type DiscordTestApp } from './support/discord-test-app.js';
import { TEST_REDIS_URL } from './support/test-app.js';
import { waitFor } from './support/wait-for.js';

// The `schedule` command through the real pipeline (fake Discord, real discord.js, fake model, real Postgres, Redis
// and BullMQ job schedulers): what it understands and shows back, who may change what, tenants kept apart, and what
// a fire does when the channel's budget is spent or scheduling became admins-only.

const ADMIN_ID = '900000000000000002';

describe('schedules', () => {
  let t: DiscordTestApp;
  let redis: ReturnType<typeof createRedis>;
  let channelA: string;
  let channelB: string;
  let channelC: string;
  let otherGuild: { id: string; channelIds: string[] };
  let carol: ReturnType<DiscordTestApp['discord']['addUser']>;

  beforeAll(async () => {
    t = await startDiscordTestApp(
      { XIAOLIU_ADMINS: `discord:${ADMIN_ID}`, SCHEDULE_MIN_INTERVAL_SECONDS: '1' },
      { guilds: [{ channels: [{ name: 'general' }, { name: 'ops' }, { name: 'budget' }] }, { channels: [{ name: 'elsewhere' }] }] },
    );
    [channelA, channelB, channelC] = t.discord.guilds[0]!.channelIds as [string, string, string];
    otherGuild = t.discord.guilds[1]!;
    carol = t.discord.addUser({ id: ADMIN_ID, username: 'carol', global_name: 'Carol' });
    redis = createRedis(TEST_REDIS_URL, { connectionName: 'xiaoliu-test' });
  });
  afterAll(async () => {
    await redis?.quit();
    await t?.close();
  });

  async function say(channelId: string, author: ReturnType<DiscordTestApp['discord']['addUser']>, text: string, guildId?: string): Promise<string> {
    const message = t.discord.sendMessage({ channelId, ...(guildId ? { guildId } : {}), author, content: `${t.mention} ${text}` });
    await t.answered(`discord-${message.id}`);
    return (t.botMessages(message.id).at(-1) ?? t.botMessages(channelId).at(-1))!.content;
  }
  const scheduler = async (id: number) => {
    const queue = scheduleQueueOf(redis, t.config.queuePrefix);
    try {
      return await queue.getJobScheduler(schedulerIdOf(id));
    } finally {
      await queue.close();
    }
  };

  let weekday: number;

  it('reads the time deterministically, shows the cron form and next runs, and registers one job scheduler', async () => {
    const answer = await say(channelA, t.alice, 'schedule every weekday at 9:00 Asia/Shanghai: summarize yesterday in this channel');
    expect(answer).toMatch(/^Scheduled #\d+: “summarize yesterday in this channel”/);
    expect(answer).toContain('cron `0 9 * * 1-5` in Asia/Shanghai');
    expect(answer).toMatch(/• (Mon|Tue|Wed|Thu|Fri) \d{4}-\d{2}-\d{2} 09:00 \(Asia\/Shanghai\)/);
    weekday = Number(/#(\d+)/.exec(answer)![1]);
    expect(await scheduler(weekday)).toMatchObject({ pattern: '0 9 * * 1-5', tz: 'Asia/Shanghai' });

    expect(await say(channelA, t.alice, '定时 每天 上午8点: 早报')).toContain('cron `0 8 * * *` in UTC');
    expect(await say(channelA, t.alice, 'schedule whenever you like: hi')).toMatch(/could not read when to run it/);
    expect(await say(channelA, t.alice, 'schedule every day at 9:00 Mars/Base: hi')).toMatch(/don't know the time zone/);
  });

  it('lists, pauses, resumes and deletes within its own channel only; only its author or an admin changes it', async () => {
    expect(await say(channelA, t.bob, 'schedule list')).toContain(`#${weekday} — every weekday at 9:00`);
    expect(await say(channelB, t.bob, 'schedule list')).toMatch(/^No schedules in this channel/);
    // Another server, and another channel of the same one, cannot touch it.
    expect(await say(otherGuild.channelIds[0]!, carol, 'schedule list', otherGuild.id)).toMatch(/^No schedules/);
    expect(await say(otherGuild.channelIds[0]!, carol, `schedule delete ${weekday}`, otherGuild.id)).toContain(`no schedule #${weekday} in this channel`);
    expect(await say(channelB, carol, `schedule pause ${weekday}`)).toContain(`no schedule #${weekday} in this channel`);
    expect(await scheduler(weekday)).toBeDefined();

    expect(await say(channelA, t.bob, `schedule delete ${weekday}`)).toContain('Only Alice');
    expect(await say(channelA, carol, `schedule pause ${weekday}`)).toMatch(/^Paused schedule/);
    expect(await scheduler(weekday)).toBeUndefined();
    expect(await say(channelA, t.alice, `schedule resume ${weekday}`)).toMatch(/^Resumed schedule #\d+; next run \w{3} [\d-]+ 09:00/);
    expect(await scheduler(weekday)).toBeDefined();
    expect(await say(channelA, t.alice, `schedule delete ${weekday}`)).toBe(`Deleted schedule #${weekday}.`);
    expect(await scheduler(weekday)).toBeUndefined();
    expect(await say(channelA, t.alice, 'schedule list')).not.toContain(`#${weekday} `);
  });

  it('reports a fire refused by the channel budget in the channel, and in the history', async () => {
    expect(await say(channelC, carol, 'config budget 0')).toMatch(/daily budget set to \$0\.00/);
    const made = await say(channelC, t.alice, 'schedule cron */2 * * * * *: status please');
    const id = Number(/#(\d+)/.exec(made)![1]);
    await waitFor('a fire to report the budget', () => t.botMessages(channelC).some((m) => /^⚠️ .*daily budget of \$0\.00/.test(m.content)), 15_000);
    expect(await say(channelC, t.alice, `schedule pause ${id}`)).toMatch(/^Paused/);
    await waitFor('the fires to finish', async () => {
      const rows = await t.database.sql`select d.status from schedule_runs r left join inbound_deliveries d on d.id = r.delivery_id where r.schedule_id = ${id}`;
      return rows.every((r) => r.status === 'answered');
    });
    expect(await say(channelC, t.alice, `schedule history ${id}`)).toMatch(/— did not run \(the reason was posted here\)/);
  });

  it('lets admins restrict scheduling: others cannot make one, and their schedules stop firing', async () => {
    const made = await say(channelB, t.bob, 'schedule cron * * * * * *: ping');
    const id = Number(/#(\d+)/.exec(made)![1]);
    await waitFor('a fire', () => t.botMessages(channelB).some((m) => m.content === 'Echo: [Bob] ping'), 15_000);
    expect(await say(channelB, carol, 'config schedules admins')).toMatch(/schedules may be made by admins/);
    expect(await say(channelB, t.bob, 'schedule every day at 9:00: hi')).toMatch(/Only admins may schedule in this channel/);
    await waitFor('a fire to be skipped', async () =>
      (await t.database.sql`select 1 from schedule_runs where schedule_id = ${id} and skipped is not null`).length > 0, 10_000);
    expect(await say(channelB, t.bob, `schedule history ${id}`)).toContain('skipped (only admins may schedule in this channel now)');
    expect(await say(channelB, carol, `schedule delete ${id}`)).toBe(`Deleted schedule #${id}.`);
  });
});
