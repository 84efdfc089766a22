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
 * these APIs never redirect, and a proxy that does is a misconfiguration better seen as an error than obeyed.
 */

/** Statuses whose responses carry no body (the Response constructor refuses one). */
const NULL_BODY = new Set([101, 103, 204, 205, 304]);

export function createLeanFetch(dispatcher: Dispatcher = new Agent({ keepAliveTimeout: 30_000 })): typeof fetch {
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
    if (NULL_BODY.has(statusCode) || init.method === 'HEAD') {
      await stream.dump();
      return new Response(null, { status: statusCode, headers: responseHeaders });
    }
    if (statusCode === 200 && responseHeaders.get('content-type')?.startsWith('text/event-stream')) {
      // A model's answer: tens of events a second per stream, a thousand streams at once. The Anthropic SDK iterates
      // an async-iterable body directly, so it gets undici's Node stream itself; wrapping it in a web stream costs a
      // reader, promises and a transferable object per chunk. Nothing reads an event stream but that iteration.
      const response = new Response(null, { status: statusCode, headers: responseHeaders });
      Object.defineProperty(response, 'body', { value: stream, enumerable: true });
      return response;
    }
    // undici's body is a Node stream, which Response takes as an async iterable: nothing is read before it is wanted.
    return new Response(stream as unknown as ReadableStream, { status: statusCode, headers: responseHeaders });
  };
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
