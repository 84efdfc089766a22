import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClaudeClient } from '../src/claude/claude-client.js';
import { UserFacingError } from '../src/domain/errors.js';
import { createMetrics } from '../src/metrics/create-metrics.js';
import { startFakeAnthropic, type FakeAnthropic, type FakeReply } from './fakes/fake-anthropic.js';
import { silentLogger } from './support/silent-logger.js';

const question = { model: 'claude-sonnet-5-5', maxTokens: 100, system: [{ type: 'text' as const, text: 'sys' }], messages: [{ role: 'user' as const, content: 'hi' }] };

describe('ClaudeClient (real SDK against the fake Messages API)', () => {
  let model: FakeAnthropic;
  beforeAll(async () => {
    model = await startFakeAnthropic({ apiKey: 'right-key' });
  });
  afterAll(async () => {
    await model?.close();
  });

  function client(options: { apiKey?: string; baseUrl?: string; maxAttempts?: number; idleTimeoutMs?: number } = {}) {
    const metrics = createMetrics({ processMetrics: false });
    const claude = new ClaudeClient({
      apiKey: options.apiKey ?? 'right-key',
      baseUrl: options.baseUrl ?? model.url,
      maxAttempts: options.maxAttempts ?? 3,
      timeoutMs: 5000,
      log: silentLogger(),
      metrics,
      baseDelayMs: 5,
      ...(options.idleTimeoutMs ? { idleTimeoutMs: options.idleTimeoutMs } : {}),
    });
    return { claude, metrics };
  }

  async function failure(promise: Promise<unknown>): Promise<UserFacingError> {
    const error = await promise.then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(UserFacingError);
    return error as UserFacingError;
  }

  it('streams text and reports usage', async () => {
    const deltas: string[] = [];
    model.enqueue({ kind: 'text', text: 'one two three four' });
    model.setTiming({ tokensPerSecond: 1000 });
    const result = await client().claude.chat({ ...question, onText: (d) => deltas.push(d) });
    model.setTiming({ tokensPerSecond: 0 });
    expect(result.text).toBe('one two three four');
    expect(deltas.join('')).toBe(result.text);
    expect(result.usage.outputTokens).toBeGreaterThan(0);
    expect(result.costUsd).toBeGreaterThan(0);
  });

  it('sends tools and returns the tool call with its streamed input parsed', async () => {
    model.enqueue({ kind: 'tool_use', name: 'propose_palette', input: { name: 'Dusk', colours: [{ role: 'primary', hex: '#123456' }] }, text: 'Here:' });
    const tools = [{ name: 'propose_palette', description: 'd', input_schema: { type: 'object' as const, properties: {} } }];
    const result = await client().claude.chat({ ...question, tools, toolChoice: { type: 'tool', name: 'propose_palette' } });
    expect(result.text).toBe('Here:');
    expect(result.stopReason).toBe('tool_use');
    expect(result.toolCalls).toEqual([
      { id: expect.stringMatching(/^toolu_/), name: 'propose_palette', input: { name: 'Dusk', colours: [{ role: 'primary', hex: '#123456' }] } },
    ]);
    const sent = model.requests.at(-1)!.body;
    expect(sent.tools[0].name).toBe('propose_palette');
    expect(sent.tool_choice).toEqual({ type: 'tool', name: 'propose_palette' });
  });

  it('honours retry-after on 429 and says why it retried', async () => {
    model.enqueue({ kind: 'status', status: 429, errorType: 'rate_limit_error', retryAfterSeconds: 0.05 });
    const retries: string[] = [];
    const { claude, metrics } = client();
    const result = await claude.chat({ ...question, onRetry: (_n, reason) => retries.push(reason) });
    expect(result.attempts).toBe(2);
    expect(retries).toEqual(['429']);
    expect(await metrics.registry.getSingleMetricAsString('xiaoliu_claude_retries_total')).toMatch(/reason="429"} 1/);
  });

  it.each<[string, FakeReply, RegExp, number]>([
    ['a refused key', { kind: 'status', status: 401, errorType: 'authentication_error' }, /API key was refused/, 1],
    ['a spend limit', { kind: 'status', status: 429, errorType: 'rate_limit_error', message: 'enforced_spend_limit_reached: spend limit' }, /spending limit/, 1],
    ['a bad request', { kind: 'status', status: 400, errorType: 'invalid_request_error', message: 'prompt is too long' }, /rephrasing/, 1],
    ['a retry-after longer than it may wait', { kind: 'status', status: 429, retryAfterSeconds: 3600 }, /busy/, 1],
    ['overload on every attempt', { kind: 'status', status: 529, errorType: 'overloaded_error' }, /busy/, 3],
    ['a stream cut off every time', { kind: 'disconnect', textBefore: 'partial' }, /busy/, 3],
  ])('gives up with a readable message on %s', async (_name, reply, message, attempts) => {
    model.setReply(() => reply);
    const before = model.requests.length;
    const error = await failure(client().claude.chat(question));
    model.setReply((req) => ({ kind: 'text', text: `Echo: ${JSON.stringify(req.body.messages.at(-1).content)}` }));
    expect(error.userMessage).toMatch(message);
    expect(model.requests.length - before).toBe(attempts);
  });

  it('abandons a stream that goes silent after its headers, and retries it', async () => {
    model.enqueue({ kind: 'stall', textBefore: 'half an answer' });
    const retries: string[] = [];
    const result = await client({ idleTimeoutMs: 300 }).claude.chat({ ...question, onRetry: (_n, reason) => retries.push(reason) });
    expect(retries).toEqual(['idle_timeout']);
    expect(result.text).toMatch(/^Echo:/);
  });

  it('retries when the model cannot be reached, then says so', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as { port: number }).port;
    await new Promise((resolve) => closed.close(resolve));
    const error = await failure(client({ baseUrl: `http://127.0.0.1:${port}`, maxAttempts: 2 }).claude.chat(question));
    expect(error.userMessage).toMatch(/could not reach Claude/);
  });

  it('stops at once when aborted, without passing a partial answer off as whole', async () => {
    model.setTiming({ firstTokenDelayMs: 0, tokensPerSecond: 5 });
    model.enqueue({ kind: 'text', text: 'a slow answer that will not finish in time' });
    const abort = new AbortController();
    const call = client().claude.chat({ ...question, signal: abort.signal, onText: () => abort.abort(new Error('shutdown')) });
    await expect(call).rejects.toThrow('shutdown');
    model.setTiming({ tokensPerSecond: 0 });
  });
});
