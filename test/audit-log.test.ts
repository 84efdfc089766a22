import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { APIUser } from 'discord.js';
import type { RunningApp } from '../src/app/start-app.js';
import { startFakeAnthropic, type FakeAnthropic } from './fakes/fake-anthropic.js';
import type { FakeSlack } from './fakes/fake-slack.js';
import { appMentionEvent, sendSlackEvent } from './fakes/slack-events.js';
import { startDiscordTestApp, type DiscordTestApp } from './support/discord-test-app.js';
import { nodeArgsOf } from './support/npm-script.js';
import { spawnProcess } from './support/spawn-process.js';
import { startTestApp, testConfig } from './support/test-app.js';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';
import { waitForAnswer } from './support/wait-for-answer.js';
import { SLACK_TEST_SECRET, startSlackTestApp, type SlackTestApp } from './support/slack-test-app.js';

const SECRET = SLACK_TEST_SECRET;
/** Stands in for a secret someone pastes into a persona: it must never reach the audit log or `audit`. */
const CANARY = 'CANARY-persona-password-7f3a9c';

interface AuditRow {
  platform: string;
  workspace_id: string;
  channel_id: string;
  actor_platform: string;
  actor_id: string;
  actor_name: string;
  action: string;
  target: string | null;
  detail: string;
}

const auditRows = (database: TestDatabase) =>
  database.sql<AuditRow[]>`
    select platform, workspace_id, channel_id, actor_platform, actor_id, actor_name, action, target, detail
    from audit_log order by id`;

describe('the audit log in Slack (real Bolt and Web API client against a fake Slack; real pipeline)', () => {
  let database: TestDatabase;
  let model: FakeAnthropic;
  let slack: FakeSlack;
  let app: RunningApp;
  let events: string;

  let running: SlackTestApp | undefined;

  beforeAll(async () => {
    running = await startSlackTestApp({
      SLACK_EDIT_INTERVAL_MS: '100',
      // Ada administers workspace T0FAKE; Bea, workspace T2 (the same deployment).
      XIAOLIU_ADMINS: 'slack:UADMIN,slack:UBADMIN',
    }, (fake) => {
      fake.seedUser({ id: 'UADMIN', name: 'ada', real_name: 'Ada Admin', display_name: 'Ada' });
      fake.seedUser({ id: 'UMEMBER', name: 'max', real_name: 'Max Member', display_name: 'Max' });
      fake.seedUser({ id: 'UBADMIN', name: 'bea', real_name: 'Bea Other', display_name: 'Bea' });
    });
    ({ database, model, slack, app, events } = running);
  });
  afterAll(async () => {
    await running?.close();
  });

  /** `@Xiaoliu <text>` in a channel of a workspace; resolves with the text Xiaoliu answered in its thread. */
  async function ask(text: string, user: string, options: { channel?: string; team?: string } = {}): Promise<string> {
    const channel = options.channel ?? 'C1';
    const team = options.team ?? 'T0FAKE';
    const mention = appMentionEvent({ channel, user, team, text: `<@UBOT> ${text}` });
    expect((await sendSlackEvent(events, SECRET, mention)).status).toBe(200);
    const ts = mention.event.ts as string;
    await waitForAnswer(database.sql, `slack-${team}-${channel}-${ts}`);
    return slack
      .messages(channel, ts)
      .filter((m) => m.user === 'UBOT' || m.bot_id === 'BBOT')
      .map((m) => m.text)
      .join('\n');
  }

  it("records each admin action with who, where and a secret-free detail; `audit` lists the workspace's, newest first", async () => {
    expect(await ask(`config prompt You are Lin, our release manager. The deploy password is ${CANARY}.`, 'UADMIN')).toMatch(/^Done \(version 1\)/);
    expect(await ask('config budget 5', 'UADMIN')).toMatch(/^Done \(version 2\): daily budget set to \$5\.00/);
    expect(await ask('config rollback 1', 'UADMIN')).toMatch(/^Done \(version 3\)/);
    expect(await ask('role <@UMEMBER> admin', 'UADMIN')).toMatch(/is now an admin/);
    expect(await ask('role <@UMEMBER> member', 'UADMIN')).toMatch(/is now a member/);

    const rows = await auditRows(database);
    expect(rows.map((r) => r.action)).toEqual(['config.prompt', 'config.budget', 'config.rollback', 'role.grant', 'role.revoke']);
    for (const row of rows) {
      expect(row).toMatchObject({ platform: 'slack', workspace_id: 'T0FAKE', channel_id: 'C1', actor_platform: 'slack', actor_id: 'UADMIN' });
    }
    expect(rows[0]!.detail).toMatch(/^v1: persona changed \(\d+ characters, fingerprint [0-9a-f]{8}\)$/);
    expect(rows[1]!.detail).toBe('v2: daily budget none → $5.00');
    expect(rows[2]!.detail).toBe('v3, rollback to v1: daily budget $5.00 → none');
    expect(rows[3]).toMatchObject({ target: 'UMEMBER', detail: 'UMEMBER is now an admin' });
    // What was pasted into the persona is nowhere in the log.
    expect(JSON.stringify(rows)).not.toContain(CANARY);
    expect(JSON.stringify(rows)).not.toContain('deploy password');

    const listing = await ask('audit', 'UADMIN');
    expect(listing).toMatch(/^_Audit log of this workspace_ \(newest first, 5 most recent\)\n/);
    const lines = listing.split('\n').filter((l) => l.startsWith('•'));
    expect(lines.map((l) => /— (\S+): /.exec(l)?.[1])).toEqual(['role.revoke', 'role.grant', 'config.rollback', 'config.budget', 'config.prompt']);
    expect(lines[0]).toMatch(/^• \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC — Ada \(slack:UADMIN\) in C1 — role\.revoke: UMEMBER is now a member$/);
    expect(listing).not.toContain(CANARY);
    // `audit <n>`: the n most recent.
    const two = (await ask('audit 2', 'UADMIN')).split('\n').filter((l) => l.startsWith('•'));
    expect(two.map((l) => /— (\S+): /.exec(l)?.[1])).toEqual(['role.revoke', 'role.grant']);
  });

  it('refuses `audit` to a member, and shows nothing of the log in the refusal', async () => {
    const refusal = await ask('audit', 'UMEMBER');
    expect(refusal).toMatch(/Only admins can read the audit log/);
    expect(refusal).not.toMatch(/config\.|role\./);
  });

  it("never shows one workspace's entries to another workspace's admin", async () => {
    expect(await ask('audit', 'UBADMIN', { team: 'T2', channel: 'C9' })).toMatch(/The audit log of this workspace is empty/);
    expect(await ask('config model claude-haiku-4-5', 'UBADMIN', { team: 'T2', channel: 'C9' })).toMatch(/model set to/);
    const theirs = await ask('audit', 'UBADMIN', { team: 'T2', channel: 'C9' });
    expect(theirs).toMatch(/1 most recent[\s\S]*Bea \(slack:UBADMIN\) in C9 — config\.model: v1: model claude-sonnet-5-5 → claude-haiku-4-5/);
    expect(theirs).not.toMatch(/UADMIN\)|role\.|config\.budget/);
    // And the other way round.
    expect(await ask('audit 200', 'UADMIN')).not.toContain('UBADMIN');
  });

  it('lists `audit` in help, and takes a question that merely starts with "audit" as a question', async () => {
    expect(await ask('help', 'UMEMBER')).toMatch(/• _audit_ — \(Admins\) Lists this workspace's recent admin actions/);
    model.enqueue({ kind: 'text', text: 'Looks thread-safe to me.' });
    expect(await ask('audit this function for races', 'UMEMBER')).toBe('Looks thread-safe to me.');
  });
});

