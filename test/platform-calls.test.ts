import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningApp } from '../src/app/start-app.js';
import { startFakeAnthropic, type FakeAnthropic } from './fakes/fake-anthropic.js';
import { startFakeSlack, type FakeSlack, type SlackCall } from './fakes/fake-slack.js';
import { appMentionEvent, messageEvent, nextEventTs, sendSlackEvent } from './fakes/slack-events.js';
import { startDiscordTestApp, type DiscordTestApp } from './support/discord-test-app.js';
import { startTestApp, testConfig } from './support/test-app.js';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';
import { waitForAnswer } from './support/wait-for-answer.js';

/*
 * How many calls one answer makes on the platform, through the real pipeline (Bolt's WebClient and discord.js's REST
 * against the fakes, which record every call and enforce the platforms' limits), with the default edit and append
 * intervals. A short answer that is complete before its first preview would go out costs one write after the
 * placeholder (or stream) is open, never a preview of text that is already whole; a long streamed answer is batched:
 * at most one write per interval, the rest riding on the closing call.
 */

const SECRET = 'test-signing-secret';
const SHORT = 'Short and complete: the whole answer arrives at once.';
/** About 3 s of streaming at 25 tokens a second: several intervals' worth of deltas. */
const LONG = Array.from({ length: 60 }, (_, i) => `word${i}`).join(' ') + '.';
/** Slack's defaults (slack-config.ts, slack-egress.ts); Discord's edit interval is the same. */
const EDIT_INTERVAL_MS = 1200;
const APPEND_INTERVAL_MS = 1000;
/** Writes of one message spaced at least `intervalMs` apart within `spanMs`: how many a batched stream may make. */
const atMost = (spanMs: number, intervalMs: number) => Math.floor(spanMs / intervalMs) + 1;
/** REPORT_CALLS=1 prints each case's calls by kind, for the figures in a report. */
const report = (label: string, counts: Record<string, number>) => {
  if (process.env.REPORT_CALLS) console.log(`[calls] ${label}: ${JSON.stringify(counts)}`);
};
const countBy = (names: string[]) => names.reduce<Record<string, number>>((n, k) => ((n[k] = (n[k] ?? 0) + 1), n), {});

