import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLeanFetch } from '../src/net/lean-fetch.js';

/** What the server saw of each request. */
interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

describe('lean fetch', () => {
  let server: Server;
  let base: string;
  const seen: Seen[] = [];
  const leanFetch = createLeanFetch();

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => (body += chunk));
      req.on('end', () => {
        seen.push({ method: req.method!, url: req.url!, headers: req.headers, body });
        route(req.url!, res);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections(); // the /hang response never ends on its own
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  function route(url: string, res: ServerResponse) {
    if (url === '/json') {
      res.writeHead(200, { 'content-type': 'application/json', 'x-many': ['a', 'b'] }).end('{"ok":true}');
    } else if (url === '/empty') {
      res.writeHead(204).end();
    } else if (url === '/moved') {
      res.writeHead(302, { location: '/json' }).end();
    } else if (url === '/slow' || url === '/slow-events') {
      res.writeHead(200, { 'content-type': url === '/slow' ? 'application/x-ndjson' : 'text/event-stream' });
      res.write('event: one\n\n');
      setTimeout(() => res.end('event: two\n\n'), 50);
    } else if (url === '/hang-stream') {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('event: ping\n\n');
    } else if (url === '/hang') {
      res.writeHead(200);
      res.write('partial');
    } else {
      res.writeHead(404).end('no such route');
    }
  }

  it('sends the method, headers and a string body, and reads status, headers and JSON', async () => {
    const response = await leanFetch(`${base}/json`, {
      method: 'POST',
      headers: new Headers({ Authorization: 'Bearer t', 'Content-Type': 'application/json' }),
      body: '{"channel":"C1"}',
    });
    expect(response.status).toBe(200);
    expect(response.ok).toBe(true);
    expect(response.statusText).toBe('OK');
    expect(response.url).toBe(`${base}/json`);
    expect(response.headers.get('x-many')).toBe('a, b');
    expect(await response.json()).toEqual({ ok: true });
    const request = seen.at(-1)!;
    expect(request).toMatchObject({ method: 'POST', body: '{"channel":"C1"}' });
    expect(request.headers).toMatchObject({ authorization: 'Bearer t', 'content-type': 'application/json' });
  });

  it('form-encodes URLSearchParams and takes plain-object and pair-list headers', async () => {
    await leanFetch(`${base}/json`, { method: 'POST', body: new URLSearchParams({ text: 'a b&c' }), headers: { 'X-One': '1' } });
    expect(seen.at(-1)!.body).toBe('text=a+b%26c');
    expect(seen.at(-1)!.headers['content-type']).toBe('application/x-www-form-urlencoded;charset=UTF-8');
    expect(seen.at(-1)!.headers['x-one']).toBe('1');
    await leanFetch(`${base}/json`, { headers: [['X-Two', '2']] });
    expect(seen.at(-1)!).toMatchObject({ method: 'GET', headers: expect.objectContaining({ 'x-two': '2' }) });
  });

  it('gives a body-less response for 204 and answers 404 as a response, not an error', async () => {
    const empty = await leanFetch(`${base}/empty`, { method: 'POST', body: 'x' });
    expect([empty.status, empty.body]).toEqual([204, null]);
    const missing = await leanFetch(`${base}/nowhere`);
    expect([missing.status, missing.ok, missing.statusText, await missing.text()]).toEqual([404, false, 'Not Found', 'no such route']);
    expect(() => missing.clone()).toThrow(TypeError);
  });

  it('refuses a redirect when asked to, as fetch does, and otherwise hands it back unfollowed', async () => {
    await expect(leanFetch(`${base}/moved`, { redirect: 'error' })).rejects.toThrow(TypeError);
    const moved = await leanFetch(`${base}/moved`);
    expect(moved.status).toBe(302);
  });

  it('streams the body as it arrives', async () => {
    const response = await leanFetch(`${base}/slow`);
    const chunks: string[] = [];
    for await (const chunk of response.body as unknown as AsyncIterable<Buffer>) chunks.push(chunk.toString());
    expect(chunks).toEqual(['event: one\n\n', 'event: two\n\n']);
  });

  it('hands an event stream over as the socket\'s own async-iterable stream, read chunk by chunk as it arrives', async () => {
    const response = await leanFetch(`${base}/slow-events`);
    expect(response.headers.get('content-type')).toBe('text/event-stream');
    // The Anthropic SDK iterates a body that is async-iterable directly: a Node stream, not a web stream over it.
    const body = response.body as unknown as AsyncIterable<Buffer>;
    expect(body).toBeInstanceOf(Readable);
    const chunks: string[] = [];
    for await (const chunk of body) chunks.push(chunk.toString());
    expect(chunks).toEqual(['event: one\n\n', 'event: two\n\n']);
  });

  it('ends an event stream read with an error when aborted midway, as fetch does', async () => {
    const during = new AbortController();
    const response = await leanFetch(`${base}/hang-stream`, { signal: during.signal });
    const reading = (async () => {
      for await (const _ of response.body as unknown as AsyncIterable<Buffer>) during.abort(new Error('idle'));
    })();
    await expect(reading).rejects.toThrow();
  });

  it('rejects with the signal reason on abort, before and during the body', async () => {
    const before = new AbortController();
    before.abort(new Error('gave up'));
    await expect(leanFetch(`${base}/json`, { signal: before.signal })).rejects.toThrow('gave up');
    const during = new AbortController();
    const response = await leanFetch(`${base}/hang`, { signal: during.signal });
    const reading = response.text();
    during.abort(new Error('idle'));
    await expect(reading).rejects.toThrow();
  });

  it('fails a refused connection with a TypeError carrying the cause, as fetch does', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const error = await leanFetch(`http://127.0.0.1:${port}/`).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TypeError);
    expect(String((error as TypeError).cause)).toMatch(/ECONNREFUSED/);
  });

  it('leaves bodies it does not handle (multipart uploads) to the global fetch', async () => {
    const form = new FormData();
    form.append('file', new Blob(['hello']), 'a.txt');
    const response = await leanFetch(`${base}/json`, { method: 'POST', body: form });
    expect(response.status).toBe(200);
    expect(seen.at(-1)!.headers['content-type']).toMatch(/^multipart\/form-data; boundary=/);
    expect(seen.at(-1)!.body).toContain('hello');
  });
});
