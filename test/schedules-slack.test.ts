import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appMentionEvent, sendSlackEvent } from './fakes/slack-events.js';
import { SLACK_TEST_SECRET, startSlackTestApp, type SlackTestApp } from './support/slack-test-app.js';
import { waitFor } from './support/wait-for.js';
import { waitForAnswer } from './support/wait-for-answer.js';

// The same schedules and memory on Slack as on Discord (test/schedules.test.ts, test/memory-knowledge.test.ts): a fire
// is posted at the top of the channel (no thread_ts), once; a remembered fact reaches the next thread there.

describe('schedules and memory on Slack', () => {
  let t: SlackTestApp;

  beforeAll(async () => {
    t = await startSlackTestApp({ SCHEDULE_MIN_INTERVAL_SECONDS: '1' });
  });
  afterAll(async () => {
    await t?.close();
  });

  async function mention(channel: string, text: string): Promise<string> {
    const event = appMentionEvent({ channel, user: 'U1', text: `<@UBOT> ${text}` });
    await sendSlackEvent(t.events, SLACK_TEST_SECRET, event);
    const ts = event.event.ts as string;
    await waitForAnswer(t.database.sql, `slack-T0FAKE-${channel}-${ts}`);
    return t.slack.messages(channel, ts).filter((m) => m.user === 'UBOT' || m.bot_id === 'BBOT').at(-1)!.text!;
  }
  const topLevel = (channel: string) => t.slack.messages(channel).filter((m) => (m.user === 'UBOT' || m.bot_id === 'BBOT') && !m.thread_ts);

  it('posts each fire at the top of the channel, once', async () => {
    const made = await mention('C1', 'schedule cron */2 * * * * *: standup time');
    expect(made).toMatch(/^Scheduled #\d+/);
    const id = Number(/#(\d+)/.exec(made)![1]);
    await waitFor('two fires', () => topLevel('C1').filter((m) => /standup time/.test(m.text ?? '')).length >= 2, 15_000);
    expect(await mention('C1', `schedule pause ${id}`)).toMatch(/^Paused/);
    await waitFor('the fires to finish', async () =>
      (await t.database.sql`select d.status from schedule_runs r left join inbound_deliveries d on d.id = r.delivery_id where r.schedule_id = ${id}`).every((r) => r.status === 'answered'));
    const runs = await t.database.sql`select delivery_id from schedule_runs where schedule_id = ${id} and skipped is null`;
    expect(topLevel('C1').filter((m) => /standup time/.test(m.text ?? ''))).toHaveLength(runs.length);
  });

  it('gives a remembered fact to the next thread in the channel', async () => {
    expect(await mention('C2', 'remember the staging password rotates on Mondays')).toMatch(/^Noted for this channel/);
    await mention('C2', 'when does it rotate?');
    expect(JSON.stringify(t.model.requests.at(-1)!.body.system)).toContain('the staging password rotates on Mondays');
    await mention('C3', 'when does it rotate?');
    expect(JSON.stringify(t.model.requests.at(-1)!.body.system)).not.toContain('rotates on Mondays');
  });
});
