import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { SlackConfig } from '../adapters/slack/slack-config.js';
import { readConfig } from '../src/config/read-config.js';
import { RateBudget } from '../src/rate/rate-budget.js';
import { createRedis } from '../src/redis/create-redis.js';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SlackEgress } from '../adapters/slack/slack-egress.js';
import type { RunningApp } from '../src/app/start-app.js';
import { isAllowedOrigin } from '../src/attachments/allowed-origin.js';
import { downloadAttachment } from '../src/attachments/download-attachment.js';
import type { InboundMessage } from '../src/domain/inbound-message.js';
import { jobIdFor } from '../src/queue/inbound-queue.js';
import { startFakeAnthropic, type FakeAnthropic } from './fakes/fake-anthropic.js';
import { startFakeSlack, type FakeSlack } from './fakes/fake-slack.js';
import { listenLocal } from './fakes/listen-local.js';
import { appMentionEvent, sendSlackEvent } from './fakes/slack-events.js';
import { silentLogger } from './support/silent-logger.js';
import { TEST_REDIS_URL, startTestApp, testConfig } from './support/test-app.js';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';
import { workerSlackEgress } from './support/worker-slack-egress.js';
import { waitFor } from './support/wait-for.js';

const SECRET = 'attachments-secret';
const TOKEN = 'xoxb-test-token';

// Enough of a PDF for the test: the bytes are compared, not parsed.
const PDF = Buffer.from('%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n', 'latin1');

describe('files shared in Slack (real Bolt gateway, real SlackEgress, fake Slack file hosts)', () => {
  let database: TestDatabase;
  let model: FakeAnthropic;
  let slack: FakeSlack;
  let gateway: RunningApp;
  let egress: SlackEgress;

  beforeAll(async () => {
    database = await createTestDatabase();
    model = await startFakeAnthropic();
    slack = await startFakeSlack({ botToken: TOKEN });
    const config = testConfig(database, model.url, { SLACK_BOT_TOKEN: TOKEN, SLACK_SIGNING_SECRET: SECRET, SLACK_API_URL: slack.apiUrl });
    // A gateway alone: the queued job is read back to see exactly what the gateway made of the file.
    gateway = await startTestApp(config, [], { gateway: true, worker: false });
    egress = workerSlackEgress(config.platforms.slack!);
  });
  afterAll(async () => {
    await gateway?.close();
    await slack?.close();
    await model?.close();
    await database?.drop();
  });

  /** Mentions Xiaoliu with these files through the real gateway, and returns the message it queued. */
  async function queuedWith(files: object[]): Promise<InboundMessage> {
    const envelope = appMentionEvent({ channel: 'C1', user: 'U1', text: '<@UBOT> read this' });
    Object.assign(envelope.event, { files });
    expect((await sendSlackEvent(`http://127.0.0.1:${gateway.port}/slack/events`, SECRET, envelope)).status).toBe(200);
    const id = jobIdFor(`slack-T0FAKE-C1-${envelope.event.ts as string}`);
    const job = await waitFor('the queued job', () => gateway.producer.queue.getJob(id));
    return job.data.message;
  }

  it('reads a PDF someone shared: the gateway queues url_private_download, which Slack answers with the file', async () => {
    const pdf = slack.hostFile({ name: 'deck.pdf', mimetype: 'application/pdf', content: PDF });
    const [attachment] = (await queuedWith([pdf])).attachments;
    expect(attachment).toMatchObject({ name: 'deck.pdf', mimeType: 'application/pdf', size: PDF.length });

    expect(await egress.download(attachment!, 1024 * 1024)).toEqual(PDF);
    expect(slack.fileDownloads.at(-1)).toEqual({ fileId: pdf.id, authorized: true });
  });

  it("follows url_private's redirect to another Slack file host, with the token, when that is the only link", async () => {
    const pdf = slack.hostFile({ name: 'report.pdf', mimetype: 'application/pdf', content: PDF });
    const { url_private_download: _none, ...onlyPrivate } = pdf;
    const [attachment] = (await queuedWith([onlyPrivate])).attachments;

    expect(await egress.download(attachment!, 1024 * 1024)).toEqual(PDF);
    expect(slack.fileRequests.filter((r) => r.fileId === pdf.id)).toEqual([
      { fileId: pdf.id, url: 'url_private', authorized: true, status: 302 },
      { fileId: pdf.id, url: 'files-origin', authorized: true, status: 200 },
    ]);
  });
});

