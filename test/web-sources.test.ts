import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../adapters/http/api-keys.js';
import { ShellSession } from '../adapters/shell/shell-session.js';
import { createRedis } from '../src/redis/create-redis.js';
import type { FakeReply, ReplyFn } from './fakes/fake-anthropic.js';
import { lastUserText } from './fakes/fake-anthropic-wire.js';
import { appMentionEvent, sendSlackEvent } from './fakes/slack-events.js';
import { startDiscordTestApp, type DiscordTestApp } from './support/discord-test-app.js';
import { readSse, type SseEvent } from './support/read-sse.js';
import type { RunningApp } from '../src/app/start-app.js';
import type { Config } from '../src/config/read-config.js';
import { startFakeAnthropic, type FakeAnthropic } from './fakes/fake-anthropic.js';
import { startFakeSlack, type FakeSlack } from './fakes/fake-slack.js';
import { SLACK_TEST_SECRET } from './support/slack-test-app.js';
import { startTestApp, testConfig, TEST_REDIS_URL } from './support/test-app.js';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';
import { waitForAnswer } from './support/wait-for-answer.js';
import { waitFor } from './support/wait-for.js';

// An answer from web search shows its sources on every platform, and the thread shows the search while it runs:
// Slack (links, thread status) and Discord (links) through their real clients and fakes, the HTTP API (`sources`,
// `activity` events) and the terminal (a list, activity lines) through the real gateway and relays.

const RELEASE = { url: 'https://example.com/releases/2026', title: 'Example 2026 release notes' };
const BLOG = { url: 'https://blog.example.org/post', title: 'A [great] post | 2026' };

/** Where the channel has web search on, the model searches and cites two results; otherwise it echoes. */
const model: ReplyFn = (req) => {
  const searches = (req.body.tools ?? []).some((t: { type?: string }) => t.type?.startsWith('web_search_'));
  if (!searches) return { kind: 'text', text: `Echo: ${lastUserText(req.body)}` };
  return {
    kind: 'web',
    calls: [{ tool: 'web_search', query: 'example 2026 release', results: [RELEASE, BLOG] }],
    answer: [
      { text: 'It shipped in March. ', cite: RELEASE.url },
      { text: 'People liked it.', cite: BLOG.url },
      { text: ' Again, March.', cite: RELEASE.url },
    ],
  } satisfies FakeReply;
};