describe('Slack: calls per answer (real pipeline, fake Slack enforcing its limits)', () => {
  let database: TestDatabase;
  let model: FakeAnthropic;
  let slack: FakeSlack;
  let app: RunningApp;
  let events: string;

  beforeAll(async () => {
    database = await createTestDatabase();
    model = await startFakeAnthropic();
    slack = await startFakeSlack({ botToken: 'xoxb-test-token' });
    const config = testConfig(database, model.url, { SLACK_BOT_TOKEN: 'xoxb-test-token', SLACK_SIGNING_SECRET: SECRET, SLACK_API_URL: slack.apiUrl });
    app = await startTestApp(config, []);
    events = `http://127.0.0.1:${app.port}/slack/events`;
  });
  afterAll(async () => {
    await app?.close();
    await slack?.close();
    await model?.close();
    await database?.drop();
  });

  /** Every call the answer made in its channel, by method. */
  const callsIn = (channel: string) => {
    const calls = slack.calls.filter((c) => c.args.channel === channel || c.args.channel_id === channel);
    const to = (method: string) => calls.filter((c) => c.method === method);
    return { calls, to };
  };

  /** Asks in a channel (a mention; answered in a thread under it) and waits for the whole answer. */
  async function askInChannel(channel: string, answer: string, timing: { firstTokenDelayMs: number; tokensPerSecond: number }) {
    model.setTiming(timing);
    model.enqueue({ kind: 'text', text: answer });
    const mention = appMentionEvent({ channel, user: 'U1', text: '<@UBOT> a question' });
    await sendSlackEvent(events, SECRET, mention);
    await waitForAnswer(database.sql, `slack-T0FAKE-${channel}-${String(mention.event.ts)}`);
    model.setTiming({ firstTokenDelayMs: 0, tokensPerSecond: 0 });
    report(`Slack ${channel}`, countBy(callsIn(channel).calls.map((c) => c.method)));
    return callsIn(channel);
  }

  /** Asks in a DM's assistant thread, where Slack streams natively, and waits for the whole answer. */
  async function askInDm(channel: string, answer: string, timing: { firstTokenDelayMs: number; tokensPerSecond: number }) {
    model.setTiming(timing);
    model.enqueue({ kind: 'text', text: answer });
    const threadTs = nextEventTs();
    const question = messageEvent({ channel, user: 'U1', text: 'a question', thread_ts: threadTs, channel_type: 'im' });
    await sendSlackEvent(events, SECRET, question);
    await waitForAnswer(database.sql, `slack-T0FAKE-${channel}-${String(question.event.ts)}`);
    model.setTiming({ firstTokenDelayMs: 0, tokensPerSecond: 0 });
    report(`Slack ${channel}`, countBy(callsIn(channel).calls.map((c) => c.method)));
    return callsIn(channel);
  }

  it('a short answer in a channel: the placeholder, then one edit with the whole answer (no preview)', async () => {
    // The placeholder goes out at once; the whole answer comes 300 ms later, before a preview edit is due.
    const { calls, to } = await askInChannel('CSHORT', SHORT, { firstTokenDelayMs: 300, tokensPerSecond: 0 });
    expect(to('chat.postMessage').map((c) => c.args.text)).toEqual(['_Thinking…_']);
    expect(to('chat.update').map((c) => c.args.text)).toEqual([SHORT]);
    expect(to('assistant.threads.setStatus')).toHaveLength(1);
    expect(calls.filter((c) => c.status === 429)).toEqual([]);
  });

  it('a short answer in an assistant thread: the stream opens, and closes with the whole answer (no append)', async () => {
    const { calls, to } = await askInDm('DSHORT', SHORT, { firstTokenDelayMs: 300, tokensPerSecond: 0 });
    expect(to('chat.startStream')).toHaveLength(1);
    expect(to('chat.appendStream')).toEqual([]);
    expect(to('chat.stopStream').map((c) => c.args.markdown_text)).toEqual([SHORT]);
    expect(to('chat.postMessage')).toEqual([]);
    expect(to('chat.update')).toEqual([]);
    expect(calls.filter((c) => c.status === 429)).toEqual([]);
  });

  it('a long answer streamed in a channel: previews at most one an interval, the last edit carries the whole answer', async () => {
    const { to } = await askInChannel('CLONG', LONG, { firstTokenDelayMs: 300, tokensPerSecond: 25 });
    const [post] = to('chat.postMessage');
    const edits = to('chat.update');
    expect(to('chat.postMessage')).toHaveLength(1);
    expect(edits.at(-1)!.args.text).toBe(LONG);
    // Every write of the message after the placeholder is an interval after the one before, the final one aside.
    expect(edits.length).toBeLessThanOrEqual(atMost(edits.at(-1)!.at - post!.at, EDIT_INTERVAL_MS) + 1);
    expect(edits.length).toBeGreaterThan(1); // it did stream
    expect(edits.filter((c) => c.args.text === LONG)).toHaveLength(1); // and never sent the whole text twice
  });

  it('a long answer streamed in an assistant thread: appends batched one an interval, the tail rides on stopStream', async () => {
    const { to } = await askInDm('DLONG', LONG, { firstTokenDelayMs: 300, tokensPerSecond: 25 });
    const [start] = to('chat.startStream');
    const appends = to('chat.appendStream');
    const [stop, ...moreStops] = to('chat.stopStream');
    expect(moreStops).toEqual([]);
    expect(appends.length).toBeGreaterThan(0);
    expect(appends.length).toBeLessThanOrEqual(atMost(stop!.at - start!.at, APPEND_INTERVAL_MS));
    const streamed = [...appends, stop!].map((c: SlackCall) => String(c.args.markdown_text ?? '')).join('');
    expect(streamed).toBe(LONG);
    expect(to('chat.update')).toEqual([]);
  });
});