describe('an Enterprise Grid workspace, where every url_private redirects (real SlackEgress, fake Slack)', () => {
  let slack: FakeSlack;
  let egress: SlackEgress;
  beforeAll(async () => {
    slack = await startFakeSlack({ botToken: TOKEN, enterpriseGrid: true });
    egress = workerSlackEgress(readConfig({ SLACK_BOT_TOKEN: TOKEN, SLACK_SIGNING_SECRET: 's', SLACK_API_URL: slack.apiUrl }).platforms.slack!);
  });
  afterAll(async () => {
    await slack?.close();
  });

  it('downloads a code file through the redirect', async () => {
    const file = slack.hostFile({ name: 'main.py', mimetype: 'text/x-python', content: 'print(1)\n' });
    const attachment = { name: file.name, mimeType: file.mimetype, size: file.size, url: file.url_private };
    expect((await egress.download(attachment, 4096)).toString('utf8')).toBe('print(1)\n');
  });
});

describe('following a file redirect (downloadAttachment against two local hosts)', () => {
  const hits: { host: 'file' | 'other' | 'foreign'; path: string; authorization: string | undefined }[] = [];
  let file: Server;
  let other: Server;
  let foreign: Server;
  let fileOrigin: string;
  let otherOrigin: string;
  let foreignOrigin: string;
  const serve = (host: 'file' | 'other' | 'foreign', handler: (req: IncomingMessage, res: ServerResponse) => void) =>
    createServer((req, res) => {
      hits.push({ host, path: req.url ?? '', authorization: req.headers.authorization });
      handler(req, res);
    });
  const redirect = (res: ServerResponse, location: string) => {
    res.writeHead(302, { location });
    res.end();
  };

  beforeAll(async () => {
    other = serve('other', (req, res) => {
      if (req.url === '/loop') return redirect(res, '/loop');
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(req.headers.authorization === 'Bearer secret' ? 'the file' : 'no token');
    });
    foreign = serve('foreign', (_req, res) => res.end('stolen'));
    otherOrigin = await listenLocal(other, {});
    foreignOrigin = await listenLocal(foreign, {});
    file = serve('file', (req, res) => {
      const to = new URL(req.url ?? '/', 'http://x').searchParams.get('to') ?? '';
      redirect(res, to);
    });
    fileOrigin = await listenLocal(file, {});
  });
  afterAll(async () => {
    for (const server of [file, other, foreign]) await new Promise((resolve) => server?.close(resolve));
  });

  const get = (to: string, allowed = [fileOrigin, otherOrigin]) =>
    downloadAttachment(
      { name: 'a.txt', mimeType: 'text/plain', size: 0, url: `${fileOrigin}/files-pri/T1-F1/a.txt?to=${encodeURIComponent(to)}` },
      { allowedOrigins: allowed, headers: { authorization: 'Bearer secret' }, maxBytes: 1024, platform: 'Slack' },
    );

  it('follows a redirect to another allowed host, sending the token there too', async () => {
    expect((await get(`${otherOrigin}/files-origin/a.txt`)).toString()).toBe('the file');
  });

  it('refuses a redirect off the allowed hosts without asking there, token or not', async () => {
    hits.length = 0;
    await expect(get(`${foreignOrigin}/steal`)).rejects.toThrow(`Slack redirected ${fileOrigin}/files-pri/T1-F1/a.txt to ${foreignOrigin}`);
    // A user name before the host: the host is the foreign one, whatever the user name says.
    const trick = foreignOrigin.replace('http://', `http://${new URL(otherOrigin).host}@`);
    await expect(get(`${trick}/steal`)).rejects.toThrow(/not one of its file hosts/);
    expect(hits.filter((h) => h.host === 'foreign')).toEqual([]);
  });

  it('gives up after three redirects', async () => {
    await expect(get(`${otherOrigin}/loop`)).rejects.toThrow(/more than 3 redirects/);
  });

  it('takes a wildcard entry for a domain and its subdomains, on https and the default port only', () => {
    const wildcard = ['https://*.slack.com', 'http://127.0.0.1:9'];
    const allowed = (url: string) => isAllowedOrigin(new URL(url), wildcard);
    for (const url of ['https://files.slack.com/x', 'https://files-origin.slack.com/x', 'https://slack.com/x', 'http://127.0.0.1:9/x']) {
      expect(allowed(url), url).toBe(true);
    }
    const refused = [
      'http://files.slack.com/x',
      'https://files.slack.com.evil.example/x',
      'https://evilslack.com/x',
      'https://files.slack.com:8443/x',
      'https://files.slack.com@evil.example/x',
      'https://user:pass@files.slack.com/x',
      'http://127.0.0.1:10/x',
    ];
    for (const url of refused) expect(allowed(url), url).toBe(false);
  });
});
