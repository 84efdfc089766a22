import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { downloadAttachment } from '../src/attachments/download-attachment.js';
import type { RunningApp } from '../src/app/start-app.js';
import { UserFacingError } from '../src/domain/errors.js';
import type { InboundAttachment, InboundMessage } from '../src/domain/inbound-message.js';
import { startFakeAnthropic, type FakeAnthropic } from './fakes/fake-anthropic.js';
import { startFakeSlack, type FakeSlack } from './fakes/fake-slack.js';
import { listenLocal } from './fakes/listen-local.js';
import { RecordingEgress } from './fakes/recording-egress.js';
import { appMentionEvent, sendSlackEvent } from './fakes/slack-events.js';
import { startDiscordTestApp, type DiscordTestApp } from './support/discord-test-app.js';
import { inbound, startTestApp, testConfig } from './support/test-app.js';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';
import { waitFor } from './support/wait-for.js';
import { waitForAnswer } from './support/wait-for-answer.js';
import { makePng } from './support/make-files.js';

const PYTHON = 'def mean(xs):\n    return sum(xs) / len(xs)\n';
const FINDINGS = {
  verdict: 'Works for the happy path, but crashes on an empty list.',
  findings: [
    { severity: 'low', location: 'snippet:1', problem: 'No type hints.', fix: 'Annotate `xs: list[float]`.' },
    { severity: 'critical', location: 'snippet:2', problem: 'Divides by zero when `xs` is empty.', fix: '```py\nif not xs:\n    return 0.0\n```' },
    { severity: 'medium', location: 'snippet:2', problem: 'Sums floats naively.', fix: 'Use `math.fsum`.' },
  ],
};
const MAX_FILE_BYTES = 4096;

/** The recording platform, able to hand over the files attached to a message (as Slack's or Discord's would). */
class FilePlatform extends RecordingEgress {
  readonly files = new Map<string, Buffer>();
  readonly downloads: string[] = [];
  async download(attachment: InboundAttachment): Promise<Buffer> {
    this.downloads.push(attachment.name);
    const data = this.files.get(attachment.url);
    if (!data) throw new Error(`no file at ${attachment.url}`);
    return data;
  }
  attach(name: string, content: string | Buffer, mimeType = 'text/plain', size = Buffer.byteLength(content)): InboundAttachment {
    const url = `memory://${name}`;
    this.files.set(url, Buffer.isBuffer(content) ? content : Buffer.from(content, 'utf8'));
    return { name, mimeType, size, url };
  }
}

