import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../adapters/http/api-keys.js';
import type { RunningApp } from '../src/app/start-app.js';
import { readUpload, saveUpload } from '../src/store/uploads.js';
import { startFakeAnthropic, type FakeAnthropic } from './fakes/fake-anthropic.js';
import { startTestApp, testConfig } from './support/test-app.js';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';
import { deleteExpiredData } from '../src/maintenance/retention-job.js';
import { appMentionEvent, messageEvent, nextEventTs, sendSlackEvent } from './fakes/slack-events.js';
import { makeDocx, makePdf, makePng } from './support/make-files.js';
import { SLACK_TEST_SECRET, startSlackTestApp, type SlackTestApp } from './support/slack-test-app.js';
import { startDiscordTestApp, type DiscordTestApp } from './support/discord-test-app.js';
import { waitForAnswer } from './support/wait-for-answer.js';

const tsOf = (envelope: { event: Record<string, unknown> }): string => envelope.event.ts as string;
type Block = { type: string; source?: { type: string; media_type: string; data: string }; text?: string; title?: string; cache_control?: unknown };
/** The content blocks of the last user turn of a model request. */
const questionBlocks = (body: { messages: { role: string; content: Block[] }[] }): Block[] => body.messages.findLast((m) => m.role === 'user')!.content;
const allBlocks = (body: { messages: { content: Block[] }[] }): Block[] => body.messages.flatMap((m) => m.content);