describe('Discord: calls per answer (real pipeline, fake Discord)', () => {
  let t: DiscordTestApp;
  beforeAll(async () => {
    t = await startDiscordTestApp({ DISCORD_EDIT_INTERVAL_MS: String(EDIT_INTERVAL_MS) });
  });
  afterAll(async () => {
    await t?.close();
  });

  /** The calls an answer made in its thread or DM channel: creates, edits, typing. */
  const callsIn = (channelId: string) => {
    const calls = t.discord.calls.filter((c) => c.path.startsWith(`/channels/${channelId}/`));
    return {
      creates: calls.filter((c) => c.method === 'POST' && c.path === `/channels/${channelId}/messages`),
      edits: calls.filter((c) => c.method === 'PATCH'),
      typing: calls.filter((c) => c.path.endsWith('/typing')),
      limited: calls.filter((c) => c.status === 429),
    };
  };

  async function ask(channelId: string, content: string, answer: string, timing: { firstTokenDelayMs: number; tokensPerSecond: number }) {
    t.model.setTiming(timing);
    t.model.enqueue({ kind: 'text', text: answer });
    const author = channelId === t.discord.channelId ? t.alice : t.bob;
    const question = t.discord.sendMessage({ channelId, author, content });
    await t.answered(`discord-${question.id}`);
    t.model.setTiming({ firstTokenDelayMs: 0, tokensPerSecond: 0 });
    // A mention in a channel is answered in a thread Discord names after the question's id.
    const where = channelId === t.discord.channelId ? question.id : channelId;
    const threads = t.discord.calls.filter((c) => c.method === 'POST' && c.path.endsWith(`/messages/${question.id}/threads`));
    report(`Discord ${where === channelId ? 'DM' : 'channel'} ${answer.length} chars`, {
      ...countBy(t.discord.calls.filter((c) => c.path.startsWith(`/channels/${where}/`)).map((c) => `${c.method} ${c.path.split('/').at(-1)!.replace(/^\d+$/, ':id')}`)),
      ...(threads.length ? { 'POST threads': threads.length } : {}),
    });
    return callsIn(where);
  }

  it('a short answer in a channel: typing, the placeholder, one edit with the whole answer (no preview)', async () => {
    const calls = await ask(t.discord.channelId, `${t.mention} a question`, SHORT, { firstTokenDelayMs: 300, tokensPerSecond: 0 });
    expect(calls.creates.map((c) => c.body.content)).toEqual(['_Thinking…_']);
    expect(calls.edits.map((c) => c.body.content)).toEqual([SHORT]);
    expect(calls.typing).toHaveLength(1);
    expect(calls.limited).toEqual([]);
  });

  it('a short answer in a DM: typing, the placeholder, one edit with the whole answer (no preview)', async () => {
    const dm = t.discord.dmChannelFor(t.bob);
    const calls = await ask(dm, 'a question', SHORT, { firstTokenDelayMs: 300, tokensPerSecond: 0 });
    expect(calls.creates.map((c) => c.body.content)).toEqual(['_Thinking…_']);
    expect(calls.edits.map((c) => c.body.content)).toEqual([SHORT]);
    expect(calls.typing).toHaveLength(1);
  });

  it('a long answer streamed in a channel: edits at most one an interval, the last carries the whole answer', async () => {
    const calls = await ask(t.discord.channelId, `${t.mention} a long one`, LONG, { firstTokenDelayMs: 300, tokensPerSecond: 25 });
    const [post] = calls.creates;
    expect(calls.creates).toHaveLength(1);
    expect(calls.edits.at(-1)!.body.content).toBe(LONG);
    expect(calls.edits.length).toBeGreaterThan(1);
    expect(calls.edits.length).toBeLessThanOrEqual(atMost(calls.edits.at(-1)!.at - post!.at, EDIT_INTERVAL_MS) + 1);
    expect(calls.edits.filter((c) => c.body.content === LONG)).toHaveLength(1);
  });

  it('a long answer streamed in a DM: edits at most one an interval, the last carries the whole answer', async () => {
    const dm = t.discord.dmChannelFor(t.alice);
    const calls = await ask(dm, 'a long one', LONG, { firstTokenDelayMs: 300, tokensPerSecond: 25 });
    const [post] = calls.creates;
    expect(calls.creates).toHaveLength(1);
    expect(calls.edits.at(-1)!.body.content).toBe(LONG);
    expect(calls.edits.length).toBeLessThanOrEqual(atMost(calls.edits.at(-1)!.at - post!.at, EDIT_INTERVAL_MS) + 1);
    expect(calls.edits.filter((c) => c.body.content === LONG)).toHaveLength(1);
  });
});