describe('the analyze skill (real pipeline, queue, Postgres and Anthropic SDK; fake model)', () => {
  let database: TestDatabase;
  let model: FakeAnthropic;
  let platform: FilePlatform;
  let app: RunningApp;

  beforeAll(async () => {
    database = await createTestDatabase();
    model = await startFakeAnthropic();
    platform = new FilePlatform('shell');
    app = await startTestApp(testConfig(database, model.url, { ANALYZE_MAX_FILE_BYTES: String(MAX_FILE_BYTES) }), [platform]);
  });
  afterAll(async () => {
    await app?.close();
    await model?.close();
    await database?.drop();
  });

  async function send(text: string, thread: string, overrides: Partial<InboundMessage> = {}): Promise<string> {
    const message = inbound(text, { thread, ...overrides });
    await app.producer.enqueue(message);
    await waitFor(`the answer to "${text}"`, () => platform.doneDeliveries().includes(message.id));
    const posts = platform.postsIn('C1', thread);
    return posts.at(-1)!.text;
  }
  const sentToModel = () => JSON.stringify(model.requests.at(-1)!.body.messages);

  it('analyzes a pasted code block on the explicit command: verdict first, then findings most severe first', async () => {
    model.enqueue({ kind: 'tool_use', name: 'report_findings', input: FINDINGS });
    const report = await send(`analyze\n\`\`\`python\n${PYTHON}\`\`\``, 'T-an-explicit');

    const request = model.requests.at(-1)!.body;
    // Structured output on the default model (it refuses forced tools), thinking adaptively at high effort.
    expect(request.tool_choice).toBeUndefined();
    expect(request.output_config).toMatchObject({ effort: 'high', format: { type: 'json_schema' } });
    expect(request.thinking).toEqual({ type: 'adaptive' });
    // The code with numbered lines, so findings can point at them.
    expect(sentToModel()).toContain('Source `snippet` (pasted in the message, 2 lines):\\n```python\\n1 | def mean(xs):\\n2 |     return sum(xs) / len(xs)\\n```');
    const lines = report.split('\n');
    expect(lines[0]).toBe('**Verdict:** Works for the happy path, but crashes on an empty list.');
    expect(lines[2]).toBe('_Analyzed `snippet` (2 lines): 3 findings (1 critical, 1 medium, 1 low)._');
    const order = ['🔴 Critical', '🟡 Medium', '🔵 Low'].map((label) => report.indexOf(label));
    expect(order.every((at) => at > 0)).toBe(true);
    expect(order).toEqual([...order].sort((a, b) => a - b));
    expect(report).toContain('**1. 🔴 Critical** · `snippet:2`\nDivides by zero when `xs` is empty.\n**Fix:**\n```py\nif not xs:');
    const [stored] = await database.sql`
      select m.text from messages m join conversations c on c.id = m.conversation_id
      where c.thread_id = 'T-an-explicit' and m.role = 'assistant'`;
    expect(stored!.text).toBe(report);
  });

  it('is invoked by the Chinese trigger phrase', async () => {
    model.enqueue({ kind: 'tool_use', name: 'report_findings', input: { verdict: '代码没有问题。', findings: [] } });
    const report = await send(`帮我分析一下这段代码：\n\`\`\`js\nconst a = 1;\n\`\`\``, 'T-an-zh');
    expect(model.requests.at(-1)!.body.output_config.format.type).toBe('json_schema');
    expect(report).toBe('**Verdict:** 代码没有问题。\n\n_Analyzed `snippet` (1 line): no findings._');
  });

  it('is invoked by the English trigger phrase, reading code Slack sends without a line break after the fence', async () => {
    model.enqueue({ kind: 'tool_use', name: 'report_findings', input: FINDINGS });
    await send('can you analyze this code? ```x = compute()\nprint(x)```', 'T-an-en');
    expect(sentToModel()).toContain('1 | x = compute()\\n2 | print(x)');
  });

  it('takes a request Claude hands over from chat', async () => {
    const before = model.requests.length;
    model.enqueue(
      { kind: 'tool_use', name: 'use_analyze_skill', input: { request: 'Check the mean function for bugs' } },
      { kind: 'tool_use', name: 'report_findings', input: FINDINGS },
    );
    const report = await send(`is this safe?\n\`\`\`py\n${PYTHON}\`\`\``, 'T-an-handed');
    const [chat, skill] = model.requests.slice(before).map((r) => r.body);
    expect(chat.tools.map((t: { name: string }) => t.name)).toContain('use_analyze_skill');
    expect(skill.output_config.format.type).toBe('json_schema');
    expect(JSON.stringify(skill.messages)).toContain('The request, restated: Check the mean function for bugs');
    expect(JSON.stringify(skill.messages)).toContain('2 |     return sum(xs) / len(xs)');
    expect(report).toMatch(/^\*\*Verdict:\*\* Works for the happy path/);
  });

  it('analyzes an attached file, named in the findings by its file name', async () => {
    model.enqueue({ kind: 'tool_use', name: 'report_findings', input: { ...FINDINGS, findings: [{ ...FINDINGS.findings[1]!, location: 'stats.py:2' }] } });
    const file = platform.attach('stats.py', PYTHON, 'text/x-python');
    const report = await send('analyze', 'T-an-file', { attachments: [file] });
    expect(sentToModel()).toContain('Source `stats.py` (attached file, 2 lines)');
    expect(report).toContain('**1. 🔴 Critical** · `stats.py:2`');
    expect(report).toContain('_Analyzed `stats.py` (2 lines): 1 finding (1 critical)._');
  });

  it('refuses an oversized file without downloading it, saying what the limit is', async () => {
    const before = model.requests.length;
    const big = platform.attach('dump.sql', 'select 1;', 'text/plain', 512 * 1024);
    const report = await send('analyze this code', 'T-an-big', { attachments: [big] });
    expect(report).toMatch(/^I found no code to analyze\./);
    // Every file takes the same path (src/attachments/): what was not read is named under the answer, with why.
    expect(report).toContain('📎 I could not read `dump.sql`: it is 512 KB, over the 4 KB limit for files.');
    expect(platform.downloads).not.toContain('dump.sql');
    expect(model.requests.length).toBe(before);
  });

  it('skips a file that is not text, and analyzes the rest, saying what was skipped', async () => {
    model.enqueue({ kind: 'tool_use', name: 'report_findings', input: { verdict: 'Fine.', findings: [] } });
    // What a file is comes from its bytes: a real PNG (named .txt, even) is an image, not code.
    const image = platform.attach('screenshot.txt', await makePng(40, 30), 'text/plain');
    const code = platform.attach('main.go', 'package main\n', 'application/octet-stream');
    const report = await send('analyze', 'T-an-mixed', { attachments: [image, code] });
    expect(report).toContain('_Analyzed `main.go` (1 line): no findings._');
    expect(report).toContain('⚠️ `screenshot.txt` was skipped: I read text and code files (.py, .ts, .go, .sql, .txt and the like), not images.');
    // Still shown to the model, as an image: it may be the error the code produces.
    expect(model.requests.at(-1)!.body.messages.at(-1).content.some((b: { type: string }) => b.type === 'image')).toBe(true);
  });

  it('takes at most twice the file limit of code in all', async () => {
    model.enqueue({ kind: 'tool_use', name: 'report_findings', input: { verdict: 'Fine.', findings: [] } });
    const files = ['a.ts', 'b.ts', 'c.ts'].map((name) => platform.attach(name, `// ${name}\n${'x'.repeat(MAX_FILE_BYTES - 100)}\n`));
    const report = await send('analyze', 'T-an-total', { attachments: files });
    expect(report).toContain('_Analyzed `a.ts` (2 lines), `b.ts` (2 lines): no findings._');
    expect(report).toContain('⚠️ `c.ts` was left out: one request can take at most 8 KB of code in all.');
  });

  it('analyzes the code pasted earlier in the thread when the request has none', async () => {
    await send(`here is my helper\n\`\`\`py\n${PYTHON}\`\`\``, 'T-an-earlier', { author: { id: 'U2', name: 'Bo', isBot: false } });
    model.enqueue({ kind: 'tool_use', name: 'report_findings', input: FINDINGS });
    await send('analyze the code above', 'T-an-earlier');
    expect(sentToModel()).toContain('Source `snippet` (pasted earlier in the thread by Bo, 2 lines)');
  });

  it('says how to give code when there is none, without asking the model', async () => {
    const before = model.requests.length;
    const report = await send('analyze', 'T-an-nothing');
    expect(report).toMatch(/^I found no code to analyze\. Give it to me in one of these ways:/);
    expect(report).toContain('up to 4 KB, at most 5 files');
    expect(report).not.toContain('Not about code?');
    // The command word opening a question that is not about code: say how to ask it instead.
    const question = await send('analyze the market for electric bikes', 'T-an-question');
    expect(question).toMatch(/I found no code to analyze\.[\s\S]*_Not about code\? Start with `ask` and I will answer it as a question\._$/);
    expect(model.requests.length).toBe(before);
  });

  it('tells the user when the findings come back malformed', async () => {
    model.enqueue({ kind: 'tool_use', name: 'report_findings', input: { verdict: 'Hmm.', findings: [{ severity: 'catastrophic', problem: 'x' }] } });
    const report = await send(`analyze\n\`\`\`\n${PYTHON}\`\`\``, 'T-an-garbage');
    expect(report).toBe("⚠️ I could not put the report together: Claude's findings came back malformed. Please try again.");
  });
});

