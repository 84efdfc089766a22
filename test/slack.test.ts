import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningApp } from '../src/app/start-app.js';
import { startFakeAnthropic, type FakeAnthropic } from './fakes/fake-anthropic.js';
import { startFakeSlack, type FakeSlack } from './fakes/fake-slack.js';
import {
  appMentionEvent,
  eventCallback,
  messageEvent,
  nextEventTs,
  sendSlackEvent,
  sendSlashCommand,
  slashCommand,
  urlVerification,
} from './fakes/slack-events.js';
import { startTestApp, testConfig } from './support/test-app.js';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';
import { waitFor } from './support/wait-for.js';
import { waitForAnswer } from './support/wait-for-answer.js';

/** The ts of the message inside an event envelope. */
const tsOf = (envelope: { event: Record<string, unknown> }): string => envelope.event.ts as string;

const SECRET = 'test-signing-secret';

describe('the Slack adapter (real Bolt and Web API client against a fake Slack; real pipeline)', () => {
  let database: TestDatabase;
  let model: FakeAnthropic;
  let slack: FakeSlack;
  let app: RunningApp;
  let events: string;

  beforeAll(async () => {
    database = await createTestDatabase();
    model = await startFakeAnthropic();
    slack = await startFakeSlack({ botToken: 'xoxb-test-token', recordLooks: true });
    slack.seedUser({ id: 'U1', name: 'ann', real_name: 'Ann Lee', display_name: 'Ann' });
    slack.seedUser({ id: 'U2', name: 'bo', real_name: 'Bo Chen', display_name: 'Bo' });
    const config = testConfig(database, model.url, {
      SLACK_BOT_TOKEN: 'xoxb-test-token',
      SLACK_SIGNING_SECRET: SECRET,
      SLACK_API_URL: slack.apiUrl,
      SLACK_EDIT_INTERVAL_MS: '100',
    });
    app = await startTestApp(config, []);
    events = `http://127.0.0.1:${app.port}/slack/events`;
  });
  afterAll(async () => {
    await app?.close();
    await slack?.close();
    await model?.close();
    await database?.drop();
  });

  const botReplies = (channel: string, threadTs?: string) =>
    slack.messages(channel, threadTs).filter((m) => m.user === 'UBOT' || m.bot_id === 'BBOT');
  /** The bot's replies in a thread (null: top level) once the answer to message `ts` is complete (answered). */
  const answered = async (channel: string, ts: string, threadTs: string | null = ts) => {
    await waitForAnswer(database.sql, `slack-T0FAKE-${channel}-${ts}`);
    return botReplies(channel, threadTs ?? undefined);
  };

  it('answers a mention in a thread under it by editing one message that everyone in the channel watches grow', async () => {
    model.setTiming({ tokensPerSecond: 6 }); // over two seconds, so several edits happen
    model.enqueue({ kind: 'text', text: 'Sure. Here is **one** answer, streamed a few words at a time for you.' });
    const mention = appMentionEvent({ channel: 'C1', user: 'U1', text: '<@UBOT> explain streaming' });
    const response = await sendSlackEvent(events, SECRET, mention);
    expect(response.status).toBe(200);

    const [reply] = await answered('C1', tsOf(mention));
    model.setTiming({ tokensPerSecond: 0 });
    expect(reply!.thread_ts).toBe(tsOf(mention));
    // Bo, who did not ask, watches the answer grow as Ann does: a channel stream would be live for Ann alone.
    const looks = slack.seenOverTime('C1', reply!.ts, 'U2');
    const final = 'Sure. Here is *one* answer, streamed a few words at a time for you.';
    const plain = (text: string) => text.replaceAll('*', ''); // a half-written **bold** may not be converted yet
    expect(looks.some((look) => plain(look).length > 'Sure.'.length && plain(look) !== plain(final) && plain(final).startsWith(plain(look)))).toBe(true);
    expect(looks.at(-1)).toBe(final);
    expect(reply!.text).toBe(final);
    expect(slack.seenOverTime('C1', reply!.ts, 'U1')).toEqual(looks);
    expect(slack.callsTo('chat.startStream').filter((c) => c.args.channel === 'C1')).toHaveLength(0);
    // The thread status shows in channels too (assistant.threads.setStatus takes chat:write there).
    expect(slack.statuses.some((s) => s.channel_id === 'C1' && s.thread_ts === tsOf(mention))).toBe(true);
    expect(JSON.stringify(model.requests.at(-1)!.body.messages)).toContain('[Ann] explain streaming');
  });

  it('streams natively, live for the asker, in an assistant thread (a DM): Markdown rendered by Slack', async () => {
    model.setTiming({ tokensPerSecond: 6 });
    model.enqueue({ kind: 'text', text: 'Sure. Here is **one** answer, streamed a few words at a time for you.' });
    const threadTs = nextEventTs();
    const question = messageEvent({ channel: 'D11', user: 'U1', text: 'explain streaming', thread_ts: threadTs, channel_type: 'im' });
    await sendSlackEvent(events, SECRET, question);
    const [reply] = await answered('D11', tsOf(question), threadTs);
    model.setTiming({ tokensPerSecond: 0 });
    const final = 'Sure. Here is **one** answer, streamed a few words at a time for you.';
    expect(slack.seenBy('D11', reply!.ts, 'U1')).toBe(final);
    const looks = slack.seenOverTime('D11', reply!.ts, 'U1');
    expect(looks.some((look) => look !== final && look.length > 0 && final.startsWith(look))).toBe(true);
    const [start] = slack.callsTo('chat.startStream').filter((c) => c.args.channel === 'D11');
    expect(start!.args).toMatchObject({ thread_ts: threadTs, recipient_user_id: 'U1', recipient_team_id: 'T0FAKE' });
    expect(slack.callsTo('chat.appendStream').filter((c) => c.args.channel === 'D11').length).toBeGreaterThan(1);
    expect(slack.callsTo('chat.stopStream').filter((c) => c.args.channel === 'D11')).toHaveLength(1);
    expect(slack.callsTo('chat.update').filter((c) => c.args.channel === 'D11')).toHaveLength(0);
  });

  it('shows each piece of a long streamed answer once after it is split: the edit replaces the streamed blocks', async () => {
    const paragraphs = Array.from({ length: 14 }, (_, i) => `Paragraph ${i}: ${'words that fill the part '.repeat(25).trim()}`);
    model.setTiming({ tokensPerSecond: 800 }); // about two seconds of streaming: appends happen before the split
    model.enqueue({ kind: 'text', text: paragraphs.join('\n\n') });
    const threadTs = nextEventTs();
    const question = messageEvent({ channel: 'D12', user: 'U1', text: 'write a lot', thread_ts: threadTs, channel_type: 'im' });
    await sendSlackEvent(events, SECRET, question);
    const replies = await answered('D12', tsOf(question), threadTs);
    model.setTiming({ tokensPerSecond: 0 });
    expect(slack.callsTo('chat.appendStream').some((c) => c.args.channel === 'D12')).toBe(true);
    expect(replies.length).toBeGreaterThan(1);

    const seen = replies.map((m) => slack.seenBy('D12', m.ts, 'U1')).join('\n');
    for (const [i] of paragraphs.entries()) expect(seen.match(new RegExp(`Paragraph ${i}:`, 'g')), `paragraph ${i}`).toHaveLength(1);
  });

  it('follows up in a thread it is part of without a new mention, with the earlier turns as context', async () => {
    const mention = appMentionEvent({ channel: 'C1', user: 'U1', text: '<@UBOT> note 42' });
    await sendSlackEvent(events, SECRET, mention);
    await answered('C1', tsOf(mention));
    const followUp = messageEvent({ channel: 'C1', user: 'U2', text: 'what number?', thread_ts: tsOf(mention) });
    expect((await sendSlackEvent(events, SECRET, followUp)).status).toBe(200);
    const replies = await answered('C1', tsOf(followUp), tsOf(mention));
    expect(replies[1]!.text).toBe('Echo: [Bo] what number?');
    expect(JSON.stringify(model.requests.at(-1)!.body.messages)).toContain('note 42');
  });

  it('ignores thread messages where it was never summoned, and messages from bots, itself included', async () => {
    const before = model.requests.length;
    const parent = nextEventTs();
    await sendSlackEvent(events, SECRET, messageEvent({ channel: 'C1', user: 'U1', text: 'people talking', thread_ts: parent }));
    await sendSlackEvent(events, SECRET, messageEvent({ channel: 'C1', text: 'beep', bot_id: 'BOTHER', subtype: 'bot_message' }));
    await sendSlackEvent(events, SECRET, messageEvent({ channel: 'D1', user: 'UBOT', text: 'my own words', channel_type: 'im' }));
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(model.requests.length).toBe(before);
  });

  it('answers direct messages in the DM', async () => {
    const dm = messageEvent({ channel: 'D9', user: 'U1', text: 'hello in private', channel_type: 'im' });
    await sendSlackEvent(events, SECRET, dm);
    const [reply] = await answered('D9', tsOf(dm), null);
    expect(reply!.text).toBe('Echo: [Ann] hello in private');
    expect(reply!.thread_ts).toBeUndefined();
    // No thread to stream into: the placeholder is edited instead.
    expect(slack.callsTo('chat.update').some((c) => c.args.channel === 'D9')).toBe(true);
  });

  it('greets a new assistant-panel thread with suggested prompts, then answers there and titles the thread', async () => {
    const threadTs = nextEventTs();
    const started = eventCallback({
      type: 'assistant_thread_started',
      assistant_thread: { user_id: 'U1', context: {}, channel_id: 'D5', thread_ts: threadTs },
      event_ts: threadTs,
    });
    expect((await sendSlackEvent(events, SECRET, started)).status).toBe(200);
    await waitFor('the greeting', () => slack.messages('D5', threadTs).some((m) => String(m.text).startsWith("Hi, I'm Xiaoliu")));
    expect(slack.suggestedPrompts.at(-1)).toMatchObject({ channel_id: 'D5', thread_ts: threadTs });
    expect((slack.suggestedPrompts.at(-1)!.prompts as unknown[]).length).toBeGreaterThan(1);

    const question = messageEvent({ channel: 'D5', user: 'U1', text: 'how do I undo a git commit?', thread_ts: threadTs, channel_type: 'im' });
    await sendSlackEvent(events, SECRET, question);
    const replies = await answered('D5', tsOf(question), threadTs);
    expect(replies.at(-1)!.text).toBe('Echo: [Ann] how do I undo a git commit?');
    expect(slack.titles.at(-1)).toMatchObject({ channel_id: 'D5', thread_ts: threadTs, title: 'how do I undo a git commit?' });
  });

  it('answers a slash command in a new thread under the question, for follow-ups', async () => {
    const response = await sendSlashCommand(events, SECRET, slashCommand({ user_id: 'U1', user_name: 'ann', channel_id: 'C7', text: 'what is mrkdwn?' }));
    expect(response.status).toBe(200);
    const root = await slack.waitFor(() => slack.messages('C7').find((m) => String(m.text).includes('asked')));
    expect(root.text).toBe('<@U1> asked: what is mrkdwn?');
    const [, answer] = await answered('C7', root.ts);
    expect(answer!.text).toBe('Echo: [ann] what is mrkdwn?');
  });

  it('answers a replayed slash command (the identical signed request, within the 5 minutes Bolt accepts) once', async () => {
    const before = model.requests.length;
    const command = slashCommand({ user_id: 'U1', user_name: 'ann', channel_id: 'C8', text: 'answer me once' });
    const signedAt = Math.floor(Date.now() / 1000);
    // The same bytes, the same timestamp, so the same signature: what someone holding a copy of the request can send.
    for (let i = 0; i < 3; i++) expect((await sendSlashCommand(events, SECRET, command, {}, { timestampSeconds: signedAt })).status).toBe(200);
    // A new invocation (its own trigger_id) is answered as usual; the replays, checked first, are not.
    await sendSlashCommand(events, SECRET, slashCommand({ user_id: 'U1', user_name: 'ann', channel_id: 'C8', text: 'a new question' }));
    const asked = () => slack.messages('C8').filter((m) => String(m.text).includes('asked'));
    await slack.waitFor(() => asked().length >= 2);
    for (const root of asked()) await answered('C8', root.ts);
    expect(asked().map((m) => m.text).sort()).toEqual(['<@U1> asked: a new question', '<@U1> asked: answer me once']);
    expect(model.requests.length - before).toBe(2);
  });

  it('answers a redelivered event once, and a mention that also arrives as a message event once', async () => {
    const before = model.requests.length;
    const mention = appMentionEvent({ channel: 'C2', user: 'U1', text: '<@UBOT> only once' });
    const asMessage = messageEvent({ channel: 'C2', user: 'U1', text: '<@UBOT> only once', ts: tsOf(mention) });
    await sendSlackEvent(events, SECRET, mention);
    await sendSlackEvent(events, SECRET, mention, { 'x-slack-retry-num': '1', 'x-slack-retry-reason': 'http_timeout' });
    await sendSlackEvent(events, SECRET, asMessage);
    await answered('C2', tsOf(mention));
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(botReplies('C2', tsOf(mention))).toHaveLength(1);
    expect(model.requests.length - before).toBe(1);
  });

  it('refuses bad signatures and stale timestamps with 401, queueing nothing', async () => {
    const before = model.requests.length;
    const mention = appMentionEvent({ channel: 'C3', user: 'U1', text: '<@UBOT> forged' });
    const forged = await sendSlackEvent(events, SECRET, mention, { 'x-slack-signature': 'v0=deadbeef' });
    expect(forged.status).toBe(401);
    const stale = await sendSlackEvent(events, SECRET, mention, {}, { timestampSeconds: Math.floor(Date.now() / 1000) - 600 });
    expect(stale.status).toBe(401);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(model.requests.length).toBe(before);
    expect(slack.messages('C3')).toHaveLength(0);
  });

  it('answers the URL verification handshake', async () => {
    const response = await sendSlackEvent(events, SECRET, urlVerification('challenge-xyz'));
    expect(response.status).toBe(200);
    expect(response.body).toContain('challenge-xyz');
  });

  it('rejects malformed bodies with a 4xx and keeps serving', async () => {
    const bad = await sendSlackEvent(events, SECRET, '{"type": "event_callback", "event": ');
    expect(bad.status).toBeGreaterThanOrEqual(400);
    expect(bad.status).toBeLessThan(500);
    const mention = appMentionEvent({ channel: 'C4', user: 'U1', text: '<@UBOT> still there?' });
    await sendSlackEvent(events, SECRET, mention);
    await answered('C4', tsOf(mention));
  });

  it('waits out a 429 from Slack and still answers, once', async () => {
    const served = slack.count429;
    slack.rateLimitNext('chat.postMessage', 1, 1);
    const mention = appMentionEvent({ channel: 'C5', user: 'U1', text: '<@UBOT> busy Slack' });
    await sendSlackEvent(events, SECRET, mention);
    const replies = await answered('C5', tsOf(mention));
    expect(replies).toHaveLength(1);
    expect(slack.count429 - served).toBe(1);
  });

  it('closes the stream and edits instead when a retried model call rewrites the answer', async () => {
    model.setTiming({ tokensPerSecond: 40 });
    model.enqueue({ kind: 'midstream-error', textBefore: 'A first try that breaks off', errorType: 'overloaded_error' });
    const threadTs = nextEventTs(); // an assistant thread: where answers stream natively
    const question = messageEvent({ channel: 'D9', user: 'U1', text: 'flaky model', thread_ts: threadTs, channel_type: 'im' });
    await sendSlackEvent(events, SECRET, question);
    const replies = await answered('D9', tsOf(question), threadTs);
    model.setTiming({ tokensPerSecond: 0 });
    expect(replies).toHaveLength(1);
    expect(replies[0]!.text).toBe('Echo: [Ann] flaky model');
    expect(slack.seenBy('D9', replies[0]!.ts, 'U1')).toBe('Echo: [Ann] flaky model');
    expect(slack.callsTo('chat.stopStream').filter((c) => c.args.channel === 'D9')).toHaveLength(1);
  });

  it('splits a long answer with a code block into messages that each keep their fences, in mrkdwn', async () => {
    const code = Array.from({ length: 150 }, (_, i) => `  step(${i}); // do the thing number ${i}`).join('\n');
    model.enqueue({ kind: 'text', text: `## Plan\n\nRun **this**:\n\n\`\`\`js\n${code}\n\`\`\`\n\nThat is all, @channel.` });
    const mention = appMentionEvent({ channel: 'C6', user: 'U1', text: '<@UBOT> long code please' });
    await sendSlackEvent(events, SECRET, mention);
    const replies = await answered('C6', tsOf(mention));
    expect(replies.length).toBeGreaterThan(1);
    const texts = replies.map((m) => String(m.text));
    expect(texts[0]).toMatch(/^\*Plan\*\n\nRun \*this\*:/);
    for (const text of texts) {
      expect(text.length).toBeLessThanOrEqual(4000);
      expect((text.match(/```/g) ?? []).length % 2).toBe(0);
    }
    expect(texts.at(-1)).not.toContain('@channel');
    expect(slack.callsTo('chat.startStream').some((c) => c.args.channel === 'C6')).toBe(false); // a channel: edits
    expect(texts.join('')).toContain('step(149)');
  });

  it('attaches an answer too long for four messages as answer.md (files upload v2)', async () => {
    model.enqueue({ kind: 'text', text: 'A very long answer. '.repeat(1000) });
    const mention = appMentionEvent({ channel: 'C10', user: 'U1', text: '<@UBOT> write a book' });
    await sendSlackEvent(events, SECRET, mention);
    await answered('C10', tsOf(mention));
    const upload = slack.uploads.find((u) => u.channel_id === 'C10');
    expect(upload).toMatchObject({ filename: 'answer.md', thread_ts: tsOf(mention) });
    expect(upload!.bytes.toString('utf8').trim()).toBe('A very long answer. '.repeat(1000).trim());
    expect(botReplies('C10', tsOf(mention))[0]!.text).toMatch(/attached as `answer.md`/);
  });

  it('reads the earlier messages of a thread once when first summoned into it', async () => {
    const parent = nextEventTs();
    slack.seedMessage({ channel: 'C8', ts: parent, user: 'U2', text: 'Our deploy failed with exit code 137' });
    slack.seedMessage({ channel: 'C8', ts: nextEventTs(), thread_ts: parent, user: 'U1', text: 'Memory limit, maybe?' });
    const mention = appMentionEvent({ channel: 'C8', user: 'U1', text: '<@UBOT> what do you think?', thread_ts: parent });
    await sendSlackEvent(events, SECRET, mention);
    await answered('C8', tsOf(mention), parent);
    const sent = JSON.stringify(model.requests.at(-1)!.body.messages);
    expect(sent).toContain('[Bo] Our deploy failed with exit code 137');
    expect(sent).toContain('[Ann] Memory limit, maybe?');
    expect(slack.callsTo('conversations.replies').filter((c) => c.args.channel === 'C8')).toHaveLength(1);
  });

  it('called auth.test only at start-up, not once per event (Bolt would, without both bot ids)', () => {
    expect(slack.callsTo('app_mention').length).toBe(0);
    expect(slack.callsTo('auth.test').length).toBeLessThanOrEqual(2); // the gateway's, and the egress's own
  });

  it('follows up in a thread it was just summoned into, even before a worker has taken the mention', async () => {
    // A gateway alone, with no worker yet: the mention is queued but its conversation does not exist in Postgres.
    const config = testConfig(database, model.url, { SLACK_BOT_TOKEN: 'xoxb-test-token', SLACK_SIGNING_SECRET: SECRET, SLACK_API_URL: slack.apiUrl });
    const gateway = await startTestApp(config, [], { gateway: true, worker: false });
    const url = `http://127.0.0.1:${gateway.port}/slack/events`;
    const mention = appMentionEvent({ channel: 'C11', user: 'U1', text: '<@UBOT> first' });
    const followUp = messageEvent({ channel: 'C11', user: 'U1', text: 'and a follow-up', thread_ts: tsOf(mention) });
    await sendSlackEvent(url, SECRET, mention);
    await sendSlackEvent(url, SECRET, followUp);
    const worker = await startTestApp(config, [], { gateway: false, worker: true });
    try {
      const replies = await answered('C11', tsOf(followUp), tsOf(mention));
      expect(replies.map((m) => m.text)).toEqual(['Echo: [Ann] first', 'Echo: [Ann] and a follow-up']);
    } finally {
      await worker.close();
      await gateway.close();
    }
  });
});