describe('the audit log in Discord (real discord.js against a fake Discord with two servers; real pipeline)', () => {
  const ADMIN_A = '900000000000000001';
  const ADMIN_B = '900000000000000002';
  let t: DiscordTestApp;
  let adminA: APIUser;
  let adminB: APIUser;
  let guildA: { id: string; channelId: string };
  let guildB: { id: string; channelId: string };

  beforeAll(async () => {
    t = await startDiscordTestApp(
      { XIAOLIU_ADMINS: `discord:${ADMIN_A},discord:${ADMIN_B}` },
      { guilds: [{ name: 'Server A' }, { name: 'Server B' }] },
    );
    adminA = t.discord.addUser({ id: ADMIN_A, username: 'ada', global_name: 'Ada' });
    adminB = t.discord.addUser({ id: ADMIN_B, username: 'bea', global_name: 'Bea' });
    guildA = { id: t.discord.guilds[0]!.id, channelId: t.discord.guilds[0]!.channelIds[0]! };
    guildB = { id: t.discord.guilds[1]!.id, channelId: t.discord.guilds[1]!.channelIds[0]! };
  });
  afterAll(async () => {
    await t?.close();
  });

  /** `@Xiaoliu <text>` in a server's channel; resolves with Xiaoliu's answer in the thread it opens. */
  async function ask(text: string, author: APIUser, guild = guildA): Promise<string> {
    const question = t.discord.sendMessage({ channelId: guild.channelId, guildId: guild.id, author, content: `${t.mention} ${text}` });
    await t.answered(`discord-${question.id}`);
    return t.botMessages(question.id).map((m) => m.content).join('\n');
  }

  it('records config and role changes in the server they were made in, and lists them to its admins only', async () => {
    expect(await ask('config model claude-haiku-4-5', adminA)).toMatch(/model set to claude-haiku-4-5/);
    expect(await ask(`role ${t.bob.id} admin`, adminA)).toMatch(/is now an admin/);
    expect(await ask(`config prompt Speak like a pirate. ${CANARY}`, t.bob)).toMatch(/^Done/);

    const rows = await auditRows(t.database);
    expect(rows.map((r) => [r.action, r.actor_id, r.workspace_id])).toEqual([
      ['config.model', ADMIN_A, guildA.id],
      ['role.grant', ADMIN_A, guildA.id],
      ['config.prompt', t.bob.id, guildA.id],
    ]);
    expect(rows.every((r) => r.platform === 'discord' && r.channel_id !== '' && r.actor_platform === 'discord')).toBe(true);
    expect(JSON.stringify(rows)).not.toContain(CANARY);

    const listing = await ask('audit', adminA);
    expect(listing).toMatch(/config\.prompt[\s\S]*role\.grant[\s\S]*config\.model/);
    expect(listing).toContain(`Ada (discord:${ADMIN_A})`);
    expect(listing).not.toContain(CANARY);
    expect(await ask('audit', t.alice)).toMatch(/Only admins can read the audit log/);
    // Server B's admin sees server B's log only: empty.
    expect(await ask('audit', adminB, guildB)).toMatch(/The audit log of this workspace is empty/);
  });

  it("keeps a person's admin actions on record after `forget me`, and records the forgetting (counts, no text)", async () => {
    expect(await ask('forget me', t.bob)).toMatch(/^Done/);
    const rows = await auditRows(t.database);
    // Bob's persona change stays: an admin's actions stay accountable after they are forgotten.
    expect(rows.filter((r) => r.actor_id === t.bob.id).map((r) => r.action)).toEqual(['config.prompt', 'forget-me']);
    const forgot = rows.at(-1)!;
    expect(forgot).toMatchObject({ workspace_id: guildA.id, target: t.bob.id });
    expect(forgot.detail).toMatch(/^deleted \d+ messages, \d+ answers and 0 files on discord$/);
    expect(await ask('audit 1', adminA)).toMatch(/forget-me: deleted/);
  });
});

