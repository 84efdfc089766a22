import { ErrorCode, LogLevel, WebClient } from '@slack/web-api';
import { afterEach, describe, expect, it } from 'vitest';
import { startFakeSlack, type FakeSlack, type FakeSlackOptions } from './fakes/fake-slack.js';

const TOKEN = 'xoxb-test-token';
const C = 'C0HISTORY';
let fake: FakeSlack | undefined;

afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

/** A fake Slack with a thread of a parent and `replies` replies, and the real WebClient (no retries) against it. */
async function withThread(replies: number, options: FakeSlackOptions = {}) {
  fake = await startFakeSlack({ botToken: TOKEN, ...options });
  const parent = '1700000000.000100';
  fake.seedMessage({ channel: C, ts: parent, user: 'U1', text: 'parent' });
  for (let i = 1; i <= replies; i++) {
    fake.seedMessage({ channel: C, ts: `1700000000.${String(100 + i).padStart(6, '0')}`, thread_ts: parent, user: 'U2', text: `reply ${i}` });
  }
  const web = new WebClient(TOKEN, { slackApiUrl: fake.apiUrl, logLevel: LogLevel.ERROR, retryConfig: { retries: 0 }, rejectRateLimitedCalls: true });
  return { web, parent, ts: (i: number) => `1700000000.${String(100 + i).padStart(6, '0')}` };
}

const texts = (r: { messages?: { text?: string }[] }) => (r.messages ?? []).map((m) => m.text);

describe('the fake conversations.replies and conversations.history', () => {
  it('lists a thread oldest first: limit takes the oldest of the window, latest/oldest bound it, inclusive keeps the bounds', async () => {
    const { web, parent, ts } = await withThread(30);
    expect(texts(await web.conversations.replies({ channel: C, ts: parent, limit: 3 }))).toEqual(['parent', 'reply 1', 'reply 2']);
    expect(texts(await web.conversations.replies({ channel: C, ts: parent, latest: ts(20), limit: 2 }))).toEqual(['parent', 'reply 1']);
    expect(texts(await web.conversations.replies({ channel: C, ts: parent, oldest: ts(27) }))).toEqual(['reply 28', 'reply 29', 'reply 30']);
    const bounded = await web.conversations.replies({ channel: C, ts: parent, oldest: ts(5), latest: ts(7), inclusive: true });
    expect(texts(bounded)).toEqual(['reply 5', 'reply 6', 'reply 7']);
    // The cursor goes on towards newer messages; a continuation page does not repeat the parent.
    const first = await web.conversations.replies({ channel: C, ts: parent, latest: ts(10), limit: 4 });
    const next = await web.conversations.replies({ channel: C, ts: parent, latest: ts(10), limit: 4, cursor: first.response_metadata!.next_cursor! });
    expect(texts(next)).toEqual(['reply 4', 'reply 5', 'reply 6', 'reply 7']);
  });

  it('lists history newest first, top-level messages only', async () => {
    const { web } = await withThread(2);
    fake!.seedMessage({ channel: C, ts: '1700000001.000000', user: 'U1', text: 'later top-level' });
    expect(texts(await web.conversations.history({ channel: C }))).toEqual(['later top-level', 'parent']);
    expect(texts(await web.conversations.history({ channel: C, oldest: '1700000000.000100' }))).toEqual(['later top-level']);
  });

  it('gives an app outside the Marketplace 15 messages a call and one call a minute, per method', async () => {
    const { web, parent } = await withThread(40, { appClass: 'non-marketplace' });
    const page = await web.conversations.replies({ channel: C, ts: parent, limit: 1000 });
    expect(page.messages).toHaveLength(15);
    expect(page.has_more).toBe(true);
    const again = await web.conversations.replies({ channel: C, ts: parent }).catch((e: { code?: string }) => e);
    expect((again as { code?: string }).code).toBe(ErrorCode.RateLimitedError);
    // conversations.history has a minute of its own.
    expect((await web.conversations.history({ channel: C })).ok).toBe(true);
  });

  it('gives an internal app the normal limits', async () => {
    const { web, parent } = await withThread(40);
    expect((await web.conversations.replies({ channel: C, ts: parent })).messages).toHaveLength(41);
    expect((await web.conversations.replies({ channel: C, ts: parent, limit: 10 })).messages).toHaveLength(10);
  });
});

describe("the fake Slack's file hosts", () => {
  const get = (url: string) => fetch(url, { headers: { authorization: `Bearer ${TOKEN}` }, redirect: 'manual' });

  it("redirects a PDF's url_private to another file host, and serves url_private_download directly", async () => {
    fake = await startFakeSlack({ botToken: TOKEN });
    const pdf = fake.hostFile({ name: 'a.pdf', mimetype: 'application/pdf', content: '%PDF-1.7' });
    const text = fake.hostFile({ name: 'a.txt', content: 'hello' });
    const redirected = await get(pdf.url_private);
    expect(redirected.status).toBe(302);
    expect(redirected.headers.get('location')).toMatch(/\/files-origin\//);
    expect(await (await get(redirected.headers.get('location')!)).text()).toBe('%PDF-1.7');
    expect(await (await get(pdf.url_private_download)).text()).toBe('%PDF-1.7');
    expect((await get(text.url_private)).status).toBe(200);
  });

  it('redirects every url_private on Enterprise Grid, and answers the sign-in page without the token', async () => {
    fake = await startFakeSlack({ botToken: TOKEN, enterpriseGrid: true });
    const text = fake.hostFile({ name: 'a.txt', content: 'hello' });
    const redirected = await get(text.url_private);
    expect(redirected.status).toBe(302);
    const anonymous = await fetch(redirected.headers.get('location')!);
    expect(anonymous.headers.get('content-type')).toMatch(/^text\/html/);
  });
});