describe('the analyze skill on Slack (real Bolt and Web API client against the fake Slack)', () => {
  const SECRET = 'test-signing-secret';
  const TOKEN = 'xoxb-test-token';
  let database: TestDatabase;
  let model: FakeAnthropic;
  let slack: FakeSlack;
  let app: RunningApp;
  let events: string;
  let foreign: Server;
  let foreignUrl: string;
  const foreignRequests: { authorization: string | undefined }[] = [];

  beforeAll(async () => {
    database = await createTestDatabase();
    model = await startFakeAnthropic();
    slack = await startFakeSlack({ botToken: TOKEN });
    slack.seedUser({ id: 'U1', name: 'ann', real_name: 'Ann Lee', display_name: 'Ann' });
    // Another host, as a file link pointing away from Slack would: it must never be asked, least of all with the token.
    foreign = createServer((req, res) => {
      foreignRequests.push({ authorization: req.headers.authorization });
      res.end(PYTHON);
    });
    foreignUrl = await listenLocal(foreign, {});
    const config = testConfig(database, model.url, {
      SLACK_BOT_TOKEN: TOKEN,
      SLACK_SIGNING_SECRET: SECRET,
      SLACK_API_URL: slack.apiUrl,
      SLACK_EDIT_INTERVAL_MS: '100',
      ANALYZE_MAX_FILE_BYTES: String(MAX_FILE_BYTES),
    });
    app = await startTestApp(config, []);
    events = `http://127.0.0.1:${app.port}/slack/events`;
  });
  afterAll(async () => {
    await app?.close();
    await slack?.close();
    await model?.close();
    await new Promise((resolve) => foreign?.close(resolve));
    await database?.drop();
  });

  /** Mentions Xiaoliu with files shared in the message, and returns its last reply once answered. */
  async function mentionWithFiles(text: string, files: object[]): Promise<string> {
    const envelope = appMentionEvent({ channel: 'C1', user: 'U1', text: `<@UBOT> ${text}` });
    Object.assign(envelope.event, { files });
    const ts = envelope.event.ts as string;
    expect((await sendSlackEvent(events, SECRET, envelope)).status).toBe(200);
    await waitForAnswer(database.sql, `slack-T0FAKE-C1-${ts}`);
    return slack.messages('C1', ts).filter((m) => m.user === 'UBOT').at(-1)!.text;
  }

  it('downloads an attached file from Slack with the bot token, and analyzes it', async () => {
    model.enqueue({ kind: 'tool_use', name: 'report_findings', input: { ...FINDINGS, findings: [{ ...FINDINGS.findings[1]!, location: 'stats.py:2' }] } });
    const file = slack.hostFile({ name: 'stats.py', mimetype: 'text/x-python', content: PYTHON });
    const report = await mentionWithFiles('analyze this code', [file]);

    expect(slack.fileDownloads).toEqual([{ fileId: file.id, authorized: true }]);
    expect(JSON.stringify(model.requests.at(-1)!.body.messages)).toContain('Source `stats.py` (attached file, 2 lines)');
    expect(report).toContain('Works for the happy path, but crashes on an empty list.');
    expect(report).toContain('stats.py:2');
  });

  it('refuses a file whose link is not on Slack, without a single request there', async () => {
    const before = model.requests.length;
    const file = { id: 'F0FOREIGN', name: 'evil.py', mimetype: 'text/x-python', size: 30, url_private: `${foreignUrl}/files-pri/T0FAKE-F0FOREIGN/evil.py` };
    const report = await mentionWithFiles('analyze this code', [file]);
    expect(report).toContain("I did not download `evil.py`: it is not on Slack's own file servers, and I only fetch files from there.");
    expect(foreignRequests).toEqual([]);
    expect(model.requests.length).toBe(before);
  });

  it('refuses an oversized file before downloading it, and stops reading one that is larger than it said', async () => {
    const declaredBig = slack.hostFile({ name: 'big.log', content: 'x'.repeat(10), size: 300 * 1024 });
    const lying = slack.hostFile({ name: 'liar.txt', content: 'y'.repeat(MAX_FILE_BYTES * 4), size: 100 });
    const downloadsBefore = slack.fileDownloads.length;
    const report = await mentionWithFiles('analyze this code', [declaredBig, lying]);

    expect(report).toContain('I could not read `big.log`: it is 300 KB, over the 4 KB limit for files.');
    expect(report).toContain('`liar.txt` is 16 KB, over the 4 KB limit for files.');
    // Only the lying file was asked for; the declared-too-big one never was.
    expect(slack.fileDownloads.slice(downloadsBefore)).toEqual([{ fileId: lying.id, authorized: true }]);
  });
});

