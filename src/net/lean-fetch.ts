import { STATUS_CODES } from 'node:http';
import { Agent, request, type Dispatcher } from 'undici';

/*
 * A `fetch` for the Slack and Anthropic SDKs' API calls, built on undici's `request`. Node's own fetch implements the
 * whole Fetch standard (Request objects, header guards, web streams both ways) and costs about three times the CPU
 * per call (measured on loopback: ~280 µs against ~110 µs per Slack call through the WebClient). A worker makes a
 * model call and two or more Slack calls per answer, and a Slack append every second per streaming answer, so this
 * is the largest share of its CPU that is ours to cut.
 *
 * It covers what those SDKs send: a string, bytes or form-encoded body, any header shape, a signal. Anything else (a
 * FormData upload, a stream body, a Request object) goes to the global fetch unchanged. Redirects are not followed:
 * these APIs never redirect, and a proxy that does is a misconfiguration better seen as an error than obeyed. What it
 * answers with is a LeanResponse: the parts of a Response the SDKs read (status, headers, url, text/json/arrayBuffer,
 * an async-iterable body), not a web stream.
 */

/** Statuses whose responses carry no body. */
const NULL_BODY = new Set([101, 103, 204, 205, 304]);

// undici's own keep-alive defaults (4 s idle, or what the server's Keep-Alive says): a socket kept longer than the
// server keeps it fails the next POST, and a post whose outcome is unknown costs a look-up or a retry.
export function createLeanFetch(dispatcher: Dispatcher = new Agent()): typeof fetch {
  return async function leanFetch(input: string | URL | Request, init: RequestInit = {}): Promise<Response> {
    const body = leanBody(init.body);
    if (input instanceof Request || body === undefined) return fetch(input, init);
    const headers = plainHeaders(init.headers);
    if (init.body instanceof URLSearchParams && !('content-type' in headers)) {
      headers['content-type'] = 'application/x-www-form-urlencoded;charset=UTF-8';
    }
    const signal = init.signal ?? undefined;
    let response: Dispatcher.ResponseData;
    try {
      response = await request(input, {
        method: (init.method ?? 'GET') as Dispatcher.HttpMethod,
        headers,
        body: body.value,
        signal,
        dispatcher,
      });
    } catch (error) {
      // As fetch does: an abort rejects with the signal's reason, anything else is a TypeError with the cause.
      if (signal?.aborted) throw signal.reason;
      throw new TypeError('fetch failed', { cause: error });
    }
    const { statusCode, headers: raw, body: stream } = response;
    if (statusCode >= 300 && statusCode < 400 && init.redirect === 'error') {
      await stream.dump();
      throw new TypeError('fetch failed', { cause: new Error(`unexpected redirect (HTTP ${statusCode}) from ${String(input)}`) });
    }
    const responseHeaders = new Headers();
    for (const [name, value] of Object.entries(raw)) {
      if (Array.isArray(value)) for (const one of value) responseHeaders.append(name, one);
      else if (value !== undefined) responseHeaders.set(name, value);
    }
    const empty = NULL_BODY.has(statusCode) || init.method === 'HEAD';
    if (empty) await stream.dump();
    return new LeanResponse(statusCode, responseHeaders, String(input), empty ? null : stream) as unknown as Response;
  };
}

/**
 * What the SDKs read of a response, over undici's body. Node's Response would wrap the body in a web stream and read
 * it back through a reader: about 60 µs per small JSON answer against under 10 µs for undici's own readers. A model's
 * answer stream is tens of events a second per answer, a thousand answers at once, and the Anthropic SDK iterates an
 * async-iterable body directly: it gets undici's Node stream itself, with no web stream per chunk.
 */
class LeanResponse {
  readonly ok: boolean;
  readonly statusText: string;
  readonly redirected = false;
  readonly type = 'basic';

  constructor(
    readonly status: number,
    readonly headers: Headers,
    readonly url: string,
    /** undici's body: a Node stream, async-iterable; null for statuses that carry none. */
    readonly body: Dispatcher.ResponseData['body'] | null,
  ) {
    this.ok = status >= 200 && status < 300;
    this.statusText = STATUS_CODES[status] ?? '';
  }

  get bodyUsed(): boolean {
    return this.body?.bodyUsed ?? false;
  }

  text(): Promise<string> {
    return this.body ? this.body.text() : Promise.resolve('');
  }

  json(): Promise<unknown> {
    return this.body ? this.body.json() : Promise.reject(new SyntaxError('Unexpected end of JSON input'));
  }

  arrayBuffer(): Promise<ArrayBuffer> {
    return this.body ? this.body.arrayBuffer() : Promise.resolve(new ArrayBuffer(0));
  }

  blob(): Promise<Blob> {
    return this.body ? this.body.blob() : Promise.resolve(new Blob([]));
  }

  clone(): never {
    throw new TypeError('lean fetch responses cannot be cloned');
  }
}

/** The body as `request` takes it, or undefined for a kind left to the global fetch. */
function leanBody(body: RequestInit['body']): { value: string | Uint8Array | null } | undefined {
  if (body === undefined || body === null) return { value: null };
  if (typeof body === 'string' || body instanceof Uint8Array) return { value: body };
  if (body instanceof URLSearchParams) return { value: body.toString() };
  return undefined;
}

function plainHeaders(headers: RequestInit['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  if (!headers) return out;
  const entries = headers instanceof Headers || Array.isArray(headers) ? headers : Object.entries(headers);
  for (const [name, value] of entries as Iterable<[string, string]>) {
    if (value !== undefined) out[name.toLowerCase()] = String(value);
  }
  return out;
}
