import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RunningApp } from '../src/app/start-app.js';
import type { InboundMessage } from '../src/domain/inbound-message.js';
import { startFakeAnthropic, type FakeAnthropic, type FakeReply } from './fakes/fake-anthropic.js';
import { RecordingEgress } from './fakes/recording-egress.js';
import { inbound, startTestApp, testConfig } from './support/test-app.js';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';
import { waitFor } from './support/wait-for.js';

// Web search and fetch (Anthropic's server tools) and extended thinking, per channel, through the real pipeline: the
// real SDK against the fake Messages API (which runs the server tools as the docs say), real Postgres and Redis.

const ADMIN = { id: 'UADMIN', name: 'Ada', isBot: false };
const MEMBER = { id: 'UMEMBER', name: 'Max', isBot: false };

const RELEASE = { url: 'https://example.com/releases/2026', title: 'Example 2026 release notes' };
const BLOG = { url: 'https://blog.example.org/post', title: 'A post about it' };
const BAD = { url: 'https://spam.test/x', title: 'Spam' };

/** The model searches, then answers in two blocks, each citing a result. */
const searchAndCite: FakeReply = {
  kind: 'web',
  calls: [{ tool: 'web_search', query: 'example 2026 release', results: [RELEASE, BLOG, BAD] }],
  answer: [
    { text: 'The 2026 release shipped in March. ', cite: RELEASE.url },
    { text: 'It was well received.', cite: BLOG.url },
  ],
};

