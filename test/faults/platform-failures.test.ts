import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningApp } from '../../src/app/start-app.js';
import { echoReply, type FakeAnthropic } from '../fakes/fake-anthropic.js';
import type { FakeSlack } from '../fakes/fake-slack.js';
import { appMentionEvent, messageEvent, nextEventTs, sendSlackEvent } from '../fakes/slack-events.js';
import { startDiscordTestApp, type DiscordTestApp } from '../support/discord-test-app.js';
import type { TestDatabase } from '../support/test-database.js';
import { waitForAnswer } from '../support/wait-for-answer.js';
import { SLACK_TEST_SECRET, startSlackTestApp, type SlackTestApp } from '../support/slack-test-app.js';

const SECRET = SLACK_TEST_SECRET;
const tsOf = (envelope: { event: Record<string, unknown> }): string => envelope.event.ts as string;

describe('Slack failing after it did the work (5xx once the message exists): no duplicates', () => {
  let database: TestDatabase;
  let model: FakeAnthropic;
  let slack: FakeSlack;
  let app: RunningApp;
  let events: string;

  let running: SlackTestApp | undefined;

  beforeAll(async () => {
    running = await startSlackTestApp({
      SLACK_EDIT_INTERVAL_MS: '100',
    });
    ({ database, model, slack, app, events } = running);
  });
  afterAll(async () => {
    await running?.close();
  });

  const botMessages = (channel: string, threadTs?: string) => slack.messages(channel, threadTs).filter((m) => m.bot_id === 'BBOT');
  const answered = (channel: string, ts: string) => waitForAnswer(database.sql, `slack-T0FAKE-${channel}-${ts}`, 25_000);

  it('posts a DM answer once when chat.postMessage answers 500 after posting', async () => {
    slack.failAfterNext('chat.postMessage', 500);
    const dm = messageEvent({ channel: 'D1', user: 'U1', text: 'hello through a flaky edge', channel_type: 'im' });
    expect((await sendSlackEvent(events, SECRET, dm)).status).toBe(200);
    await answered('D1', tsOf(dm));

    expect(slack.callsTo('chat.postMessage').filter((c) => c.args.channel === 'D1').map((c) => c.status)).toContain(500);
    expect(botMessages('D1').map((m) => m.text)).toEqual(['Echo: [u1] hello through a flaky edge']);
  });

  it('posts each part of a split answer once when a part answers 500 after posting', async () => {
    const code = Array.from({ length: 150 }, (_, i) => `  step(${i}); // do the thing number ${i}`).join('\n');
    // The same long answer on every attempt, should the job be retried.
    model.setReply(() => ({ kind: 'text', text: `Run this:\n\n\`\`\`js\n${code}\n\`\`\`\n\nDone.` }));
    slack.failAfterNext('chat.postMessage', 503);
    const mention = appMentionEvent({ channel: 'C2', user: 'U1', text: '<@UBOT> long code please' });
    await sendSlackEvent(events, SECRET, mention);
    await answered('C2', tsOf(mention));
    model.setReply(echoReply);

    const replies = botMessages('C2', tsOf(mention));
    const texts = replies.map((m) => m.text);
    expect(slack.callsTo('chat.postMessage').some((c) => c.args.channel === 'C2' && c.status === 503)).toBe(true);
    expect(texts.length).toBeGreaterThan(1);
    expect(new Set(texts).size).toBe(texts.length); // no part twice
    expect(texts.join('\n')).toContain('step(149)');
    expect(texts.join('\n').match(/step\(0\);/g)).toHaveLength(1);
  });

  // Answers stream natively in assistant threads (DM threads); in channels they are edits everyone can watch.
  const assistantThreadQuestion = (channel: string, text: string) => {
    const thread = nextEventTs();
    return { thread, event: messageEvent({ channel, user: 'U1', text, thread_ts: thread, channel_type: 'im' }) };
  };

  it('streams into one message when chat.startStream answers 500 after opening the stream', async () => {
    slack.failAfterNext('chat.startStream', 500);
    const { thread, event } = assistantThreadQuestion('D3', 'stream through a flaky edge');
    await sendSlackEvent(events, SECRET, event);
    await answered('D3', tsOf(event));

    expect(slack.callsTo('chat.startStream').filter((c) => c.args.channel === 'D3').map((c) => c.status)).toContain(500);
    expect(botMessages('D3', thread).map((m) => m.text)).toEqual(['Echo: [u1] stream through a flaky edge']);
  });

  it('ends with one correct message when chat.update and chat.stopStream answer 500 after applying', async () => {
    slack.failAfterNext('chat.stopStream', 500);
    const { thread, event } = assistantThreadQuestion('D5', 'stop through a flaky edge');
    await sendSlackEvent(events, SECRET, event);
    await answered('D5', tsOf(event));
    expect(botMessages('D5', thread).map((m) => m.text)).toEqual(['Echo: [u1] stop through a flaky edge']);

    slack.failAfterNext('chat.update', 500, 2);
    // The answer comes after the placeholder is posted (else the post would carry it, and there would be no edit).
    model.setTiming({ firstTokenDelayMs: 500 });
    const dm = messageEvent({ channel: 'D4', user: 'U1', text: 'edit through a flaky edge', channel_type: 'im' });
    await sendSlackEvent(events, SECRET, dm);
    await answered('D4', tsOf(dm));
    model.setTiming({ firstTokenDelayMs: 0 });
    expect(slack.callsTo('chat.update').filter((c) => c.args.channel === 'D4' && c.status === 500).length).toBeGreaterThan(0);
    expect(botMessages('D4').map((m) => m.text)).toEqual(['Echo: [u1] edit through a flaky edge']);
  });
});