describe('web sources on Slack, the HTTP API and the terminal', () => {
  let t: { database: TestDatabase; model: FakeAnthropic; slack: FakeSlack; app: RunningApp; config: Config; events: string };
  let key: string;

  beforeAll(async () => {
    const database = await createTestDatabase();
    const fakeModel = await startFakeAnthropic({ reply: model });
    const slack = await startFakeSlack({ botToken: 'xoxb-test-token' });
    slack.seedUser({ id: 'U1', name: 'ann', real_name: 'Ann Lee', display_name: 'Ann' });
    const config = testConfig(database, fakeModel.url, {
      SLACK_BOT_TOKEN: 'xoxb-test-token',
      SLACK_SIGNING_SECRET: SLACK_TEST_SECRET,
      SLACK_API_URL: slack.apiUrl,
      SLACK_EDIT_INTERVAL_MS: '100',
      XIAOLIU_ADMINS: 'slack:U1,http:alice,shell:tester',
    });
    const app = await startTestApp(config, []);
    t = { database, model: fakeModel, slack, app, config, events: `http://127.0.0.1:${app.port}/slack/events` };
    key = (await createApiKey(database.sql, 'alice', 'test')).key;
  });
  afterAll(async () => {
    await t?.app.close();
    await t?.slack.close();
    await t?.model.close();
    await t?.database.drop();
  });

  async function mention(text: string) {
    const event = appMentionEvent({ channel: 'C1', user: 'U1', text: `<@UBOT> ${text}` });
    await sendSlackEvent(t.events, SLACK_TEST_SECRET, event);
    const ts = event.event.ts as string;
    await waitForAnswer(t.database.sql, `slack-T0FAKE-C1-${ts}`);
    return { ts, replies: t.slack.messages('C1', ts).filter((m) => m.user === 'UBOT' || m.bot_id === 'BBOT') };
  }

  it('Slack: numbered links under the answer, each source once, and "is searching the web…" as the thread status', async () => {
    expect(String((await mention('config web search on')).replies.at(-1)?.text)).toMatch(/web search on/);
    const { ts, replies } = await mention('what happened in the 2026 release?');
    const text = String(replies.at(-1)!.text);
    expect(text).toContain('It shipped in March. People liked it. Again, March.');
    // Markdown links become mrkdwn links; the title's brackets and bar cannot break them.
    expect(text).toContain(`*Sources*\n1. <${RELEASE.url}|${RELEASE.title}>\n2. <${BLOG.url}|A (great) post ¦ 2026>`);
    expect(text.match(/example\.com\/releases/g)).toHaveLength(1);
    const statuses = t.slack.statuses.filter((s) => s.thread_ts === ts).map((s) => s.status);
    expect(statuses).toContain('is searching the web for “example 2026 release”…');
  });

  it('HTTP API: `sources` in the JSON answer and the SSE `done`, with `activity` events while it searches', async () => {
    const base = `http://127.0.0.1:${t.app.port}`;
    const chat = (body: unknown, accept = 'application/json') =>
      fetch(`${base}/v1/chat`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', accept }, body: JSON.stringify(body) });
    expect(((await (await chat({ message: 'config web search on' })).json()) as { answer: string }).answer).toMatch(/web search on/);

    const json = (await (await chat({ message: 'what happened in 2026?' })).json()) as { answer: string; sources: unknown; usage: { web_searches: number }; conversation_id: string };
    expect(json.answer).toBe('It shipped in March. People liked it. Again, March.');
    expect(json.sources).toEqual([RELEASE, { url: BLOG.url, title: BLOG.title }]);
    expect(json.usage.web_searches).toBe(1);
    // The conversation keeps them with the answer (the console shows them again after a reload).
    const kept = (await (await fetch(`${base}/v1/conversations/${json.conversation_id}`, { headers: { authorization: `Bearer ${key}` } })).json()) as { messages: { role: string; sources?: unknown }[] };
    expect(kept.messages.map((m) => m.sources)).toEqual([undefined, [RELEASE, { url: BLOG.url, title: BLOG.title }]]);

    const events: SseEvent[] = [];
    await readSse(await chat({ message: 'and the details?' }, 'text/event-stream'), events);
    const activity = events.filter((e) => e.event === 'activity').map((e) => (e.data as { text: string }).text);
    expect(activity).toEqual(['Searching the web for “example 2026 release”…', 'Searched the web for “example 2026 release”']);
    expect((events.at(-1)!.data as { sources: unknown }).sources).toEqual([RELEASE, { url: BLOG.url, title: BLOG.title }]);
  });

  it('the terminal: the search on a line of its own, then the answer with its sources listed', async () => {
    const output = new PassThrough();
    let printed = '';
    output.on('data', (chunk) => (printed += String(chunk)));
    const shell = new ShellSession({
      subscriber: createRedis(TEST_REDIS_URL),
      ingress: t.app.ingress,
      prefix: t.config.queuePrefix,
      workspaceId: 'laptop',
      channelId: 'web-sources',
      user: { id: 'tester', name: 'Tess' },
      output,
      filesDir: '/tmp/xiaoliu-test-files',
      tty: false,
      answerTimeoutMs: 15_000,
    });
    await shell.start();
    try {
      await shell.ask('config web search on');
      await shell.ask('what happened?');
    } finally {
      await shell.close();
    }
    expect(printed).toContain('(Searching the web for “example 2026 release”…)\n');
    expect(printed).toContain(
      `It shipped in March. People liked it. Again, March.\n\nSources:\n  [1] ${RELEASE.title} — ${RELEASE.url}\n  [2] ${BLOG.title} — ${BLOG.url}`,
    );
  });
});

describe('web sources on Discord', () => {
  let t: DiscordTestApp;

  beforeAll(async () => {
    t = await startDiscordTestApp({ XIAOLIU_ADMINS: 'discord:900000000000000001' });
    t.model.setReply(model);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('shows the search in the placeholder, then lists the sources as links that do not unfurl into embeds', async () => {
    const carol = t.discord.addUser({ id: '900000000000000001', username: 'carol', global_name: 'Carol' });
    const channelId = t.discord.channelId;
    const ask = async (text: string) => {
      const message = t.discord.sendMessage({ channelId, author: carol, content: `${t.mention} ${text}` });
      await t.answered(`discord-${message.id}`);
      return (t.botMessages(message.id).at(-1) ?? t.botMessages(channelId).at(-1))?.content ?? '';
    };
    expect(await ask('config web search on')).toMatch(/web search on/);
    // Discord's status is only "typing": the placeholder says what is happening until the answer's text comes.
    let resume!: () => void;
    const hold = new Promise<void>((resolve) => (resume = resolve));
    t.model.setReply((req) => ({ ...(model(req) as Extract<FakeReply, { kind: 'web' }>), hold }));
    const question = t.discord.sendMessage({ channelId, author: carol, content: `${t.mention} what happened in 2026?` });
    await waitFor('the search in the placeholder', () => t.botMessages(question.id).concat(t.botMessages(channelId)).some((m) => m.content === '_Searched the web for “example 2026 release”_'));
    resume();
    await t.answered(`discord-${question.id}`);
    const answer = (t.botMessages(question.id).at(-1) ?? t.botMessages(channelId).at(-1))?.content ?? '';
    expect(answer).toBe(
      `It shipped in March. People liked it. Again, March.\n\n**Sources**\n1. [${RELEASE.title}](<${RELEASE.url}>)\n2. [A (great) post ¦ 2026](<${BLOG.url}>)`,
    );
  });
});