describe('the analyze skill on Discord (real discord.js against the fake Discord)', () => {
  let t: DiscordTestApp;

  beforeAll(async () => {
    t = await startDiscordTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  it("downloads an attachment from Discord's file host, sending no token, and analyzes it", async () => {
    t.model.enqueue({ kind: 'tool_use', name: 'report_findings', input: { verdict: 'Looks fine.', findings: [] } });
    const question = t.discord.sendMessage({
      channelId: t.discord.channelId,
      author: t.alice,
      content: `${t.mention} please analyze my code`,
      attachments: [{ name: 'main.rs', contentType: 'text/x-rust', data: Buffer.from('fn main() {}\n') }],
    });
    await t.answered(`discord-${question.id}`);

    expect(t.discord.attachmentDownloads).toHaveLength(1);
    expect(t.discord.attachmentDownloads[0]!.withAuthorization).toBe(false);
    expect(JSON.stringify(t.model.requests.at(-1)!.body.messages)).toContain('1 | fn main() {}');
    expect(t.botMessages(question.id).at(-1)!.content).toBe('**Verdict:** Looks fine.\n\n_Analyzed `main.rs` (1 line): no findings._');
  });
});

describe('downloading an attachment', () => {
  let server: Server;
  let origin: string;
  const TOTAL_CHUNKS = 32 * 1024;
  let finished = false;
  let hungUp = false;

  beforeAll(async () => {
    // A body with no Content-Length that keeps coming: 1 KB chunks, up to 32 MB (far more than the socket buffers
    // hold), unless the reader hangs up first.
    server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.on('close', () => void (hungUp = !finished));
      let chunks = 0;
      const write = () => {
        while (chunks < TOTAL_CHUNKS && !res.destroyed) {
          chunks++;
          if (!res.write('z'.repeat(1024))) return void res.once('drain', write);
        }
        finished = chunks === TOTAL_CHUNKS;
        res.end();
      };
      write();
    });
    origin = await listenLocal(server, {});
  });
  afterAll(async () => {
    await new Promise((resolve) => server?.close(resolve));
  });

  it('stops reading a body that passes the limit, though its size was not declared', async () => {
    const attachment = { name: 'endless.txt', mimeType: 'text/plain', size: 0, url: `${origin}/endless.txt` };
    const error = await downloadAttachment(attachment, { allowedOrigins: [origin], maxBytes: 8 * 1024, platform: 'Test' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UserFacingError);
    expect((error as UserFacingError).userMessage).toBe('`endless.txt` is larger than the 8 KB limit for files.');
    await waitFor('the response to end', () => hungUp || finished);
    expect(hungUp).toBe(true);
  });
});