describe('Discord answering 429 to edits: waited out, no duplicates, final text right', () => {
  let t: DiscordTestApp;

  beforeAll(async () => {
    t = await startDiscordTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  it('streams an answer whose edits are rate limited, ending with one message holding the whole answer', async () => {
    const answer = 'Rate limits are a promise to come back later, not a reason to say everything twice. '.repeat(3).trim();
    t.model.setTiming({ tokensPerSecond: 30 }); // about a second of streaming: several edits, some of them refused
    t.model.enqueue({ kind: 'text', text: answer });
    const served = t.discord.count429;
    t.discord.rateLimitNext('PATCH /channels/:id/messages/:id', 3, 0.3);
    t.discord.rateLimitNext('POST /channels/:id/messages', 1, 0.3);
    const question = t.discord.sendMessage({ channelId: t.discord.channelId, author: t.alice, content: `${t.mention} tell me about rate limits` });
    await t.answered(`discord-${question.id}`);
    t.model.setTiming({ tokensPerSecond: 0 });

    expect(t.discord.count429 - served).toBeGreaterThanOrEqual(4);
    const messages = t.botMessages(question.id);
    expect(messages.map((m) => m.content)).toEqual([answer]);
    expect(messages[0]!.allowedMentions).toEqual({ parse: [] });
  });

  it('survives a 429 on every other edit of a long split answer: each part once, in order', async () => {
    const paragraphs = Array.from({ length: 12 }, (_, i) => `Paragraph ${i}: ${'words that fill the part '.repeat(12)}`);
    t.model.enqueue({ kind: 'text', text: paragraphs.join('\n\n') });
    t.discord.rateLimitNext((method) => method === 'PATCH', 4, 0.2);
    const question = t.discord.sendMessage({ channelId: t.discord.channelId, author: t.bob, content: `${t.mention} write a lot` });
    await t.answered(`discord-${question.id}`);

    const contents = t.botMessages(question.id).map((m) => m.content);
    expect(contents.length).toBeGreaterThan(1);
    for (const content of contents) expect(content.length).toBeLessThanOrEqual(2000);
    const joined = contents.join('\n\n');
    for (const [i] of paragraphs.entries()) expect(joined.match(new RegExp(`Paragraph ${i}:`, 'g')), `paragraph ${i}`).toHaveLength(1);
  });
});
