import { randomBytes } from 'node:crypto';
import { PassThrough } from 'node:stream';
import { createApiKey } from '../../adapters/http/api-keys.js';
import { ShellSession } from '../../adapters/shell/shell-session.js';
import { createRedis } from '../../src/redis/create-redis.js';
import { startFakeAnthropic } from '../fakes/fake-anthropic.js';
import { appMentionEvent, sendSlackEvent } from '../fakes/slack-events.js';
import { startDiscordTestApp } from '../support/discord-test-app.js';
import { SLACK_TEST_SECRET, startSlackTestApp } from '../support/slack-test-app.js';
import { startTestApp, testConfig, TEST_REDIS_URL } from '../support/test-app.js';
import { createTestDatabase } from '../support/test-database.js';
import { waitForAnswer } from '../support/wait-for-answer.js';
import type { CommandHarness } from './memory-conformance.js';

/** Slack: a mention in a channel (an HTTP event through Bolt), answered in its thread. */
export async function slackCommandHarness(): Promise<CommandHarness> {
  const t = await startSlackTestApp();
  return {
    model: t.model,
    async ask(text) {
      const event = appMentionEvent({ channel: 'C-conf', user: 'U1', text: `<@UBOT> ${text}` });
      await sendSlackEvent(t.events, SLACK_TEST_SECRET, event);
      const ts = event.event.ts as string;
      await waitForAnswer(t.database.sql, `slack-T0FAKE-C-conf-${ts}`);
      return t.slack.messages('C-conf', ts).filter((m) => m.user === 'UBOT' && m.ts !== ts).at(-1)?.text ?? '';
    },
    close: () => t.close(),
  };
}

/** Discord: a mention in a server channel (MESSAGE_CREATE through discord.js), answered in the thread it opens. */
export async function discordCommandHarness(): Promise<CommandHarness> {
  const t = await startDiscordTestApp();
  return {
    model: t.model,
    async ask(text) {
      const message = t.discord.sendMessage({ channelId: t.discord.channelId, author: t.alice, content: `${t.mention} ${text}` });
      await t.answered(`discord-${message.id}`);
      return t.botMessages(message.id).at(-1)?.content ?? '';
    },
    close: () => t.close(),
  };
}

/** The HTTP API: POST /v1/chat with an API key, every question in one conversation, the JSON answer read. */
export async function httpCommandHarness(): Promise<CommandHarness> {
  const database = await createTestDatabase();
  const model = await startFakeAnthropic();
  const app = await startTestApp(testConfig(database, model.url), []);
  const { key } = await createApiKey(database.sql, 'conformance', 'test');
  let conversation: string | undefined;
  return {
    model,
    async ask(text) {
      const response = await fetch(`http://127.0.0.1:${app.port}/v1/chat`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ message: text, ...(conversation ? { conversation_id: conversation } : {}) }),
      });
      const body = (await response.json()) as { conversation_id: string; answer: string };
      conversation = body.conversation_id;
      return body.answer;
    },
    async close() {
      await app.close();
      await model.close();
      await database.drop();
    },
  };
}

/** The terminal: a line typed into a shell session, the answer as printed after `xiaoliu> `. */
export async function shellCommandHarness(): Promise<CommandHarness> {
  const database = await createTestDatabase();
  const model = await startFakeAnthropic({ tokensPerSecond: 300 });
  const config = testConfig(database, model.url);
  const app = await startTestApp(config, []);
  const output = new PassThrough();
  let printed = '';
  output.on('data', (chunk) => (printed += String(chunk)));
  const shell = new ShellSession({
    subscriber: createRedis(TEST_REDIS_URL),
    ingress: app.ingress,
    prefix: config.queuePrefix,
    workspaceId: 'laptop',
    channelId: `tester.${randomBytes(3).toString('hex')}`,
    user: { id: 'tester', name: 'Tess' },
    output,
    filesDir: '/tmp/xiaoliu-test-files',
    tty: false,
    answerTimeoutMs: 15_000,
  });
  await shell.start();
  return {
    model,
    async ask(text) {
      const from = printed.length;
      await shell.ask(text);
      return printed.slice(from).replace(/^[\s\S]*?xiaoliu> /, '').trimEnd();
    },
    async close() {
      await shell.close();
      await app.close();
      await model.close();
      await database.drop();
    },
  };
}
