/*
 * The naive baseline: a Slack bot as a simple one is written. One HTTP handler verifies the signature, calls the
 * model inline (one non-streaming request), posts the answer with chat.postMessage, and only then acknowledges.
 * No queue, no database, no pacing, no retries: the least work an answer can take, and the way that breaks Slack's
 * 3-second acknowledgement rule as soon as the model is slow. Forked by bench.ts, in a process of its own.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { listenLocal } from '../fakes/listen-local.js';
import { serveRpc } from './bench-rpc.js';

interface NaiveOptions {
  modelUrl: string;
  slackApiUrl: string;
  signingSecret: string;
  botToken: string;
}

const loop = monitorEventLoopDelay({ resolution: 10 }); // as prom-client samples Xiaoliu's processes
loop.enable();

serveRpc({
  async start(options: NaiveOptions) {
    const server = createServer((req, res) => {
      handle(req, res, options).catch(() => {
        if (!res.headersSent) res.writeHead(500);
        res.end();
      });
    });
    server.keepAliveTimeout = 65_000;
    return { url: `${await listenLocal(server)}/slack/events` };
  },
  /** Event-loop lag p99 (as prom-client reports it) since the last call, and RSS now. */
  health() {
    const memory = process.memoryUsage();
    const result = { lagP99Ms: loop.percentile(99) / 1e6, rssMB: memory.rss / 1e6, heapMB: memory.heapUsed / 1e6 };
    loop.reset();
    return result;
  },
});

async function handle(req: IncomingMessage, res: ServerResponse, options: NaiveOptions): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const body = Buffer.concat(chunks).toString('utf8');
  const timestamp = String(req.headers['x-slack-request-timestamp'] ?? '');
  const expected = `v0=${createHmac('sha256', options.signingSecret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
  const given = String(req.headers['x-slack-signature'] ?? '');
  const fresh = Math.abs(Date.now() / 1000 - Number(timestamp)) < 300;
  if (!fresh || given.length !== expected.length || !timingSafeEqual(Buffer.from(given), Buffer.from(expected))) {
    res.writeHead(401);
    return void res.end();
  }
  const payload = JSON.parse(body) as { type: string; challenge?: string; event?: { type: string; channel: string; ts: string; text: string } };
  if (payload.type === 'url_verification') {
    res.writeHead(200, { 'content-type': 'text/plain' });
    return void res.end(payload.challenge);
  }
  const event = payload.event;
  if (event?.type === 'app_mention') {
    const model = await fetch(`${options.modelUrl}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': 'naive', 'anthropic-version': '2023-06-01' },
      // Sonnet 5.5 thinks by default, and thinking counts against max_tokens. Effort low keeps that least: the fake
      // model charges a non-streamed reply time for its thinking tokens (a streamed one's thinking takes none), and
      // the baseline is here to compare what happens around the model, not the model.
      body: JSON.stringify({
        model: 'claude-sonnet-5-5',
        max_tokens: 8192,
        output_config: { effort: 'low' },
        messages: [{ role: 'user', content: event.text }],
      }),
    });
    const answer = (await model.json()) as { content?: { type: string; text?: string }[] };
    const post = await fetch(`${options.slackApiUrl}chat.postMessage`, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8', authorization: `Bearer ${options.botToken}` },
      body: JSON.stringify({ channel: event.channel, thread_ts: event.ts, text: answer.content?.find((b) => b.type === 'text')?.text ?? '' }),
    });
    await post.arrayBuffer();
  }
  res.writeHead(200);
  res.end();
}
