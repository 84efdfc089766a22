import { App, LogLevel } from '@slack/bolt';
import { ErrorCode, WebClient, type WebAPIPlatformError, type WebClientOptions } from '@slack/web-api';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startFakeSlack, type FakeSlack } from './fakes/fake-slack.js';
import {
  appMentionEvent,
  sendSlackEvent,
  sendSlashCommand,
  signSlackRequest,
  slashCommand,
  urlVerification,
} from './fakes/slack-events.js';

const TOKEN = 'xoxb-test-token';
const SECRET = 'test-signing-secret';
const C = 'C0GENERAL';
let fake: FakeSlack;

/** The real WebClient against the fake; no retries unless a test asks, so failures surface at once. */
const client = (opts: WebClientOptions = {}, token = TOKEN) =>
  new WebClient(token, { slackApiUrl: fake.apiUrl, logLevel: LogLevel.ERROR, retryConfig: { retries: 0 }, ...opts });

const platformError = async (p: Promise<unknown>) => {
  const err = (await p.then(() => undefined, (e: unknown) => e)) as WebAPIPlatformError | undefined;
  expect(err?.code).toBe(ErrorCode.PlatformError);
  return err!.data.error;
};

/** Raw POST, to see exactly what HTTP the fake answers (status, Retry-After). */
const rawPost = (method: string, body: object) =>
  fetch(`${fake.apiUrl}${method}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json; charset=utf-8', authorization: `Bearer ${TOKEN}` },
    body: JSON.stringify(body),
  });

beforeEach(async () => {
  fake = await startFakeSlack({ botToken: TOKEN });
});
afterEach(async () => {
  await fake.close();
});

describe('fake Slack Web API driven by the real WebClient', () => {
  it('posts, edits and posts ephemerally, keeping current message state per thread', async () => {
    const web = client();
    fake.seedMessage({ channel: C, ts: '1700000000.000050', user: 'UALICE', text: 'question?' });
    const posted = await web.chat.postMessage({ channel: C, thread_ts: '1700000000.000050', text: 'thinking…', unfurl_links: false });
    expect(posted.ts).toMatch(/^\d{10}\.\d{6}$/);
    expect(posted.message).toMatchObject({ user: 'UBOT', bot_id: 'BBOT', text: 'thinking…', thread_ts: '1700000000.000050' });

    const blocks = [{ type: 'section', text: { type: 'mrkdwn', text: '*answer*' } }];
    await web.chat.update({ channel: C, ts: posted.ts!, text: 'answer', blocks });
    await web.chat.postEphemeral({ channel: C, user: 'UALICE', text: 'only you', thread_ts: '1700000000.000050' });

    const thread = fake.messages(C, '1700000000.000050');
    expect(thread.map((m) => m.text)).toEqual(['question?', 'answer']);
    expect(thread[1]).toMatchObject({ blocks, edited: { user: 'UBOT' } });
    expect(fake.ephemerals).toEqual([expect.objectContaining({ channel: C, user: 'UALICE', text: 'only you' })]);
    // WebClient form-encodes blocks as a JSON string; the fake decodes it as Slack does.
    expect(fake.callsTo('chat.update')[0]!.args.blocks).toEqual(blocks);
    expect(fake.callsTo('chat.postMessage')[0]!.args.unfurl_links).toBe('false');

    expect(await platformError(web.chat.update({ channel: C, ts: '1600000000.000001', text: 'x' }))).toBe('message_not_found');
    expect(await platformError(web.chat.update({ channel: C, ts: '1700000000.000050', text: 'x' }))).toBe('cant_update_message');
    expect(await platformError(web.apiCall('nope.nothing'))).toBe('unknown_method');
    expect(await platformError(client({}, 'xoxb-wrong').auth.test())).toBe('invalid_auth');
  });

  it('accepts JSON bodies with a Bearer token, as Slack does', async () => {
    const res = await rawPost('chat.postMessage', { channel: C, text: 'json', blocks: [{ type: 'divider' }] });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ ok: true, channel: C, message: { text: 'json', blocks: [{ type: 'divider' }] } });
  });

  it('runs the chatStream() helper end to end: startStream, appendStream, stopStream with chunks', async () => {
    const web = client();
    const streamer = web.chatStream({
      channel: C,
      thread_ts: '1700000000.000050',
      recipient_team_id: 'T0FAKE',
      recipient_user_id: 'UALICE',
      buffer_size: 10,
    });
    expect(await streamer.append({ markdown_text: 'Hello' })).toBeNull(); // under buffer_size: nothing sent yet
    expect(fake.calls).toHaveLength(0);
    await streamer.append({ markdown_text: ', **world**' });
    await streamer.append({ markdown_text: ' and more text' });
    await streamer.stop({ markdown_text: '!', blocks: [{ type: 'divider' }] });

    expect(fake.calls.map((c) => c.method)).toEqual(['chat.startStream', 'chat.appendStream', 'chat.stopStream']);
    expect(fake.calls[0]!.args).toMatchObject({ recipient_user_id: 'UALICE', chunks: [{ type: 'markdown_text', text: 'Hello, **world**' }] });
    const [message] = fake.messages(C, '1700000000.000050');
    // The streamed Markdown is the message's block content; stopStream's blocks go below it.
    expect(message).toMatchObject({
      text: 'Hello, **world** and more text!',
      blocks: [{ type: 'markdown', text: 'Hello, **world** and more text!' }, { type: 'divider' }],
      stream: { state: 'stopped' },
    });
    expect(message!.ts).toBe(streamer.ts);

    const late = web.chat.appendStream({ channel: C, ts: streamer.ts!, markdown_text: 'late' });
    expect(await platformError(late)).toBe('message_not_in_streaming_state');
  });

  it('shows an open channel stream live to its recipient only, and says so in streaming_state', async () => {
    const web = client();
    const thread = '1700000000.000050';
    const { ts } = await web.chat.startStream({ channel: C, thread_ts: thread, recipient_team_id: 'T0FAKE', recipient_user_id: 'UALICE' });
    await web.chat.appendStream({ channel: C, ts: ts!, markdown_text: 'Half an answer' });
    expect(fake.seenBy(C, ts!, 'UALICE')).toBe('Half an answer');
    expect(fake.seenBy(C, ts!, 'UBOB')).toBe('Thinking…');
    type Listed = { ts?: string; streaming_state?: string };
    const open = ((await web.conversations.replies({ channel: C, ts: thread })).messages as Listed[]).find((m) => m.ts === ts);
    expect(open?.streaming_state).toBe('in_progress');

    await web.chat.stopStream({ channel: C, ts: ts!, markdown_text: ', and the rest.' });
    expect(fake.seenBy(C, ts!, 'UBOB')).toBe('Half an answer, and the rest.');
    const closed = ((await web.conversations.replies({ channel: C, ts: thread })).messages as Listed[]).find((m) => m.ts === ts);
    expect(closed?.streaming_state).toBe('completed');
  });

  it('keeps a streamed message on screen when chat.update sends only text; blocks: [] replaces it', async () => {
    const web = client();
    const { ts } = await web.chat.startStream({ channel: 'D0ALICE', thread_ts: '1700000000.000060' });
    await web.chat.stopStream({ channel: 'D0ALICE', ts: ts!, markdown_text: 'The streamed answer' });
    await web.chat.update({ channel: 'D0ALICE', ts: ts!, text: 'Part one' });
    expect(fake.seenBy('D0ALICE', ts!, 'UALICE')).toBe('The streamed answer'); // the new text is only the fallback
    await web.chat.update({ channel: 'D0ALICE', ts: ts!, text: 'Part one', blocks: [] });
    expect(fake.seenBy('D0ALICE', ts!, 'UALICE')).toBe('Part one');
  });

  it('uploads a file with filesUploadV2 end to end and shares it in the thread', async () => {
    const bytes = Buffer.from('# Answer\n\nlong markdown…\n'.repeat(50));
    const result = await client().filesUploadV2({
      channel_id: C,
      thread_ts: '1700000000.000050',
      file: bytes,
      filename: 'answer.md',
      initial_comment: 'Full answer attached',
    });

    expect(fake.calls.map((c) => c.method)).toEqual(['files.getUploadURLExternal', 'upload', 'files.completeUploadExternal']);
    expect(fake.calls[0]!.args).toMatchObject({ filename: 'answer.md', length: String(bytes.length) });
    const [upload] = fake.uploads;
    expect(upload).toMatchObject({
      filename: 'answer.md',
      title: 'answer.md',
      channel_id: C,
      thread_ts: '1700000000.000050',
      initial_comment: 'Full answer attached',
    });
    expect(upload!.bytes.equals(bytes)).toBe(true);
    // filesUploadV2 returns one completeUploadExternal response per destination, each with its own `files`.
    expect(result.files).toEqual([expect.objectContaining({ ok: true, files: [expect.objectContaining({ id: upload!.file_id })] })]);
    expect(fake.messages(C, '1700000000.000050')).toEqual([
      expect.objectContaining({ text: 'Full answer attached', files: [expect.objectContaining({ id: upload!.file_id, name: 'answer.md' })] }),
    ]);
  });

  it('pages conversations.replies with cursors, parent first', async () => {
    fake.seedMessage({ channel: C, ts: '1700000000.000100', user: 'UALICE', text: 'parent' });
    for (let i = 1; i <= 4; i++) {
      fake.seedMessage({ channel: C, ts: `1700000000.00010${i}`, thread_ts: '1700000000.000100', user: 'UBOB', text: `reply ${i}` });
    }
    const web = client();

    const first = await web.conversations.replies({ channel: C, ts: '1700000000.000100', limit: 2 });
    expect(first.messages!.map((m) => m.text)).toEqual(['parent', 'reply 1']);
    expect(first.messages![0]).toMatchObject({ type: 'message', thread_ts: '1700000000.000100', reply_count: 4, user: 'UALICE' });
    expect(first.has_more).toBe(true);
    expect(first.response_metadata?.next_cursor).toBeTruthy();

    const texts: string[] = [];
    for await (const page of web.paginate('conversations.replies', { channel: C, ts: '1700000000.000100', limit: 2 })) {
      texts.push(...((page as { messages?: Array<{ text: string }> }).messages ?? []).map((m) => m.text));
    }
    expect(texts).toEqual(['parent', 'reply 1', 'reply 2', 'reply 3', 'reply 4']);
    expect(await platformError(web.conversations.replies({ channel: C, ts: '1600000000.000000' }))).toBe('thread_not_found');
  });

  it('answers users.info from seeded users or a default derived from the id', async () => {
    fake.seedUser({ id: 'UALICE', name: 'alice', real_name: 'Alice Liu', display_name: 'Ali' });
    const web = client();
    expect((await web.users.info({ user: 'UALICE' })).user).toMatchObject({
      id: 'UALICE',
      name: 'alice',
      profile: { display_name: 'Ali', real_name: 'Alice Liu' },
    });
    expect((await web.users.info({ user: 'UZED' })).user).toMatchObject({ id: 'UZED', name: 'uzed', real_name: 'User UZED' });
  });

  it('records assistant status, clearing it when the bot replies in the thread', async () => {
    const web = client();
    const loading_messages = ['Reading', 'Writing'];
    await web.assistant.threads.setStatus({ channel_id: C, thread_ts: '1700000000.000050', status: 'is thinking…', loading_messages });
    expect(fake.statuses[0]).toMatchObject({ status: 'is thinking…', loading_messages: ['Reading', 'Writing'] });
    expect(fake.statusOf(C, '1700000000.000050')).toBe('is thinking…');
    await web.chat.postMessage({ channel: C, thread_ts: '1700000000.000050', text: 'done' });
    expect(fake.statusOf(C, '1700000000.000050')).toBeUndefined();
  });
});

describe('rate limits', () => {
  it('a forced 429 is waited out and retried by WebClient; count429 counts it', async () => {
    fake.rateLimitNext('chat.postMessage', 1, 1);
    const started = Date.now();
    const res = await client({ retryConfig: { retries: 1 }, rejectRateLimitedCalls: false }).chat.postMessage({ channel: C, text: 'hi' });
    expect(res.ok).toBe(true);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000); // it honoured Retry-After: 1
    expect(fake.count429).toBe(1);
    expect(fake.callsTo('chat.postMessage').map((c) => c.status)).toEqual([429, 200]);
    expect(fake.messages(C)).toHaveLength(1);
  });

  it('with rejectRateLimitedCalls the 429 surfaces at once as a rate-limited error carrying retryAfter', async () => {
    fake.rateLimitNext('chat.update', 1, 7);
    const err = await client({ rejectRateLimitedCalls: true }).chat.update({ channel: C, ts: '1', text: 'x' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: ErrorCode.RateLimitedError, retryAfter: 7 });
  });

  it('with retries exhausted a 429 becomes a generic request error, not a rate-limited one', async () => {
    fake.rateLimitNext('chat.postMessage', 1, 0); // Retry-After: 0 only to keep the test fast
    const err = await client({ retryConfig: { retries: 0 } }).chat.postMessage({ channel: C, text: 'x' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: ErrorCode.RequestError });
  });

  it('limits chat.postMessage per channel (burst of 3, then 1/s) with 429 and Retry-After', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await rawPost('chat.postMessage', { channel: C, text: `m${i}` })).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
    const limited = await rawPost('chat.postMessage', { channel: C, text: 'again' });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('1');
    expect(await limited.json()).toEqual({ ok: false, error: 'ratelimited' });
    expect((await rawPost('chat.postMessage', { channel: 'C0OTHER', text: 'elsewhere' })).status).toBe(200);
    expect(fake.count429).toBe(2);
    expect(fake.messages(C)).toHaveLength(3);
  });

  it('limits each method per workspace, across channels and clients, by its own tier', async () => {
    await fake.close();
    fake = await startFakeSlack({ botToken: TOKEN, methodLimits: { 'chat.update': 3 } });
    const [one, two] = [client(), client()];
    const { ts: a } = await one.chat.postMessage({ channel: C, text: 'a' });
    const { ts: b } = await two.chat.postMessage({ channel: 'C0OTHER', text: 'b' });
    await one.chat.update({ channel: C, ts: a!, text: 'a1' });
    await two.chat.update({ channel: 'C0OTHER', ts: b!, text: 'b1' });
    await one.chat.update({ channel: C, ts: a!, text: 'a2' });
    const limited = await rawPost('chat.update', { channel: 'C0OTHER', ts: b, text: 'b2' });
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(59);
    // Another method has a count of its own: appendStream is not held back by chat.update's.
    const stream = await one.chat.startStream({ channel: C, thread_ts: a!, markdown_text: 'x' });
    await two.chat.appendStream({ channel: C, ts: stream.ts!, markdown_text: 'y' });
    expect(fake.messages('C0OTHER').map((m) => m.text)).toEqual(['b1']);
  });

  it('counts each workspace of an org-wide install on its own (teamOf), one token for all', async () => {
    await fake.close();
    fake = await startFakeSlack({ botToken: TOKEN, methodLimits: { 'chat.update': 2 }, teamOf: (channel) => channel.split('-')[1] });
    const { ts: a } = await client().chat.postMessage({ channel: 'C1-T1', text: 'a' });
    const { ts: b } = await client().chat.postMessage({ channel: 'C2-T2', text: 'b' });
    for (let i = 0; i < 2; i++) expect((await rawPost('chat.update', { channel: 'C1-T1', ts: a, text: `a${i}` })).status).toBe(200);
    expect((await rawPost('chat.update', { channel: 'C1-T1', ts: a, text: 'a2' })).status).toBe(429);
    // T2 has its own count, though the same token calls.
    expect((await rawPost('chat.update', { channel: 'C2-T2', ts: b, text: 'b1' })).status).toBe(200);
  });

  it('allows chat.startStream 20 times a minute per workspace (tier 2), whichever client calls', async () => {
    const [one, two] = [client(), client()];
    const { ts } = await one.chat.postMessage({ channel: C, text: 'q' });
    for (let i = 0; i < 20; i++) await (i % 2 ? one : two).chat.startStream({ channel: `C0S${i}`, thread_ts: ts! });
    const limited = await rawPost('chat.startStream', { channel: 'C0S20', thread_ts: ts });
    expect(limited.status).toBe(429);
    expect(await limited.json()).toEqual({ ok: false, error: 'ratelimited' });
  });

  it('caps chat.postMessage per workspace too, and shrinks every window by timeScale', async () => {
    await fake.close();
    fake = await startFakeSlack({ botToken: TOKEN, postsPerWorkspaceMinute: 2, timeScale: 0.01 });
    expect((await rawPost('chat.postMessage', { channel: 'C1', text: '1' })).status).toBe(200);
    expect((await rawPost('chat.postMessage', { channel: 'C2', text: '2' })).status).toBe(200);
    expect((await rawPost('chat.postMessage', { channel: 'C3', text: '3' })).status).toBe(429);
    // The workspace's minute is 600 ms at this scale.
    await new Promise((resolve) => setTimeout(resolve, 700));
    expect((await rawPost('chat.postMessage', { channel: 'C3', text: '3' })).status).toBe(200);
  });
});

describe('Bolt App against the fake', () => {
  let app: App | undefined;
  afterEach(async () => {
    await app?.stop().catch(() => undefined);
    app = undefined;
  });

  const boltApp = () =>
    new App({
      token: TOKEN,
      signingSecret: SECRET,
      logLevel: LogLevel.ERROR,
      clientOptions: { slackApiUrl: fake.apiUrl, retryConfig: { retries: 0 } },
    });
  const start = async (a: App) => {
    const server = await a.start({ port: 0, host: '127.0.0.1' });
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}/slack/events`;
  };

  it('calls auth.test at construction and through app.client', async () => {
    app = boltApp();
    await fake.waitFor((f) => f.callsTo('auth.test').length === 1);
    const auth = await app.client.auth.test();
    expect(auth).toMatchObject({ ok: true, user_id: 'UBOT', bot_id: 'BBOT', team_id: 'T0FAKE' });
  });

  it('receives a signed app_mention, runs the listener, and rejects bad or stale signatures with 401', async () => {
    app = boltApp();
    const seen: Array<{ text: string; retryNum: number | undefined }> = [];
    app.event('app_mention', async ({ event, context, say, sayStream }) => {
      seen.push({ text: event.text, retryNum: context.retryNum });
      await say({ text: 'on it', thread_ts: event.ts });
      const streamer = sayStream({ buffer_size: 1 });
      await streamer.append({ markdown_text: 'streamed answer' });
      await streamer.stop();
    });
    const url = await start(app);
    const mention = appMentionEvent({ channel: C, user: 'UALICE', text: '<@UBOT> hello', ts: '1700000001.000100' });

    const ok = await sendSlackEvent(url, SECRET, mention);
    expect(ok.status).toBe(200);
    const thread = await fake.waitFor((f) => {
      const t = f.messages(C, '1700000001.000100');
      return t.length === 2 && t[1]!.stream?.state === 'stopped' && t;
    });
    expect(thread.map((m) => m.text)).toEqual(['on it', 'streamed answer']);
    // A listener's client is made per team, so every call it makes also carries team_id.
    expect(fake.callsTo('chat.postMessage')[0]!.args).toMatchObject({ channel: C, thread_ts: '1700000001.000100', team_id: 'T0FAKE' });
    // sayStream() fills the recipient from the event's team and user.
    expect(thread[1]!.stream).toMatchObject({ recipient_team_id: 'T0FAKE', recipient_user_id: 'UALICE' });

    const retry = await sendSlackEvent(url, SECRET, mention, { 'x-slack-retry-num': '1', 'x-slack-retry-reason': 'http_timeout' });
    expect(retry.status).toBe(200);
    await fake.waitFor(() => seen.length === 2);
    expect(seen.map((s) => s.retryNum)).toEqual([undefined, 1]);

    expect((await sendSlackEvent(url, 'wrong-secret', mention)).status).toBe(401);
    const stale = await sendSlackEvent(url, SECRET, mention, {}, { timestampSeconds: Math.floor(Date.now() / 1000) - 6 * 60 });
    expect(stale.status).toBe(401);
    const body = JSON.stringify(mention);
    const tampered = await sendSlackEvent(url, SECRET, body.replace('hello', 'HELLO'), signSlackRequest(SECRET, body));
    expect(tampered.status).toBe(401);
    expect(seen).toHaveLength(2);
  });

  it('answers url_verification and routes a form-encoded slash command to its response_url', async () => {
    app = boltApp();
    app.command('/xiaoliu', async ({ command, ack, respond }) => {
      await ack();
      await respond({ text: `you said ${command.text}`, response_type: 'ephemeral' });
    });
    const url = await start(app);

    const challenge = await sendSlackEvent(url, SECRET, urlVerification('chal-123'));
    expect(challenge.status).toBe(200);
    expect(JSON.parse(challenge.body)).toEqual({ challenge: 'chal-123' });

    const fields = slashCommand({ text: 'help', user_id: 'UALICE', channel_id: C, response_url: fake.responseUrl('cmd1') });
    expect((await sendSlashCommand(url, SECRET, fields)).status).toBe(200);
    const [response] = await fake.waitFor((f) => f.responses.length === 1 && f.responses);
    expect(response).toMatchObject({ id: 'cmd1', body: { text: 'you said help', response_type: 'ephemeral' } });
  });
});
