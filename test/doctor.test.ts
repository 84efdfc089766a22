import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerCommands } from '../adapters/discord/register-commands.js';
import { createDefaultRouter } from '../src/commands/default-router.js';
import { readConfig } from '../src/config/read-config.js';
import { formatReport, runDoctor } from '../src/ops/doctor.js';
import type { DoctorLine } from '../src/ops/doctor/doctor-line.js';
import { startFakeAnthropic, type FakeAnthropic } from './fakes/fake-anthropic.js';
import { startFakeDiscord, type FakeDiscord } from './fakes/fake-discord.js';
import { startFakeSlack, type FakeSlack } from './fakes/fake-slack.js';
import { manifestBotScopes } from './fakes/slack-manifest-scopes.js';
import { spawnProcess } from './support/spawn-process.js';
import { TEST_REDIS_URL } from './support/test-app.js';
import { TEST_PG_SERVER, createTestDatabase, type TestDatabase } from './support/test-database.js';
import { nodeArgsOf } from './support/npm-script.js';

// `npm run doctor` as an operator runs it on first deploy, here against the real Postgres and Redis and the fake
// Anthropic, Slack and Discord, whose answers (the Models API, x-oauth-scopes, application flags…) follow the docs.
const KEY = `test-key-${randomBytes(12).toString('hex')}`;
const BOT_TOKEN = `xoxb-${randomBytes(12).toString('hex')}`;
const APP_TOKEN = `xapp-${randomBytes(12).toString('hex')}`;
const SIGNING_SECRET = randomBytes(16).toString('hex');
const DB_PASSWORD = `pw-${randomBytes(8).toString('hex')}`; // the local server trusts 127.0.0.1: any password works