describe('web tools and thinking per channel (real Postgres, Redis, pipeline; fake model with server tools)', () => {
  let database: TestDatabase;
  let model: FakeAnthropic;
  let slack: RecordingEgress;
  let app: RunningApp;
  let threads = 0;

  beforeAll(async () => {
    database = await createTestDatabase();
    model = await startFakeAnthropic();
    slack = new RecordingEgress('slack');
    app = await startTestApp(testConfig(database, model.url, { XIAOLIU_ADMINS: `slack:${ADMIN.id}` }), [slack]);
  });
  afterAll(async () => {
    await app?.close();
    await model?.close();
    await database?.drop();
  });
  afterEach(() => model.setReply((req) => ({ kind: 'text', text: `Echo: ${String(req.body.messages.length)}` })));

  /** A Slack message in its own thread; resolves with the answer's text and the model requests it made. */
  async function say(text: string, options: { author?: InboundMessage['author']; channel?: string; workspace?: string } = {}) {
    const message = inbound(text, {
      platform: 'slack',
      author: options.author ?? MEMBER,
      address: { workspaceId: options.workspace ?? 'T1', channelId: options.channel ?? 'C1', threadId: `th-${++threads}` },
    });
    const before = model.requests.length;
    await app.producer.enqueue(message);
    await waitFor(`the answer to "${text}"`, () => slack.doneDeliveries().includes(message.id));
    const answer = slack.postsIn(message.address.channelId, message.address.threadId).map((p) => p.text).join('\n');
    return { answer, requests: model.requests.slice(before), id: message.id };
  }
  const admin = (text: string, channel = 'C1', workspace = 'T1') => say(text, { author: ADMIN, channel, workspace });
  const webToolsIn = (request: { body: any }) => (request.body.tools ?? []).filter((t: { type?: string }) => /^web_/.test(t.type ?? ''));

  it('is off by default, and only admins switch it on: validated, with history and rollback', async () => {
    expect(webToolsIn((await say('hello', { channel: 'CFG' })).requests[0]!)).toEqual([]);

    expect((await say('config web search on', { channel: 'CFG' })).answer).toMatch(/Only admins/);
    expect((await admin('config web search on', 'CFG')).answer).toMatch(/^Done \(version 1\): web search on/);
    expect((await admin('config web allow https://example.com', 'CFG')).answer).toContain('without the scheme: `example.com`');
    expect((await admin('config web allow example..com', 'CFG')).answer).toContain('is not a domain');
    expect((await admin('config web allow example.com,docs.rs', 'CFG')).answer).toMatch(/^Done \(version 2\): web allowed domains set to example\.com, docs\.rs/);
    // The API takes one list or the other (web-search-tool docs, "Domain filtering"): refused here, with the fix.
    expect((await admin('config web block spam.test', 'CFG')).answer).toContain('`config web allow none`');
    expect((await admin('config web fetch on', 'CFG')).answer).toMatch(/^Done \(version 3\)/);

    const shown = (await say('config show', { channel: 'CFG' })).answer;
    expect(shown).toContain('web: search on, fetch on; only example.com, docs.rs');
    const tools = webToolsIn((await say('what is new?', { channel: 'CFG' })).requests[0]!);
    expect(tools).toEqual([
      { type: 'web_search_20260318', name: 'web_search', max_uses: 5, allowed_domains: ['example.com', 'docs.rs'] },
      { type: 'web_fetch_20260318', name: 'web_fetch', max_uses: 5, max_content_tokens: 20_000, citations: { enabled: true }, allowed_domains: ['example.com', 'docs.rs'] },
    ]);

    const history = (await say('config history', { channel: 'CFG' })).answer;
    expect(history).toContain('v2 — web allowed domains set to example.com, docs.rs — by Ada');
    expect((await admin('config rollback 1', 'CFG')).answer).toMatch(/restored the settings of version 1/);
    expect(webToolsIn((await say('and now?', { channel: 'CFG' })).requests[0]!)).toEqual([{ type: 'web_search_20260318', name: 'web_search', max_uses: 5 }]);
    expect((await admin('config web search off', 'CFG')).answer).toMatch(/web search off/);
    expect(webToolsIn((await say('and off?', { channel: 'CFG' })).requests[0]!)).toEqual([]);

    const audited = await database.sql<{ action: string; detail: string }[]>`
      select action, detail from audit_log where channel_id = 'CFG' order by id`;
    expect(audited.map((a) => a.action)).toEqual(['config.web', 'config.web', 'config.web', 'config.rollback', 'config.web']);
    expect(audited[1]!.detail).toContain('web allowed domains none → example.com, docs.rs');
  });

  it("keeps one workspace's web setting out of another's, for the same channel id", async () => {
    await admin('config web search on', 'CSAME', 'T1');
    expect(webToolsIn((await say('search here?', { channel: 'CSAME', workspace: 'T1' })).requests[0]!)).toHaveLength(1);
    expect(webToolsIn((await say('search here?', { channel: 'CSAME', workspace: 'T2' })).requests[0]!)).toEqual([]);
    // An admin of T1 is an operator here, so a member of T2 tries: refused, and T1's setting is untouched.
    expect((await say('config web search off', { channel: 'CSAME', workspace: 'T2' })).answer).toMatch(/Only admins/);
    expect(webToolsIn((await say('still?', { channel: 'CSAME', workspace: 'T1' })).requests[0]!)).toHaveLength(1);
  });

  it('answers with its sources listed as links, filtered by the blocked domains, and records the search and its price', async () => {
    await admin('config web search on', 'CSRC');
    await admin('config web block spam.test', 'CSRC');
    model.setReply(() => searchAndCite);
    const { answer, requests, id } = await say('what happened in the 2026 release?', { channel: 'CSRC' });
    expect(webToolsIn(requests[0]!)[0]).toMatchObject({ blocked_domains: ['spam.test'] });
    expect(answer).toBe(
      'The 2026 release shipped in March. It was well received.\n\n**Sources**\n' +
        `1. [${RELEASE.title}](${RELEASE.url})\n2. [${BLOG.title}](${BLOG.url})`,
    );
    const [row] = await database.sql<{ web_searches: number; cost_usd: string; input_tokens: number; output_tokens: number; cache_write_tokens: number; cache_read_tokens: number }[]>`
      select web_searches, cost_usd, input_tokens, output_tokens, cache_write_tokens, cache_read_tokens from usage where delivery_id = ${id}`;
    expect(row!.web_searches).toBe(1);
    // Sonnet 5.5: $2 / $10 / $2.50 / $0.10 per million tokens, plus $10 per 1,000 searches.
    const tokens = (row!.input_tokens * 2 + row!.output_tokens * 10 + row!.cache_write_tokens * 2.5 + row!.cache_read_tokens * 0.1) / 1e6;
    expect(Number(row!.cost_usd)).toBeCloseTo(tokens + 0.01, 6);
    const [stored] = await database.sql<{ sources: unknown }[]>`select sources from messages where delivery_id = ${id} and role = 'assistant'`;
    const sources = typeof stored!.sources === 'string' ? JSON.parse(stored!.sources) : stored!.sources;
    expect(sources).toEqual([RELEASE, BLOG]);
  });

  it('continues a paused turn, sending the paused content back unmodified, thinking blocks included', async () => {
    await admin('config web search on', 'CPAUSE');
    await admin('config web fetch on', 'CPAUSE');
    expect((await admin('config thinking on', 'CPAUSE')).answer).toMatch(/thinking set to on \(high effort\)/);
    model.enqueue(
      { kind: 'web', calls: [{ tool: 'web_search', query: 'release notes', results: [RELEASE] }], pause: true },
      { kind: 'web', calls: [{ tool: 'web_fetch', url: RELEASE.url }], answer: [{ text: 'Read them: all good.', cite: RELEASE.url }] },
    );
    const { answer, requests, id } = await say('what do the release notes say?', { channel: 'CPAUSE' });
    expect(requests).toHaveLength(2);
    expect(requests[0]!.body.thinking).toEqual({ type: 'adaptive' });
    expect(requests[0]!.body.output_config).toEqual({ effort: 'high' });
    // The continuation: the same conversation, then the paused assistant content as it came, last.
    const continued = requests[1]!.body.messages;
    expect(continued.slice(0, -1)).toEqual(requests[0]!.body.messages);
    const paused = continued.at(-1);
    expect(paused.role).toBe('assistant');
    expect(paused.content.map((b: { type: string }) => b.type)).toEqual(['thinking', 'server_tool_use', 'web_search_tool_result']);
    expect(paused.content[1].input).toEqual({ query: 'release notes' });
    expect(answer).toBe(`Read them: all good.\n\n**Sources**\n1. [${RELEASE.title}](${RELEASE.url})`);
    const rows = await database.sql<{ web_searches: number; web_fetches: number }[]>`select web_searches, web_fetches from usage where delivery_id = ${id} order by id`;
    expect(rows).toEqual([{ web_searches: 1, web_fetches: 0 }, { web_searches: 0, web_fetches: 1 }]);
  });

  it('tells the model why a search or fetch failed, and counts only the ones that ran', async () => {
    await admin('config web search on', 'CFAIL');
    await admin('config web fetch on', 'CFAIL');
    await admin('config web block spam.test', 'CFAIL');
    model.enqueue({
      kind: 'web',
      calls: [
        { tool: 'web_fetch', url: BAD.url },
        { tool: 'web_fetch', url: 'https://never.mentioned.example/' },
        { tool: 'web_search', query: 'busy', results: [RELEASE], error: 'too_many_requests' },
        ...Array.from({ length: 5 }, (_, i) => ({ tool: 'web_search' as const, query: `try ${i}`, results: [RELEASE] })),
      ],
      answer: [{ text: 'Done trying.' }],
    });
    const { id } = await say(`read ${BAD.url} please`, { channel: 'CFAIL' });
    const [row] = await database.sql<{ web_searches: number; web_fetches: number }[]>`select web_searches, web_fetches from usage where delivery_id = ${id}`;
    // Of six searches (max_uses 5) the first failed (too_many_requests) and four ran before the sixth was
    // max_uses_exceeded; the fetches failed url_not_allowed and url_not_in_prior_context: no failure is billed.
    expect(row).toEqual({ web_searches: 4, web_fetches: 0 });
  });

  it('counts searches toward the budgets: a channel budget that a search used up refuses the next question', async () => {
    await admin('config web search on', 'CBUDGET');
    // One search is $0.01: with tokens it passes a $0.01 budget, which token costs alone (a fraction of a cent) do not.
    await admin('config budget 0.01', 'CBUDGET');
    model.setReply(() => searchAndCite);
    expect((await say('search something', { channel: 'CBUDGET' })).answer).toContain('**Sources**');
    const refused = await say('and again', { channel: 'CBUDGET' });
    expect(refused.answer).toMatch(/reached the daily budget of \$0\.01/);
    expect(refused.requests).toHaveLength(0);
  });

  it("holds a call's searches in the budget while it runs: max_uses searches at their price, and what they may read", async () => {
    // The worst case of a chat call on Sonnet 5.5 is about $0.16 of tokens; with web search and fetch on, five
    // searches ($0.05) and what the tools may read (5 × 10,000 + 5 × 20,000 tokens of prompt, $0.375) come on top,
    // $0.59 in all. A $0.25 budget holds the first without, and not with, the web tools.
    for (const [channel, web] of [['CHOLD1', false], ['CHOLD2', true]] as const) {
      await admin('config budget 0.25', channel);
      if (web) {
        await admin('config web search on', channel);
        await admin('config web fetch on', channel);
      }
      let resume!: () => void;
      const resumed = new Promise<void>((resolve) => (resume = resolve));
      model.setReply(() => ({ kind: 'paused', textBefore: 'Working on it', textAfter: ' — done.', resume: resumed }));
      const first = inbound('a long one', { platform: 'slack', author: MEMBER, address: { workspaceId: 'T1', channelId: channel, threadId: `th-${++threads}` } });
      const asked = model.requests.length;
      await app.producer.enqueue(first);
      await waitFor('the first answer to be under way', () => model.requests.length > asked);
      model.setReply(() => ({ kind: 'text', text: 'second answer' }));
      const second = await say('a second question meanwhile', { channel });
      resume();
      await waitFor('the first answer', () => slack.doneDeliveries().includes(first.id));
      if (web) expect(second.answer).toMatch(/held by answers still being written/);
      else expect(second.answer).toBe('second answer');
    }
  });

  it('asks the model for the thinking a channel sets, in the form its model takes', async () => {
    const thinkingOf = async (question: string) => (await say(question, { channel: 'CTHINK' })).requests[0]!.body;
    // Default: what chat has always asked.
    expect(await thinkingOf('a')).toMatchObject({ thinking: { type: 'adaptive' }, output_config: { effort: 'medium' } });
    expect((await admin('config thinking 500', 'CTHINK')).answer).toContain('from 1,024 to 64,000');
    expect((await admin('config thinking 8000', 'CTHINK')).answer).toMatch(/thinking set to a budget of 8,000 tokens/);
    const budgeted = await thinkingOf('b');
    // Sonnet 5.5 takes no `enabled` thinking: adaptive, with the budget as the room on top of the answer's tokens.
    expect(budgeted).toMatchObject({ thinking: { type: 'adaptive' }, output_config: { effort: 'medium' } });
    expect(budgeted.max_tokens).toBe(4096 + 8000);
    await admin('config model claude-sonnet-4-6', 'CTHINK');
    const manual = await thinkingOf('c');
    expect(manual.thinking).toEqual({ type: 'enabled', budget_tokens: 8000 });
    expect(manual.max_tokens).toBe(4096 + 8000);
    await admin('config model claude-sonnet-5-5', 'CTHINK');
    await admin('config thinking off', 'CTHINK');
    expect((await thinkingOf('d')).thinking).toEqual({ type: 'between_tools' });
  });
});
