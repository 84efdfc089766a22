import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shellChannel } from '../adapters/shell/shell-egress.js';
import { ShellSession } from '../adapters/shell/shell-session.js';
import { createRedis } from '../src/redis/create-redis.js';
import type { RelayEvent } from '../src/relay/relay-events.js';
import { startFakeAnthropic, type FakeAnthropic } from './fakes/fake-anthropic.js';
import { startTestApp, testConfig, TEST_REDIS_URL } from './support/test-app.js';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';
import { nodeArgsOf } from './support/npm-script.js';
import { makePng } from './support/make-files.js';

describe('the shell adapter', () => {
  let database: TestDatabase;
  let model: FakeAnthropic;

  beforeAll(async () => {
    database = await createTestDatabase();
    model = await startFakeAnthropic({ tokensPerSecond: 300 });
  });
  afterAll(async () => {
    await model?.close();
    await database?.drop();
  });

  it('streams answers into the terminal through the queue and a worker, and keeps the conversation across restarts', async () => {
    const config = testConfig(database, model.url);
    const channelId = `tester.${randomBytes(3).toString('hex')}`;
    const session = async () => {
      const app = await startTestApp(config, []);
      const output = new PassThrough();
      let printed = '';
      output.on('data', (chunk) => (printed += String(chunk)));
      const shell = new ShellSession({
        subscriber: createRedis(TEST_REDIS_URL),
        ingress: app.ingress,
        prefix: config.queuePrefix,
        workspaceId: 'laptop',
        channelId,
        user: { id: 'tester', name: 'Tess' },
        output,
        filesDir: '/tmp/xiaoliu-test-files',
        tty: false,
        answerTimeoutMs: 15_000,
      });
      await shell.start();
      return {
        shell,
        printed: () => printed,
        close: async () => {
          await shell.close();
          await app.close();
        },
      };
    };

    const first = await session();
    await first.shell.ask('my name is Tess');
    expect(first.printed()).toContain('xiaoliu> Echo: [Tess] my name is Tess\n');
    await first.close();

    // A new process, the same named session: the history comes back from Postgres.
    const second = await session();
    await second.shell.ask('what is my name?');
    await second.close();
    expect(second.printed()).toContain('Echo: [Tess] what is my name?');
    const history = JSON.stringify(model.requests.at(-1)!.body.messages);
    expect(history).toContain('my name is Tess');
    expect(history).toContain('Echo: [Tess] my name is Tess');
  });

  it('sends a file with `/attach PATH`: the next message carries it to the model, and a file over the limit is refused', async () => {
    const config = testConfig(database, model.url);
    const app = await startTestApp(config, []);
    const output = new PassThrough();
    let printed = '';
    output.on('data', (chunk) => (printed += String(chunk)));
    const dir = await mkdtemp(join(tmpdir(), 'xiaoliu-attach-'));
    const png = await makePng(16, 16);
    await writeFile(join(dir, 'shot.png'), png);
    await writeFile(join(dir, 'big.bin'), Buffer.alloc(4096));
    const shell = new ShellSession({
      prefix: config.queuePrefix,
      workspaceId: 'laptop',
      channelId: 'tester.attach',
      user: { id: 'tester', name: 'Tess' },
      subscriber: createRedis(TEST_REDIS_URL),
      ingress: app.ingress,
      output,
      filesDir: '/tmp/xiaoliu-test-files',
      tty: false,
      uploads: { sql: database.sql, maxFileBytes: 2048 },
    });
    try {
      await shell.start();
      await shell.attach(join(dir, 'big.bin'));
      expect(printed).toContain('big.bin is 4 KB, over the 2 KB limit for files');
      await shell.attach(join(dir, 'shot.png'));
      expect(printed).toContain('📎 shot.png (');
      await shell.ask('what is this?');
      const question = model.requests.at(-1)!.body.messages.at(-1).content;
      expect(question[0]).toMatchObject({ type: 'image', source: { media_type: 'image/png', data: png.toString('base64') } });
      // Sent once: the message after it carries no new file.
      await shell.ask('thanks');
      expect(model.requests.at(-1)!.body.messages.at(-1).content.filter((b: { type: string }) => b.type === 'image')).toEqual([]);
    } finally {
      await shell.close();
      await app.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('receives each answer as streamed pieces: no placeholder to recognize, no whole text to diff', async () => {
    const config = testConfig(database, model.url);
    const app = await startTestApp(config, []);
    const output = new PassThrough();
    let printed = '';
    output.on('data', (chunk) => (printed += String(chunk)));
    const options = { prefix: config.queuePrefix, workspaceId: 'laptop', channelId: 'tester.pieces', user: { id: 'tester', name: 'Tess' } };
    const shell = new ShellSession({ ...options, subscriber: createRedis(TEST_REDIS_URL), ingress: app.ingress, output, filesDir: '/tmp/xiaoliu-test-files', tty: false });
    const listener = createRedis(TEST_REDIS_URL);
    const events: RelayEvent[] = [];
    listener.on('message', (_channel: string, raw: string) => events.push(JSON.parse(raw) as RelayEvent));
    await listener.subscribe(shellChannel(config.queuePrefix, 'laptop', 'tester.pieces'));
    try {
      await shell.start();
      const answer = 'Pieces arrive one after another, each written where the last one ended, as the model writes them.';
      model.setTiming({ tokensPerSecond: 40 });
      model.enqueue({ kind: 'text', text: answer });
      await shell.ask('stream to me');
      model.setTiming({ tokensPerSecond: 300 });
      expect(events[0]).toMatchObject({ type: 'open' });
      const pieces = events.filter((e) => e.type === 'append').map((e) => (e as { text: string }).text);
      expect(pieces.length).toBeGreaterThan(2);
      expect(pieces.join('')).toBe(answer);
      expect(events.filter((e) => e.type === 'post' || e.type === 'edit')).toEqual([]);
      expect(printed).toBe(`xiaoliu> ${answer}\n`);
    } finally {
      await listener.quit();
      await shell.close();
      await app.close();
    }
  });

  it('runs as `npm run shell`, holding a conversation typed on stdin', async () => {
    const prefix = `xt-${randomBytes(4).toString('hex')}`;
    const child = spawn(process.execPath, [...nodeArgsOf('shell'), '--session', 'cli-test'], {
      env: {
        ...process.env,
        DATABASE_URL: database.url,
        REDIS_URL: TEST_REDIS_URL,
        QUEUE_PREFIX: prefix,
        ANTHROPIC_BASE_URL: model.url,
        ANTHROPIC_API_KEY: '',
      },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk) => (out += String(chunk)));
    child.stderr.on('data', (chunk) => (err += String(chunk)));
    child.stdin.write('hello from the terminal\n');
    child.stdin.write('help\n');
    setTimeout(() => child.stdin.end(), 50);
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(err).toBe('');
    expect(code).toBe(0);
    expect(out).toContain('conversation "cli-test"');
    expect(out).toContain('xiaoliu> Echo: [');
    expect(out).toContain('hello from the terminal');
    expect(out).toMatch(/\*reset\* — Forgets this thread's context/);
  }, 60_000);
});