describe('files people share in Slack reach Claude (real Bolt, Web API client and pipeline; fake Slack file hosts, fake model)', () => {
  let t: SlackTestApp;
  let png: Buffer;

  beforeAll(async () => {
    t = await startSlackTestApp({ ATTACHMENT_MAX_BYTES: String(512 * 1024) }, (slack) => {
      slack.seedUser({ id: 'U1', name: 'ann', real_name: 'Ann Lee', display_name: 'Ann' });
      slack.seedUser({ id: 'U2', name: 'bo', real_name: 'Bo Chen', display_name: 'Bo' });
    });
    png = await makePng(64, 48);
  });
  afterAll(async () => {
    await t?.close();
  });

  /** Mentions Xiaoliu with these files (in a message event's `files[]`) and returns its answer's text. */
  async function mention(text: string, files: object[], extra: { channel?: string; thread_ts?: string; user?: string } = {}) {
    const channel = extra.channel ?? 'C1';
    const envelope = appMentionEvent({ channel, user: extra.user ?? 'U1', text: `<@UBOT> ${text}`, ...(extra.thread_ts ? { thread_ts: extra.thread_ts } : {}) });
    Object.assign(envelope.event, { files });
    expect((await sendSlackEvent(t.events, SLACK_TEST_SECRET, envelope)).status).toBe(200);
    await waitForAnswer(t.database.sql, `slack-T0FAKE-${channel}-${tsOf(envelope)}`);
    const thread = extra.thread_ts ?? tsOf(envelope);
    return { ts: tsOf(envelope), answer: t.slack.messages(channel, thread).filter((m) => m.user === 'UBOT').at(-1)!.text };
  }

  it('sends an attached PNG as an image block carrying its bytes, and a follow-up in the thread still sees it', async () => {
    const file = t.slack.hostFile({ name: 'chart.png', mimetype: 'image/png', content: png });
    const { ts } = await mention('what does this chart show?', [file]);
    const first = t.model.requests.at(-1)!.body;
    const [image, question] = questionBlocks(first);
    expect(image).toMatchObject({ type: 'image', source: { type: 'base64', media_type: 'image/png', data: png.toString('base64') } });
    // A breakpoint on the file: the next turn reads it from the cache instead of paying for it again.
    expect(image!.cache_control).toEqual({ type: 'ephemeral' });
    expect(question!.text).toBe('[Ann] what does this chart show?');
    expect(t.slack.fileDownloads.at(-1)).toEqual({ fileId: file.id, authorized: true });

    const followUp = messageEvent({ channel: 'C1', user: 'U2', text: 'and the trend?', thread_ts: ts });
    await sendSlackEvent(t.events, SLACK_TEST_SECRET, followUp);
    await waitForAnswer(t.database.sql, `slack-T0FAKE-C1-${tsOf(followUp)}`);
    const second = t.model.requests.at(-1)!.body;
    const images = allBlocks(second).filter((b) => b.type === 'image');
    expect(images.map((b) => b.source!.data)).toEqual([png.toString('base64')]);
    // The file was read once: the follow-up took it from Postgres, not from Slack again.
    expect(t.slack.fileDownloads.filter((d) => d.fileId === file.id)).toHaveLength(1);
  });

  it('sends a PDF as a document block, and a CSV and a Word document as text', async () => {
    const pdf = makePdf(3);
    const docx = await makeDocx();
    const files = [
      t.slack.hostFile({ name: 'report.pdf', mimetype: 'application/pdf', content: pdf }),
      t.slack.hostFile({ name: 'sales.csv', mimetype: 'text/csv', content: 'region,q1\nNorth,120\n' }),
      t.slack.hostFile({ name: 'plan.docx', mimetype: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document', content: docx }),
    ];
    await mention('what do these say?', files);
    const [document, csv, word] = questionBlocks(t.model.requests.at(-1)!.body);
    expect(document).toMatchObject({ type: 'document', title: 'report.pdf', source: { type: 'base64', media_type: 'application/pdf', data: pdf.toString('base64') } });
    expect(csv).toMatchObject({ type: 'text' });
    expect(csv!.text).toContain('Attached file `sales.csv`');
    expect(csv!.text).toContain('region,q1\nNorth,120');
    expect(word!.text).toContain('Attached file `plan.docx`');
    expect(word!.text).toContain('# Launch plan');
    expect(word!.text).toContain('The launch is on **March 3**.');
    expect(word!.text).toContain('| Mei | Press release |');
  });

  it('names every file it did not read, with the reason, and still answers', async () => {
    const movie = t.slack.hostFile({ name: 'demo.mov', mimetype: 'video/quicktime', content: Buffer.concat([Buffer.from([0, 0, 0, 20]), Buffer.from('ftypqt  '), Buffer.alloc(64)]) });
    const big = t.slack.hostFile({ name: 'huge.png', mimetype: 'image/png', content: png, size: 2 * 1024 * 1024 });
    const broken = t.slack.hostFile({ name: 'broken.pdf', mimetype: 'application/pdf', content: Buffer.from('%PDF-1.7\nnot really a pdf') });
    const { answer } = await mention('look at these', [movie, big, broken]);
    expect(answer).toContain('Echo: [Ann] look at these');
    expect(answer).toContain('I could not read `demo.mov`: video is not supported.');
    expect(answer).toContain('I could not read `huge.png`: it is 2 MB, over the 512 KB limit for files.');
    expect(answer).toMatch(/I could not read `broken\.pdf`: it is a damaged PDF/);
    // Nothing of them reached the model, and the too-large one was never downloaded.
    expect(allBlocks(t.model.requests.at(-1)!.body).filter((b) => b.type !== 'text')).toEqual([]);
    expect(t.slack.fileDownloads.some((d) => d.fileId === big.id)).toBe(false);
  });

  it('scales an image larger than the model reads down before sending it (the fake refuses over 8000 px)', async () => {
    const wide = await makePng(9000, 60);
    const file = t.slack.hostFile({ name: 'panorama.png', mimetype: 'image/png', content: wide });
    const { answer } = await mention('what is this?', [file]);
    expect(answer).toContain('Echo: [Ann] what is this?');
    expect(answer).toContain('`panorama.png`: scaled down to 1568×10 pixels');
    const [image] = questionBlocks(t.model.requests.at(-1)!.body);
    const sent = await sharp(Buffer.from(image!.source!.data, 'base64')).metadata();
    expect([sent.width, sent.height]).toEqual([1568, 10]);
  });

  it('doc takes an attached PDF as its source material', async () => {
    const pdf = makePdf(2);
    const file = t.slack.hostFile({ name: 'minutes.pdf', mimetype: 'application/pdf', content: pdf });
    t.model.enqueue({ kind: 'tool_use', name: 'write_document', input: { title: 'Summary', summary: 'What the minutes say.', markdown: '# Summary\n\nIt went well.' } });
    const { ts } = await mention('doc a summary of these minutes', [file]);
    expect(t.slack.messages('C1', ts).map((m) => m.text).join('\n')).toContain('What the minutes say.');
    const [document] = questionBlocks(t.model.requests.at(-1)!.body);
    expect(document).toMatchObject({ type: 'document', title: 'minutes.pdf', source: { data: pdf.toString('base64') } });
  });

  it('reads the files of earlier messages when summoned into a thread', async () => {
    const parent = nextEventTs();
    const shot = t.slack.hostFile({ name: 'error.png', mimetype: 'image/png', content: png });
    t.slack.seedMessage({ channel: 'C8', ts: parent, user: 'U2', text: 'the build page shows this', files: [shot] });
    await mention('what went wrong?', [], { channel: 'C8', thread_ts: parent });
    const images = allBlocks(t.model.requests.at(-1)!.body).filter((b) => b.type === 'image');
    expect(images.map((b) => b.source!.data)).toEqual([png.toString('base64')]);
  });

  it('reads a file sent in a DM', async () => {
    const file = t.slack.hostFile({ name: 'notes.md', mimetype: 'text/markdown', content: '# Notes\n- ship it\n' });
    const dm = messageEvent({ channel: 'D1', user: 'U1', text: 'read this', channel_type: 'im' });
    Object.assign(dm.event, { files: [file], subtype: 'file_share' });
    await sendSlackEvent(t.events, SLACK_TEST_SECRET, dm);
    await waitForAnswer(t.database.sql, `slack-T0FAKE-D1-${tsOf(dm)}`);
    expect(questionBlocks(t.model.requests.at(-1)!.body)[0]!.text).toContain('# Notes\n- ship it');
  });

  it('forget me deletes the files a person attached; retention deletes old ones', async () => {
    const count = async (author: string) => Number((await t.database.sql`select count(*)::int as n from attachments where author_id = ${author}`)[0]!.n);
    expect(await count('U1')).toBeGreaterThan(0);
    expect(await count('U2')).toBeGreaterThan(0);
    await mention('forget me', []);
    expect(await count('U1')).toBe(0);
    expect(await count('U2')).toBeGreaterThan(0);

    await t.database.sql`update attachments set created_at = now() - interval '40 days'`;
    const result = await deleteExpiredData(t.database.sql, { days: 30 });
    expect(result.attachments).toBeGreaterThan(0);
    expect(await count('U2')).toBe(0);
  });
});

describe('files people attach in Discord reach Claude (real discord.js against the fake Discord and its CDN)', () => {
  let t: DiscordTestApp;
  beforeAll(async () => {
    t = await startDiscordTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  it('sends an attached image as an image block, fetched from the CDN without a token', async () => {
    const png = await makePng(32, 32);
    const question = t.discord.sendMessage({
      channelId: t.discord.channelId,
      author: t.alice,
      content: `${t.mention} what is in this picture?`,
      attachments: [{ name: 'cat.png', contentType: 'image/png', data: png }],
    });
    await t.answered(`discord-${question.id}`);
    const [image] = questionBlocks(t.model.requests.at(-1)!.body);
    expect(image).toMatchObject({ type: 'image', source: { type: 'base64', media_type: 'image/png', data: png.toString('base64') } });
    expect(t.discord.attachmentDownloads.at(-1)!.withAuthorization).toBe(false);
  });
});

describe('files sent to the HTTP API (real gateway and worker; multipart and base64 JSON)', () => {
  let database: TestDatabase;
  let model: FakeAnthropic;
  let app: RunningApp;
  let base: string;
  let alice: string;
  let bob: string;

  beforeAll(async () => {
    database = await createTestDatabase();
    model = await startFakeAnthropic();
    app = await startTestApp(testConfig(database, model.url, { HTTP_MAX_BODY_BYTES: '8192', ATTACHMENT_MAX_BYTES: String(256 * 1024) }), []);
    base = `http://127.0.0.1:${app.port}`;
    alice = (await createApiKey(database.sql, 'alice', 'test')).key;
    bob = (await createApiKey(database.sql, 'bob', 'test')).key;
  });
  afterAll(async () => {
    await app?.close();
    await model?.close();
    await database?.drop();
  });

  const post = (key: string, body: string | FormData, headers: Record<string, string> = {}) =>
    fetch(`${base}/v1/chat`, { method: 'POST', headers: { authorization: `Bearer ${key}`, ...headers }, body });

  it('takes a file as a multipart upload, and the follow-up in the conversation still sees it', async () => {
    const png = await makePng(30, 20);
    const form = new FormData();
    form.append('message', 'what is this?');
    form.append('file', new Blob([png], { type: 'image/png' }), 'shot.png');
    const first = await post(alice, form);
    expect(first.status).toBe(200);
    const { conversation_id: conversationId } = (await first.json()) as { conversation_id: string };
    expect(questionBlocks(model.requests.at(-1)!.body)[0]).toMatchObject({ type: 'image', source: { data: png.toString('base64') } });
    // Read and kept with the conversation: the upload itself is gone.
    expect((await database.sql`select count(*)::int as n from uploads`)[0]!.n).toBe(0);

    const second = await post(alice, JSON.stringify({ message: 'and its colours?', conversation_id: conversationId }), { 'content-type': 'application/json' });
    expect(second.status).toBe(200);
    expect(allBlocks(model.requests.at(-1)!.body).filter((b) => b.type === 'image')).toHaveLength(1);
  });

  it('takes files as base64 in JSON, a PDF as a document block', async () => {
    const pdf = makePdf(2);
    const body = { message: 'what does it say?', files: [{ name: 'a.pdf', data: pdf.toString('base64') }] };
    const response = await post(alice, JSON.stringify(body), { 'content-type': 'application/json' });
    expect(response.status).toBe(200);
    expect(questionBlocks(model.requests.at(-1)!.body)[0]).toMatchObject({ type: 'document', source: { media_type: 'application/pdf', data: pdf.toString('base64') } });
  });

  it('refuses uploads over ATTACHMENT_MAX_BYTES together, and a JSON body (base64 files and all) over HTTP_MAX_BODY_BYTES, with 413', async () => {
    const form = new FormData();
    form.append('message', 'x');
    form.append('file', new Blob([Buffer.alloc(130 * 1024, 97)]), 'a.txt');
    form.append('file', new Blob([Buffer.alloc(130 * 1024, 98)]), 'b.txt');
    const tooBig = await post(alice, form);
    expect(tooBig.status).toBe(413);
    expect(((await tooBig.json()) as { error: { code: string } }).error.code).toBe('files_too_large');
    const big = { message: 'x', files: [{ name: 'a.txt', data: Buffer.alloc(9000, 97).toString('base64') }] };
    const json = await post(alice, JSON.stringify(big), { 'content-type': 'application/json' });
    expect(json.status).toBe(413);
    expect(((await json.json()) as { error: { code: string } }).error.code).toBe('payload_too_large');
  });

  it("never reads another user's upload (tenants do not mix)", async () => {
    const attachment = await saveUpload(database.sql, { platform: 'http', workspaceId: 'api:alice', userId: 'alice' }, { name: 'secret.txt', mimeType: 'text/plain', data: Buffer.from('alice only') });
    expect(await readUpload(database.sql, { platform: 'http', workspaceId: 'api:bob', userId: 'bob' }, attachment.url)).toBeUndefined();
    expect((await readUpload(database.sql, { platform: 'http', workspaceId: 'api:alice', userId: 'alice' }, attachment.url))?.toString()).toBe('alice only');
    // Bob's conversation is his own: none of Alice's files reach his requests.
    const response = await post(bob, JSON.stringify({ message: 'anything attached?' }), { 'content-type': 'application/json' });
    expect(response.status).toBe(200);
    expect(allBlocks(model.requests.at(-1)!.body).filter((b) => b.type !== 'text')).toEqual([]);
  });
});

describe('a file given to a Discord slash command (attachment option)', () => {
  let t: DiscordTestApp;
  beforeAll(async () => {
    t = await startDiscordTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  it('/ask prompt:… file:… sends the file to the model like an attached one', async () => {
    const pdf = makePdf(1);
    const { id } = t.discord.sendInteraction({
      name: 'ask',
      channelId: t.discord.channelId,
      user: t.alice,
      options: { prompt: 'summarise this' },
      attachment: { option: 'file', name: 'brief.pdf', contentType: 'application/pdf', data: pdf },
    });
    await t.answered(`discord-i-${id}`);
    const [document] = questionBlocks(t.model.requests.at(-1)!.body);
    expect(document).toMatchObject({ type: 'document', title: 'brief.pdf', source: { data: pdf.toString('base64') } });
  });
});
