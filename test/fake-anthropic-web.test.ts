import Anthropic, { BadRequestError } from '@anthropic-ai/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeAnthropic, type FakeAnthropic } from './fakes/fake-anthropic.js';

// The fake's web tools against the real SDK: what the documentation says the API does (fake-anthropic-web.ts cites it).

let fake: FakeAnthropic;
const client = () => new Anthropic({ apiKey: 'k', baseURL: fake.url, maxRetries: 0 });
const search = (extra: Partial<Anthropic.WebSearchTool20260318> = {}): Anthropic.WebSearchTool20260318 => ({ type: 'web_search_20260318', name: 'web_search', max_uses: 2, ...extra });

beforeAll(async () => {
  fake = await startFakeAnthropic();
});
afterAll(async () => {
  await fake.close();
});

describe('the fake Messages API runs web search as documented', () => {
  it('streams server_tool_use, its results and cited text, and counts the searches it ran; the SDK assembles them', async () => {
    fake.enqueue({
      kind: 'web',
      calls: [
        { tool: 'web_search', query: 'one', results: [{ url: 'https://a.example/', title: 'A' }, { url: 'https://spam.test/', title: 'S' }] },
        { tool: 'web_search', query: 'two', results: [] },
        { tool: 'web_search', query: 'three', results: [] },
      ],
      answer: [{ text: 'Cited.', cite: 'https://a.example/' }],
    });
    const message = await client().messages.stream({ model: 'claude-haiku-4-5', max_tokens: 1000, messages: [{ role: 'user', content: 'q' }], tools: [search({ blocked_domains: ['spam.test'] })] }).finalMessage();
    expect(message.content.map((b) => b.type)).toEqual(['server_tool_use', 'web_search_tool_result', 'server_tool_use', 'web_search_tool_result', 'server_tool_use', 'web_search_tool_result', 'text']);
    expect(message.content[0]).toMatchObject({ name: 'web_search', input: { query: 'one' } });
    expect(message.content[0]!.type === 'server_tool_use' && message.content[0]!.id.startsWith('srvtoolu_')).toBe(true);
    // Blocked domains never appear in results; the third search is past max_uses.
    expect((message.content[1] as Anthropic.WebSearchToolResultBlock).content).toEqual([expect.objectContaining({ url: 'https://a.example/', encrypted_content: expect.any(String) })]);
    expect((message.content[5] as Anthropic.WebSearchToolResultBlock).content).toEqual({ type: 'web_search_tool_result_error', error_code: 'max_uses_exceeded' });
    expect((message.content[6] as Anthropic.TextBlock).citations).toEqual([expect.objectContaining({ type: 'web_search_result_location', url: 'https://a.example/', title: 'A' })]);
    expect(message.usage.server_tool_use).toEqual({ web_search_requests: 2, web_fetch_requests: 0 });
  });

  it('refuses allowed and blocked domains together with a 400', async () => {
    const asked = client().messages.create({ model: 'claude-haiku-4-5', max_tokens: 100, messages: [{ role: 'user', content: 'q' }], tools: [search({ allowed_domains: ['a.example'], blocked_domains: ['b.example'] })] });
    await expect(asked).rejects.toBeInstanceOf(BadRequestError);
  });

  it('takes a paused turn back as its continuation on a model that refuses prefill, and refuses a real prefill', async () => {
    fake.enqueue({ kind: 'web', calls: [{ tool: 'web_search', query: 'q', results: [{ url: 'https://a.example/', title: 'A' }] }], pause: true });
    const request = { model: 'claude-sonnet-5-5', max_tokens: 2000, tools: [search()] };
    const paused = await client().messages.create({ ...request, messages: [{ role: 'user', content: 'q' }] });
    expect(paused.stop_reason).toBe('pause_turn');
    fake.enqueue({ kind: 'web', calls: [], answer: [{ text: 'Found it.', cite: 'https://a.example/' }] });
    const continued = await client().messages.create({ ...request, messages: [{ role: 'user', content: 'q' }, { role: 'assistant', content: paused.content }] });
    expect(continued.content.at(-1)).toMatchObject({ type: 'text', text: 'Found it.' });
    const prefill = client().messages.create({ ...request, messages: [{ role: 'user', content: 'q' }, { role: 'assistant', content: 'Sure' }] });
    await expect(prefill).rejects.toBeInstanceOf(BadRequestError);
  });

  it('refuses a thinking budget under 1,024 or not under max_tokens', async () => {
    const think = (budget: number) => client().messages.create({ model: 'claude-sonnet-4-6', max_tokens: 4000, thinking: { type: 'enabled', budget_tokens: budget }, messages: [{ role: 'user', content: 'q' }] });
    await expect(think(1000)).rejects.toBeInstanceOf(BadRequestError);
    await expect(think(4000)).rejects.toBeInstanceOf(BadRequestError);
    expect((await think(2000)).content[0]!.type).toBe('thinking');
  });
});