describe('the audit log of API keys (npm run apikey, as the operator runs it)', () => {
  let database: TestDatabase;

  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await database?.drop();
  });

  async function apikey(...args: string[]) {
    const child = spawnProcess([...nodeArgsOf('apikey'), ...args], { DATABASE_URL: database.url, LOG_LEVEL: 'warn' });
    const code = await child.exited;
    return { code, output: child.output() };
  }

  it('records who created and revoked a key, and for whom, never the key', async () => {
    const created = await apikey('create', '--user', 'dora', '--name', 'laptop');
    expect(created.code).toBe(0);
    const [, id, key] = /created (k_[0-9a-f]{12}) for user dora \(laptop\)\n(xlk_\S+)\n/.exec(created.output) ?? [];
    expect(key).toBeDefined();
    expect((await apikey('revoke', id!)).code).toBe(0);

    const rows = await auditRows(database);
    expect(rows.map((r) => [r.action, r.target, r.channel_id, r.actor_platform])).toEqual([
      ['apikey.create', id, 'dora', 'cli'],
      ['apikey.revoke', id, 'dora', 'cli'],
    ]);
    expect(rows[0]!.platform).toBe('http');
    expect(rows[0]!.detail).toBe(`key ${id} created for user dora (laptop)`);
    // Who: the operator's OS user, as the system names them.
    expect(rows[0]!.actor_id).toMatch(/^[\w.@-]+$/);
    const secretPart = key!.split('_').at(-1)!;
    expect(JSON.stringify(rows)).not.toContain(secretPart);
    const [stored] = await database.sql<{ n: number }[]>`select count(*)::int as n from audit_log where detail like ${`%${secretPart}%`}`;
    expect(stored!.n).toBe(0);
  });

  // Each API user is a workspace of their own (README, Tenants): an admin's `audit` lists the entries of their own keys.
  it("lists a user's key entries over the HTTP API to that user when an admin, no one else's, and refuses a key user who is not one", async () => {
    const root = /\n(xlk_\S+)\n/.exec((await apikey('create', '--user', 'root', '--name', 'ops')).output)![1]!;
    const erin = /\n(xlk_\S+)\n/.exec((await apikey('create', '--user', 'erin')).output)![1]!;
    const model = await startFakeAnthropic();
    const app = await startTestApp(testConfig(database, model.url, { XIAOLIU_ADMINS: 'http:root' }), []);
    const ask = async (key: string, message: string) => {
      const response = await fetch(`http://127.0.0.1:${app.port}/v1/chat`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ message }),
      });
      return ((await response.json()) as { answer: string }).answer;
    };
    try {
      const listing = await ask(root, 'audit');
      expect(listing.split('\n').filter((l) => l.startsWith('•')).map((l) => /— (\S+): key (\S+) (?:created for|of) user (\w+)/.exec(l)?.slice(1).join(' '))).toEqual([
        expect.stringMatching(/^apikey\.create k_\w+ root$/),
      ]);
      expect(listing).not.toMatch(/erin|dora/);
      expect(await ask(erin, 'audit')).toMatch(/Only admins can read the audit log/);
    } finally {
      await app.close();
      await model.close();
    }
  });
});