describe('npm run doctor', () => {
  let database: TestDatabase;
  let model: FakeAnthropic;
  let slack: FakeSlack;
  let discord: FakeDiscord;
  let env: Record<string, string>;
  const bare = `xiaoliu_test_${randomBytes(5).toString('hex')}_bare`;

  beforeAll(async () => {
    [database, model, slack, discord] = await Promise.all([
      createTestDatabase(),
      startFakeAnthropic({ apiKey: KEY }),
      startFakeSlack({ botToken: BOT_TOKEN, appToken: APP_TOKEN }),
      startFakeDiscord(),
    ]);
    const url = new URL(database.url);
    url.password = DB_PASSWORD;
    env = {
      DATABASE_URL: url.toString(),
      REDIS_URL: TEST_REDIS_URL,
      ANTHROPIC_API_KEY: KEY,
      ANTHROPIC_BASE_URL: model.url,
      SLACK_BOT_TOKEN: BOT_TOKEN,
      SLACK_APP_TOKEN: APP_TOKEN,
      SLACK_API_URL: slack.apiUrl,
      DISCORD_TOKEN: discord.token,
      DISCORD_API_URL: discord.restUrl,
    };
    await registerCommands(readConfig(env).platforms.discord!, createDefaultRouter().commands);
    const admin = postgres(`${TEST_PG_SERVER}/postgres`, { max: 1, onnotice: () => {} });
    await admin.unsafe(`create database "${bare}"`); // a database nobody has migrated
    await admin.end();
  });
  afterAll(async () => {
    const admin = postgres(`${TEST_PG_SERVER}/postgres`, { max: 1, onnotice: () => {} });
    await admin.unsafe(`drop database if exists "${bare}" with (force)`);
    await admin.end();
    await Promise.all([model?.close(), slack?.close(), discord?.close(), database?.drop()]);
  });

  const secrets = () => [KEY, BOT_TOKEN, APP_TOKEN, SIGNING_SECRET, DB_PASSWORD, discord.token];
  const line = (lines: DoctorLine[], check: string) => lines.find((l) => l.check === check);
  const failed = (lines: DoctorLine[]) => lines.filter((l) => l.status === 'fail').map((l) => l.check);
  /** The printed report back into lines: `✗ Check name: text`. */
  const STATUS: Record<string, DoctorLine['status']> = { '✓': 'ok', '!': 'warn', '✗': 'fail', '-': 'skip' };
  const parse = (output: string): DoctorLine[] =>
    [...output.matchAll(/^([✓!✗-]) ([^:]+): (.*)$/gm)].map(([, mark, check, text]) => ({ status: STATUS[mark!]!, check: check!, text: text! }));

  it('passes every check when everything works, prints one line per check and no secret, and exits 0', async () => {
    const child = spawnProcess(nodeArgsOf('doctor'), env);
    const code = await child.exited;
    const output = child.output();
    expect(code, output).toBe(0);
    const checks = output.split('\n').filter((l) => /^[✓!✗-] /.test(l));
    expect(checks.filter((l) => !l.startsWith('✓ ')), output).toEqual([]);
    for (const check of [
      'Postgres', 'Migrations', 'Redis',
      'Anthropic key', 'Anthropic model', 'Anthropic capabilities', 'Anthropic model table', 'Anthropic price', 'Anthropic answer', 'Anthropic rate limits',
      'Slack bot token', 'Slack scopes', 'Slack Socket Mode',
      'Discord bot token', 'Discord gateway', 'Discord application', 'Discord Message Content intent', 'Discord slash commands',
    ]) {
      expect(checks.some((l) => l.startsWith(`✓ ${check}: `)), `${check} in\n${output}`).toBe(true);
    }
    expect(output).toContain('✓ Anthropic rate limits: 4,000 requests, 2,000,000 input tokens, 400,000 output tokens per minute');
    expect(output).toContain(`✓ Slack scopes: all ${manifestBotScopes().length} the manifest asks for are granted`);
    expect(output).toContain('All checks passed.');
    for (const secret of secrets()) expect(output).not.toContain(secret);
  });

  it('shows a distinct ✗ line for each service that fails, and exits 1', async () => {
    const scopes = manifestBotScopes().filter((s) => s !== 'files:write' && s !== 'assistant:write');
    const [narrowSlack, noIntent] = await Promise.all([
      startFakeSlack({ botToken: BOT_TOKEN, scopes }),
      startFakeDiscord({ allowedPrivilegedIntents: 0 }),
    ]);
    try {
      const broken = {
        ...env,
        DATABASE_URL: `${TEST_PG_SERVER}/${bare}`,
        REDIS_URL: 'redis://127.0.0.1:1',
        ANTHROPIC_API_KEY: 'test-key-not-the-right-one',
        SLACK_API_URL: narrowSlack.apiUrl,
        SLACK_APP_TOKEN: '',
        SLACK_SIGNING_SECRET: SIGNING_SECRET,
        DISCORD_TOKEN: noIntent.token,
        DISCORD_API_URL: noIntent.restUrl,
      };
      const child = spawnProcess(nodeArgsOf('doctor'), broken);
      expect(await child.exited, child.output()).toBe(1);
      const lines = parse(child.output());
      expect(failed(lines).sort()).toEqual(['Anthropic key', 'Discord Message Content intent', 'Migrations', 'Redis', 'Slack scopes']);
      expect(line(lines, 'Anthropic key')!.text).toMatch(/^ANTHROPIC_API_KEY was refused .*401 authentication_error/);
      expect(line(lines, 'Migrations')!.text).toMatch(/^\d+ of \d+ not applied \(0000_init, .*\): run npm run migrate$/);
      expect(line(lines, 'Redis')!.text).toMatch(/^cannot reach 127\.0\.0\.1:1 \(ECONNREFUSED\).*REDIS_URL/);
      expect(line(lines, 'Slack scopes')!.text).toMatch(/^the bot token lacks files:write, assistant:write: .*SLACK_BOT_TOKEN/);
      expect(line(lines, 'Slack HTTP mode')!.status).toBe('ok');
      expect(line(lines, 'Discord Message Content intent')!.text).toMatch(/^off: turn on Message Content Intent on the Bot page/);
      expect(line(lines, 'Postgres')!.status).toBe('ok');
      expect(child.output()).toMatch(/\n\n5 checks failed: fix the ✗ lines and run npm run doctor again\.\n$/);
      for (const secret of secrets()) expect(child.output()).not.toContain(secret);
    } finally {
      await Promise.all([narrowSlack.close(), noIntent.close()]);
    }
  });

  it('tells an unknown model, refused tokens and an unreachable database apart', async () => {
    const broken = readConfig({
      ...env,
      DATABASE_URL: `postgres://postgres:${DB_PASSWORD}@127.0.0.1:1/xiaoliu`,
      // A model with a price (so the configuration accepts it) that the API does not serve.
      CLAUDE_MODEL: 'claude-nonexistent-9',
      CLAUDE_PRICES: JSON.stringify({ 'claude-nonexistent-9': { input: 1, output: 2, cacheWrite: 1, cacheRead: 0.1 } }),
      SLACK_BOT_TOKEN: 'xoxb-revoked-token',
      DISCORD_TOKEN: 'not.the.token',
      DISCORD_APPLICATION_ID: '140000000000000000',
    });
    const lines = await runDoctor(broken, { timeoutMs: 5000 });
    expect(failed(lines).sort()).toEqual(['Anthropic model', 'Discord bot token', 'Postgres', 'Slack bot token']);
    expect(line(lines, 'Anthropic key')!.status).toBe('ok');
    expect(line(lines, 'Anthropic model')!.text).toMatch(/^CLAUDE_MODEL claude-nonexistent-9 does not exist for this key \(404/);
    expect(line(lines, 'Slack bot token')!.text).toMatch(/\(invalid_auth\): set SLACK_BOT_TOKEN to /);
    expect(line(lines, 'Discord bot token')!.text).toMatch(/^DISCORD_TOKEN was refused \(401\)/);
    expect(line(lines, 'Postgres')!.text).toMatch(/^cannot reach 127\.0\.0\.1:1, database xiaoliu \(ECONNREFUSED\).*DATABASE_URL/);
    expect(formatReport(lines, broken)).not.toContain(DB_PASSWORD);
  });

  it('gives up a call that does not answer in time, and names the application a wrong DISCORD_APPLICATION_ID', async () => {
    model.enqueue({ kind: 'stall', textBefore: '' });
    const config = readConfig({ ...env, DISCORD_APPLICATION_ID: '140000000000000000' });
    const lines = await runDoctor(config, { timeoutMs: 1000 });
    expect(line(lines, 'Anthropic answer')).toEqual({ status: 'fail', check: 'Anthropic answer', text: 'failed (no answer within 1 s): check ANTHROPIC_BASE_URL and the network' });
    expect(line(lines, 'Discord application')!.text).toBe(
      `DISCORD_APPLICATION_ID is 140000000000000000 but the token belongs to application ${discord.applicationId}: fix DISCORD_APPLICATION_ID (or unset it)`,
    );
  });
});
