import { HTTPModuleFunctions, type HTTPReceiver, defaultBodyLimit, isRawBodyError } from '@slack/bolt';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { HttpServer } from '../../src/net/create-http-server.js';

// Slack signs each request with its time and Bolt refuses ones over 5 minutes old; a time as far in the future can
// only be a request signed ahead of time, so it is refused too.
const MAX_CLOCK_SKEW_SECONDS = 5 * 60;

/**
 * POST /slack/events on the gateway's server, handed to Bolt's receiver once the request has passed the checks Bolt
 * makes too late or not at all: a time too far ahead, a declared body over Bolt's limit, a body of JSON `null`.
 */
export function mountSlackEvents(http: HttpServer, receiver: HTTPReceiver): void {
  http.route('POST', '/slack/events', async (req: IncomingMessage, res: ServerResponse) => {
    if (Number(req.headers['x-slack-request-timestamp']) > Date.now() / 1000 + MAX_CLOCK_SKEW_SECONDS) return reply(res, 401);
    // Bolt checks its limit only while reading; a declared length over it is refused before a byte is read.
    if (Number(req.headers['content-length']) > defaultBodyLimit) return reply(res, 413, { connection: 'close' });
    // The body is read here, with Bolt's own limit, and Bolt then uses it as read: a body of JSON `null` must be
    // refused first, because Bolt's receiver reads a property of it outside any try and the process dies.
    let buffered: IncomingMessage & { rawBody: Buffer };
    try {
      buffered = await HTTPModuleFunctions.bufferIncomingMessage(req, defaultBodyLimit);
    } catch (error) {
      return reply(res, isRawBodyError(error) && error.statusCode === 413 ? 413 : 400);
    }
    if (isJsonNull(buffered.rawBody, req.headers['content-type'])) return reply(res, 400);
    receiver.requestListener(buffered, res);
  });
}

function reply(res: ServerResponse, status: number, headers: Record<string, string> = {}): void {
  res.writeHead(status, headers);
  res.end();
}

/** Whether a body is JSON `null` (as a form, its `payload` field), which Bolt cannot take. Cheap: small bodies only. */
function isJsonNull(raw: Buffer, contentType: string | undefined): boolean {
  if (raw.length > 1024) return false;
  const text = raw.toString('utf8');
  const json = contentType === 'application/x-www-form-urlencoded' ? new URLSearchParams(text).get('payload') : text;
  return json?.trim() === 'null';
}
