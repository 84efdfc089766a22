import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningApp } from '../src/app/start-app.js';
import type { FakeAnthropic } from './fakes/fake-anthropic.js';
import type { FakeSlack } from './fakes/fake-slack.js';
import { appMentionEvent, sendSlackEvent } from './fakes/slack-events.js';
import type { TestDatabase } from './support/test-database.js';
import { waitFor } from './support/wait-for.js';
import { SLACK_TEST_SECRET, startSlackTestApp, type SlackTestApp } from './support/slack-test-app.js';

const SECRET = SLACK_TEST_SECRET;
const MENTIONS = 100;
const CHANNELS = 20;

/*
 * A burst in one workspace: 100 mentions in a second over 20 channels, the model answering at once, Slack's limits
 * enforced by the fake at their real pace (fake-slack-tiers.ts: chat.postMessage one a second per channel and 300 a
 * minute per workspace, chat.update 50 a minute per workspace). Each answer needs a message in its thread, so posts
 * queue for their channel's and the workspace's turn; the model has answered by the time most of them go, so they
 * carry the whole answer and no chat.update (~45 a minute) is spent on them.
 */
describe('a burst of mentions in one Slack workspace (real pipeline, fake Slack at its real limits)', () => {
  let database: TestDatabase;
  let model: FakeAnthropic;
  let slack: FakeSlack;
  let app: RunningApp;
  let events: string;

  let running: SlackTestApp | undefined;

  beforeAll(async () => {
    running = await startSlackTestApp({
      // Fifty at once, as the default was when this was written: the burst then queues in the worker as well.
      WORKER_CONCURRENCY: '50',
    });
    ({ database, model, slack, app, events } = running);
  });
  afterAll(async () => {
    await running?.close();
  });

  it('answers 100 mentions over 20 channels whole, with no 429, mostly in one post each', async () => {
    const mentions = Array.from({ length: MENTIONS }, (_, i) =>
      appMentionEvent({ channel: `CB${i % CHANNELS}`, user: 'U1', text: `<@UBOT> question ${i}` }),
    );
    const started = Date.now();
    // 100 a second: each one sent at its moment, not waiting for the one before.
    const sent = mentions.map(async (mention, i) => {
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, started + i * 10 - Date.now())));
      return (await sendSlackEvent(events, SECRET, mention)).status;
    });
    expect(await Promise.all(sent)).toEqual(mentions.map(() => 200));
    const lastEventAt = Date.now();

    /** Xiaoliu's message in the thread under each mention (one each), once every answer is whole. */
    const answers = () =>
      mentions.map((m) => {
        const thread = String(m.event.ts);
        return slack.messages(String(m.event.channel), thread).filter((r) => r.user === 'UBOT' && r.ts !== thread);
      });
    const whole = (text: unknown, i: number) => typeof text === 'string' && new RegExp(`question ${i}\\b`).test(text);
    // Bounded: at Slack's pace this takes about 20 s (posts at 300 a minute); without the fix, over 2 minutes.
    await waitFor('every answer whole', () => answers().every((own, i) => own.length === 1 && whole(own[0]!.text, i)), 240_000);
    const finishedAt = Math.max(...slack.calls.filter((c) => c.method === 'chat.postMessage' || c.method === 'chat.update').map((c) => c.at));

    const posts = slack.callsTo('chat.postMessage');
    const edits = slack.callsTo('chat.update');
    const placeholders = posts.filter((p) => p.args.text === '_Thinking…_');
    if (process.env.REPORT_CALLS) {
      const report = {
        posts: posts.length,
        rateLimited: slack.count429,
        placeholders: placeholders.length,
        edits: edits.length,
        statuses: slack.callsTo('assistant.threads.setStatus').length,
        sendingSeconds: (lastEventAt - started) / 1000,
        finishedAfterLastEventSeconds: (finishedAt - lastEventAt) / 1000,
      };
      console.log(`[calls] burst: ${JSON.stringify(report)}`);
    }
    expect(slack.count429).toBe(0);
    // One message per answer…
    expect(posts).toHaveLength(MENTIONS);
    // …edited only where it went out as a placeholder, the last time with the whole answer.
    // (plus, where a preview had already shown the whole text, the one edit that swaps its Stop button for Regenerate
    // and 👍 / 👎: the buttons are part of the message)
    expect(new Set(edits.map((e) => String(e.args.ts))).size).toBe(placeholders.length);
    expect(edits.length).toBeLessThanOrEqual(placeholders.length * 2);
    // Posts that waited for their channel's turn (a message a second) went out once the model had answered.
    expect(posts.length - placeholders.length).toBeGreaterThanOrEqual(MENTIONS / 2);
  }, 300_000);
});
