import { execFile } from 'node:child_process';
import { request } from 'node:http';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey, revokeApiKey } from '../adapters/http/api-keys.js';
import { HTTP_MAX_ANSWER_CHARS } from '../adapters/http/http-egress.js';
import type { RunningApp } from '../src/app/start-app.js';
import { startFakeAnthropic, type FakeAnthropic } from './fakes/fake-anthropic.js';
import { startTestApp, testConfig } from './support/test-app.js';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';
import { nodeArgsOf } from './support/npm-script.js';

describe('the HTTP chat API (real pipeline, Postgres and Redis; fake model)', () => {
  let database: TestDatabase;
  let model: FakeAnthropic;
  let app: RunningApp;
  let base: string;
  let alice: string;
  let bob: string;

  beforeAll(async () => {
    database = await createTestDatabase();
    model = await startFakeAnthropic();
    app = await startTestApp(testConfig(database, model.url, { HTTP_MAX_BODY_BYTES: '2048', HTTP_MAX_MESSAGE_CHARS: '500' }), []);
    base = `http://127.0.0.1:${app.port}`;
    alice = (await createApiKey(database.sql, 'alice', 'test')).key;
    bob = (await createApiKey(database.sql, 'bob', 'test')).key;
  });
  afterAll(async () => {
    await app?.close();
    await model?.close();
    await database?.drop();
  });

  const chat = (key: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${base}/v1/chat`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
  const get = (key: string, path: string) => fetch(`${base}${path}`, { headers: { authorization: `Bearer ${key}` } });

  it('answers as JSON when done, then continues the conversation with the history', async () => {
    const first = await chat(alice, { message: 'what is a good name for a build bot?' });
    expect(first.status).toBe(200);
    const one = (await first.json()) as { conversation_id: string; answer: string; usage: { output_tokens: number }; files: unknown[] };
    expect(one.answer).toBe('Echo: [alice] what is a good name for a build bot?');
    expect(one.usage.output_tokens).toBeGreaterThan(0);
    expect(one.files).toEqual([]);

    const second = await chat(alice, { message: 'and a shorter one?', conversation_id: one.conversation_id });
    const two = (await second.json()) as { conversation_id: string; answer: string };
    expect(two.conversation_id).toBe(one.conversation_id);
    const seen = (model.requests.at(-1)!.body as { messages: { role: string; content: { text: string }[] }[] }).messages.map(
      (m) => `${m.role}: ${m.content.map((b) => b.text).join('')}`,
    );
    expect(seen).toEqual([
      'user: [alice] what is a good name for a build bot?',
      `assistant: ${one.answer}`,
      'user: [alice] and a shorter one?',
    ]);

    const conversation = await get(alice, `/v1/conversations/${one.conversation_id}`);
    expect(conversation.status).toBe(200);
    const body = (await conversation.json()) as { messages: { role: string; text: string }[] };
    expect(body.messages.map((m) => m.role)).toEqual(['user', 'assistant', 'user', 'assistant']);
    // Same queue, workers and metrics as every other platform.
    expect(await (await fetch(`http://127.0.0.1:${app.metricsPort}/metrics`)).text()).toMatch(/xiaoliu_jobs_total\{platform="http",command="ask",outcome="answered"\} [1-9]/);
  });

  it('manages keys with `npm run apikey -- create|list|revoke`, storing only their hashes', async () => {
    const run = (...args: string[]) =>
      promisify(execFile)(process.execPath, [...nodeArgsOf('apikey'), ...args], {
        env: { ...process.env, DATABASE_URL: database.url, LOG_LEVEL: 'silent' },
      });
    const created = await run('create', '--user', 'erin', '--name', 'ci');
    const [, key] = created.stdout.trim().split('\n');
    const id = /created (k_[0-9a-f]+)/.exec(created.stdout)![1]!;
    expect((await get(key!, '/v1/conversations/00000000-0000-0000-0000-000000000000')).status).toBe(404);
    const [row] = await database.sql`select key_hash, user_id from api_keys where id = ${id}`;
    expect(row).toMatchObject({ user_id: 'erin' });
    expect(JSON.stringify(await database.sql`select * from api_keys`)).not.toContain(key!.slice(-20));
    expect((await run('list')).stdout).toMatch(new RegExp(`${id}\terin\tci\t\\S+\tactive`));
    await run('revoke', id);
    expect((await get(key!, '/v1/conversations/00000000-0000-0000-0000-000000000000')).status).toBe(401);
  });

  it('streams the answer as server-sent events as it is generated', async () => {
    model.setTiming({ tokensPerSecond: 200 });
    model.enqueue({ kind: 'text', text: 'Streaming answers arrive a few words at a time, as the model writes them. '.repeat(3).trim() });
    const response = await chat(alice, { message: 'stream please' }, { accept: 'text/event-stream' });
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const events = parseSse(await response.text());
    model.setTiming({ tokensPerSecond: 0 });
    expect(events[0]!.event).toBe('start');
    const deltas = events.filter((e) => e.event === 'delta').map((e) => (e.data as { text: string }).text);
    expect(deltas.length).toBeGreaterThan(1);
    const done = events.at(-1)!;
    expect(done.event).toBe('done');
    expect((done.data as { answer: string }).answer).toBe(deltas.join(''));
  });

  it('keeps a conversation from every other key: 404, as if it did not exist', async () => {
    const { conversation_id: id } = (await (await chat(alice, { message: 'private' })).json()) as { conversation_id: string };
    for (const response of [
      await get(bob, `/v1/conversations/${id}`),
      await fetch(`${base}/v1/conversations/${id}`, { method: 'DELETE', headers: { authorization: `Bearer ${bob}` } }),
      await chat(bob, { message: 'let me in', conversation_id: id }),
    ]) {
      expect(response.status).toBe(404);
      expect(await response.json()).toEqual({ error: { code: 'not_found', message: 'No such conversation.' } });
    }
    expect((await get(alice, `/v1/conversations/${id}`)).status).toBe(200);
    const deleted = await fetch(`${base}/v1/conversations/${id}`, { method: 'DELETE', headers: { authorization: `Bearer ${alice}` } });
    expect(deleted.status).toBe(204);
    expect((await get(alice, `/v1/conversations/${id}`)).status).toBe(404);
  });

  it('attaches a long answer as answer.md, downloadable by its owner only', async () => {
    const long = 'A line of a very long answer that goes on and on.\n'.repeat(Math.ceil((HTTP_MAX_ANSWER_CHARS * 1.5) / 50));
    model.enqueue({ kind: 'text', text: long });
    const answer = (await (await chat(alice, { message: 'write a lot' })).json()) as { answer: string; files: { url: string; filename: string }[] };
    expect(answer.answer).toBe(long);
    expect(answer.files).toHaveLength(1);
    expect(answer.files[0]!.filename).toBe('answer.md');
    const file = await get(alice, answer.files[0]!.url);
    expect(file.status).toBe(200);
    expect(file.headers.get('content-disposition')).toMatch(/^attachment/);
    expect((await file.text()).trimEnd()).toBe(long.trimEnd());
    expect((await get(bob, answer.files[0]!.url)).status).toBe(404);
    expect((await fetch(`${base}${answer.files[0]!.url}`)).status).toBe(401);
  });

  it('refuses missing, unknown and revoked keys with 401 JSON errors', async () => {
    const missing = await fetch(`${base}/v1/chat`, { method: 'POST', body: '{}' });
    expect(missing.status).toBe(401);
    expect(((await missing.json()) as { error: { code: string } }).error.code).toBe('unauthorized');
    expect((await chat('xlk_000000000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', { message: 'hi' })).status).toBe(401);
    const carol = await createApiKey(database.sql, 'carol', 'soon revoked');
    expect((await get(carol.key, '/v1/conversations/00000000-0000-0000-0000-000000000000')).status).toBe(404);
    await revokeApiKey(database.sql, carol.id);
    const revoked = await chat(carol.key, { message: 'hi' });
    expect(revoked.status).toBe(401);
    expect(await revoked.json()).toEqual({ error: { code: 'unauthorized', message: 'The API key is not valid (unknown or revoked).' } });
  });

  it('answers bad requests with 400, 413 and 415', async () => {
    const expectError = async (response: Response, status: number, code: string) => {
      expect(response.status).toBe(status);
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe(code);
    };
    await expectError(await chat(alice, '{"message": '), 400, 'invalid_json');
    await expectError(await chat(alice, { text: 'no message field' }), 400, 'invalid_request');
    await expectError(await chat(alice, { message: 'x'.repeat(501) }), 413, 'message_too_long');
    await expectError(await chat(alice, { message: 'x'.repeat(3000) }), 413, 'payload_too_large');
    await expectError(await chat(alice, 'hello', { 'content-type': 'text/plain' }), 415, 'unsupported_media_type');
  });

  it('refuses an oversized body by its declared length, before reading it', async () => {
    // Declares 10 MB and sends only a few bytes: the answer must come without waiting for the rest.
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(`${base}/v1/chat`, {
        method: 'POST',
        headers: { authorization: `Bearer ${alice}`, 'content-type': 'application/json', 'content-length': String(10 * 1024 * 1024) },
      });
      req.on('response', (res) => {
        resolve(res.statusCode ?? 0);
        req.destroy();
      });
      req.on('error', reject);
      req.write('{"message":');
    });
    expect(status).toBe(413);
  });

  it('limits each key to its requests per minute: 429 with Retry-After', async () => {
    const limited = await startTestApp(testConfig(database, model.url, { HTTP_RATE_LIMIT_PER_MINUTE: '2' }), []);
    try {
      const url = `http://127.0.0.1:${limited.port}/v1/conversations/00000000-0000-0000-0000-000000000000`;
      const statuses = [];
      for (let i = 0; i < 3; i++) statuses.push((await fetch(url, { headers: { authorization: `Bearer ${alice}` } })).status);
      // Another key has its own allowance.
      statuses.push((await fetch(url, { headers: { authorization: `Bearer ${bob}` } })).status);
      expect(statuses).toEqual([404, 404, 429, 404]);
      const refused = await fetch(url, { headers: { authorization: `Bearer ${alice}` } });
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(Number(refused.headers.get('retry-after'))).toBeLessThanOrEqual(60);
      expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('rate_limited');
    } finally {
      await limited.close();
    }
  });

  it('keeps the API key out of the queue: the job carries the user id', async () => {
    const before = await app.producer.queue.getJobs(['completed'], 0, -1);
    await chat(alice, { message: 'where does my key go?' });
    const jobs = await app.producer.queue.getJobs(['completed'], 0, -1);
    expect(jobs.length).toBeGreaterThan(before.length);
    const payloads = JSON.stringify(jobs.map((j) => j.data));
    expect(payloads).toContain('"author":{"id":"alice"');
    expect(payloads).not.toContain(alice);
    expect(payloads).not.toContain(alice.slice(-20));
  });

  it('sends no CORS headers unless origins are configured', async () => {
    const response = await fetch(`${base}/v1/chat`, { method: 'OPTIONS', headers: { origin: 'https://evil.example' } });
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
  });
});

function parseSse(text: string): { event: string; data: unknown }[] {
  return text
    .split('\n\n')
    .filter((block) => block.trim() && !block.startsWith(':'))
    .map((block) => {
      const lines = block.split('\n');
      const event = lines.find((l) => l.startsWith('event: '))?.slice(7) ?? 'message';
      const data = lines.filter((l) => l.startsWith('data: ')).map((l) => l.slice(6)).join('\n');
      return { event, data: JSON.parse(data) as unknown };
    });
}
