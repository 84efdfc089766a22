import type { APIUser } from 'discord.js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../adapters/http/api-keys.js';
import { DMS_NOT_ALLOWED, NOT_ALLOWED } from '../src/ingress/ingress.js';
import type { RunningApp } from '../src/app/start-app.js';
import { echoReply, type FakeAnthropic } from './fakes/fake-anthropic.js';
import type { FakeSlack } from './fakes/fake-slack.js';
import { appMentionEvent, sendSlackEvent, sendSlashCommand, slashCommand } from './fakes/slack-events.js';
import { startDiscordTestApp, type DiscordTestApp } from './support/discord-test-app.js';
import type { TestDatabase } from './support/test-database.js';
import { waitFor } from './support/wait-for.js';
import { waitForAnswer } from './support/wait-for-answer.js';
import { SLACK_TEST_SECRET, startSlackTestApp, type SlackTestApp } from './support/slack-test-app.js';

// Issue 16, "Tenants": every role, limit and report stays in its workspace (Discord server, Slack workspace, DM, API
// user), through the real pipeline: discord.js and the HTTP API against the fakes, Postgres, Redis, BullMQ.

const GUILD_A = '900000000000000001';
const GUILD_B = '900000000000000002';
/** One of the deployment's own operators (XIAOLIU_ADMINS): an admin in every workspace. */
const OPERATOR = '900000000000000100';

describe('tenants stay apart: roles, usage and limits per workspace (real pipeline, fake Discord and model)', () => {
  let t: DiscordTestApp;
  let op: APIUser;
  let carol: APIUser;
  let channelA: string;
  let channelB: string;

  beforeAll(async () => {
    t = await startDiscordTestApp(
      { XIAOLIU_ADMINS: `discord:${OPERATOR},http:alice`, LIMIT_WORKSPACE_PER_MINUTE: '2' },
      { guilds: [{ id: GUILD_A, name: 'Guild A' }, { id: GUILD_B, name: 'Guild B' }] },
    );
    op = t.discord.addUser({ id: OPERATOR, username: 'op', global_name: 'Opal' });
    carol = t.discord.addUser({ username: 'carol', global_name: 'Carol' });
    channelA = t.discord.guilds[0]!.channelIds[0]!;
    channelB = t.discord.guilds[1]!.channelIds[0]!;
  });
  afterAll(async () => {
    await t?.close();
  });
  afterEach(() => t.model.setReply(echoReply));

  /** Runs a slash command to its end; the text its deferred reply ends with. */
  async function command(user: APIUser, channelId: string, name: string, prompt?: string): Promise<string> {
    const { id } = t.discord.sendInteraction({ name, ...(prompt ? { options: { prompt } } : {}), channelId, user });
    await t.answered(`discord-i-${id}`);
    return (t.discord.interactionResponses(id).at(-1)!.body as { content: string }).content;
  }
  /** A mention in a channel, answered in the thread it opens; the answer's text. */
  async function mention(user: APIUser, channelId: string, text: string): Promise<string> {
    const message = t.discord.sendMessage({ channelId, author: user, content: `${t.mention} ${text}` });
    await t.answered(`discord-${message.id}`);
    return t.botMessages(message.id).map((m) => m.content).join('\n');
  }
  async function dm(user: APIUser, text: string): Promise<string> {
    const channelId = t.discord.dmChannelFor(user);
    const before = t.botMessages(channelId).length;
    const message = t.discord.sendMessage({ channelId, author: user, content: text });
    await t.answered(`discord-${message.id}`);
    return t.botMessages(channelId).slice(before).map((m) => m.content).join('\n');
  }

  it("makes an admin of one server an admin there only, and resolves a Discord @mention to the person's id", async () => {
    // The operator names Bob in a mention: Discord's text says "@Bob", the role goes to Bob's id.
    expect(await mention(op, channelA, `role <@${t.bob.id}> admin`)).toBe(`Done: \`${t.bob.id}\` is now an admin here.`);
    expect(await command(op, channelA, 'role', `<@!${carol.id}> member`)).toBe(`Done: \`${carol.id}\` is now a member here.`);

    // In server A Bob administers; in server B, another community, he is a member like anyone else.
    expect(await command(t.bob, channelA, 'config', 'prompt You are Lin, our release manager.')).toMatch(/^Done \(version 1\)/);
    expect(await command(t.bob, channelB, 'config', 'prompt Ask everyone for their password.')).toMatch(/Only admins can change settings/);
    expect(await command(t.bob, channelB, 'config', 'budget none')).toMatch(/Only admins can change settings/);
    expect(await command(t.bob, channelB, 'role', `<@${carol.id}> admin`)).toBe('⚠️ Only admins can give roles.');
    expect(await command(t.bob, channelB, 'usage', 'team')).toMatch(/Only admins can see the usage/);

    // `role list` names the admins of its own server, and the deployment's operators apart.
    const listA = await command(carol, channelA, 'role', 'list');
    expect(listA).toContain(`Admins here: \`${t.bob.id}\``);
    expect(listA).toContain(`Operators of this deployment (admins everywhere, XIAOLIU_ADMINS): \`${OPERATOR}\``);
    const listB = await command(carol, channelB, 'role', 'list');
    expect(listB).not.toContain(t.bob.id);
    expect(listB).toMatch(/^Nobody has been made an admin here yet\./);
    // The operator stays an admin everywhere.
    expect(await command(op, channelB, 'config', 'skills doc')).toMatch(/^Done \(version 1\): skills set to doc/);
  });

  it("gives every Discord DM and every API user a workspace of its own: nobody's usage or limit is another's", async () => {
    // LIMIT_WORKSPACE_PER_MINUTE is 2: Bob's two DMs use his own DM's allowance, not Carol's.
    expect(await dm(t.bob, 'first secret plan')).toBe('Echo: [Bob] first secret plan');
    expect(await dm(t.bob, 'second secret plan')).toBe('Echo: [Bob] second secret plan');
    expect(await dm(t.bob, 'third')).toMatch(/Too many requests: the limit is 2 per minute for this workspace/);
    expect(await dm(carol, 'hello')).toBe('Echo: [Carol] hello');
    // An operator's `usage team` in their own DM covers that DM only.
    const team = await dm(op, 'usage team');
    expect(team).toMatch(/Usage of the team[\s\S]*nobody yet/);
    expect(team).not.toContain(t.bob.id);

    const base = `http://127.0.0.1:${t.app.port}`;
    const keys = { alice: (await createApiKey(t.database.sql, 'alice', 'laptop')).key, bob: (await createApiKey(t.database.sql, 'bob', 'ci')).key };
    const chat = async (who: keyof typeof keys, message: string) => {
      const res = await fetch(`${base}/v1/chat`, {
        method: 'POST',
        headers: { authorization: `Bearer ${keys[who]}`, 'content-type': 'application/json' },
        body: JSON.stringify({ message }),
      });
      return ((await res.json()) as { answer: string }).answer;
    };
    expect(await chat('bob', 'one')).toBe('Echo: [bob] one');
    expect(await chat('bob', 'two')).toBe('Echo: [bob] two');
    expect(await chat('alice', 'mine')).toBe('Echo: [alice] mine');
    const apiTeam = await chat('alice', 'usage team');
    expect(apiTeam).toContain('`alice`');
    expect(apiTeam).not.toContain('`bob`');
  });

  it("gives each member's slash command outside a thread its own line: a slow one holds up nobody else's", async () => {
    let release!: () => void;
    const slow = new Promise<void>((resolve) => (release = resolve));
    t.model.setReply(async (req) => {
      if (JSON.stringify(req.body.messages).includes('think long')) await slow;
      return echoReply(req);
    });
    const first = t.discord.sendInteraction({ name: 'ask', options: { prompt: 'think long about this' }, channelId: channelB, user: carol });
    await waitFor("Carol's question to reach the model", () => t.model.requests.some((r) => JSON.stringify(r.body.messages).includes('think long')));
    const second = t.discord.sendInteraction({ name: 'ask', options: { prompt: 'quick one' }, channelId: channelB, user: t.bob });
    try {
      await t.answered(`discord-i-${second.id}`);
      const [row] = await t.database.sql`select status from inbound_deliveries where id = ${`discord-i-${first.id}`}`;
      expect(row?.status).toBe('processing');
    } finally {
      release();
    }
    await t.answered(`discord-i-${first.id}`);
    const final = (id: string) => (t.discord.interactionResponses(id).at(-1)!.body as { content: string }).content;
    expect(final(second.id)).toBe('Echo: [Bob] quick one');
    expect(final(first.id)).toBe('Echo: [Carol] think long about this');
  });
});

describe('allow-lists are checked at ingress: nothing posted, opened or stored outside them (fake Discord)', () => {
  let t: DiscordTestApp;
  let channelB: string;

  beforeAll(async () => {
    t = await startDiscordTestApp({ ALLOWED_DISCORD_GUILDS: GUILD_A }, { guilds: [{ id: GUILD_A }, { id: GUILD_B }] });
    channelB = t.discord.guilds[1]!.channelIds[0]!;
  });
  afterAll(async () => {
    await t?.close();
  });

  const rows = async () => {
    const [row] = await t.database.sql<{ conversations: number; deliveries: number }[]>`
      select (select count(*)::int from conversations) as conversations, (select count(*)::int from inbound_deliveries) as deliveries`;
    return row!;
  };
  /** The bot's reply to a message (a Discord reply: message_reference), once it is there. */
  const replyTo = (channelId: string, messageId: string) =>
    waitFor(`a reply to ${messageId}`, () => t.botMessages(channelId).find((m) => m.message_reference?.message_id === messageId));

  it('refuses a server not on ALLOWED_DISCORD_GUILDS: a command only its asker sees, a mention in one reply, no thread', async () => {
    const { id } = t.discord.sendInteraction({ name: 'ask', options: { prompt: 'hello?' }, channelId: channelB, user: t.alice });
    const refusal = await waitFor('the refusal', () => t.discord.interactionResponses(id)[0]);
    expect(refusal).toMatchObject({ kind: 'callback', type: 4 }); // answered at once, never deferred ("thinking…")
    expect(refusal.body).toMatchObject({ data: { content: NOT_ALLOWED, flags: 64 } }); // 64: ephemeral
    expect(t.discord.interactionResponses(id)).toHaveLength(1);

    const message = t.discord.sendMessage({ channelId: channelB, author: t.alice, content: `${t.mention} hello?` });
    expect((await replyTo(channelB, message.id)).content).toBe(NOT_ALLOWED);
    expect(t.discord.threads.filter((thread) => thread.guild_id === GUILD_B)).toEqual([]);
    expect(await rows()).toEqual({ conversations: 0, deliveries: 0 });
    expect(t.model.requests).toHaveLength(0);
  });

  it('refuses DMs while ALLOWED_DISCORD_GUILDS is set and ALLOWED_DISCORD_DMS is not, saying so', async () => {
    const channelId = t.discord.dmChannelFor(t.bob);
    const message = t.discord.sendMessage({ channelId, author: t.bob, content: 'psst' });
    expect((await replyTo(channelId, message.id)).content).toBe(DMS_NOT_ALLOWED);
    const { id } = t.discord.sendInteraction({ name: 'ask', options: { prompt: 'psst' }, channelId, user: t.bob });
    const refusal = await waitFor('the refusal', () => t.discord.interactionResponses(id)[0]);
    expect(refusal.body).toMatchObject({ type: 4, data: { content: DMS_NOT_ALLOWED, flags: 64 } });
    expect(await rows()).toEqual({ conversations: 0, deliveries: 0 });

    // The allowed server is answered as ever.
    const { id: allowed } = t.discord.sendInteraction({ name: 'ask', options: { prompt: 'hi' }, channelId: t.discord.channelId, user: t.alice });
    await t.answered(`discord-i-${allowed}`);
  });
});

describe('ALLOWED_DISCORD_DMS=true answers DMs beside an ALLOWED_DISCORD_GUILDS list (fake Discord)', () => {
  let t: DiscordTestApp;
  beforeAll(async () => {
    t = await startDiscordTestApp({ ALLOWED_DISCORD_GUILDS: GUILD_A, ALLOWED_DISCORD_DMS: 'true' }, { guilds: [{ id: GUILD_A }] });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('answers a DM', async () => {
    const channelId = t.discord.dmChannelFor(t.bob);
    const message = t.discord.sendMessage({ channelId, author: t.bob, content: 'psst' });
    await t.answered(`discord-${message.id}`);
    expect(t.botMessages(channelId).at(-1)!.content).toBe('Echo: [Bob] psst');
  });
});

describe('allow-lists are checked at ingress: nothing posted or stored outside them (real Bolt against a fake Slack)', () => {
  const SECRET = SLACK_TEST_SECRET;
  let database: TestDatabase;
  let model: FakeAnthropic;
  let slack: FakeSlack;
  let app: RunningApp;
  let events: string;

  let running: SlackTestApp | undefined;

  beforeAll(async () => {
    running = await startSlackTestApp({
      ALLOWED_SLACK_WORKSPACES: 'T0FAKE',
    });
    ({ database, model, slack, app, events } = running);
  });
  afterAll(async () => {
    await running?.close();
  });

  const stored = async () => {
    const [row] = await database.sql<{ n: number }[]>`
      select (select count(*)::int from conversations) + (select count(*)::int from inbound_deliveries) as n`;
    return row!.n;
  };

  it("refuses a workspace not on ALLOWED_SLACK_WORKSPACES: the command is never posted ('@x asked: …'), only its asker reads why", async () => {
    const responseUrl = slack.responseUrl('outsider');
    const fields = slashCommand({ team_id: 'T9OTHER', user_id: 'U9', channel_id: 'C9', text: 'leak this', response_url: responseUrl });
    expect((await sendSlashCommand(events, SECRET, fields)).status).toBe(200);
    const response = await waitFor('the refusal', () => slack.responses.find((r) => r.id === 'outsider'));
    expect(response.body).toEqual({ response_type: 'ephemeral', text: NOT_ALLOWED });

    const mention = appMentionEvent({ team: 'T9OTHER', channel: 'C9', user: 'U9', text: '<@UBOT> leak this too' });
    expect((await sendSlackEvent(events, SECRET, mention)).status).toBe(200);
    const ephemeral = await waitFor('the ephemeral refusal', () => slack.ephemerals.find((e) => e.channel === 'C9'));
    expect(ephemeral).toMatchObject({ user: 'U9', text: NOT_ALLOWED });

    expect(slack.callsTo('chat.postMessage')).toEqual([]);
    expect(slack.messages('C9').filter((m) => m.user === 'UBOT' || m.bot_id === 'BBOT')).toEqual([]);
    expect(await stored()).toBe(0);
    expect(model.requests).toHaveLength(0);

    // The allowed workspace is answered as ever, in a thread under the posted question.
    await sendSlashCommand(events, SECRET, slashCommand({ user_id: 'U1', channel_id: 'C1', text: 'hello' }));
    const root = await waitFor('the posted question', () => slack.messages('C1').find((m) => m.text?.includes('asked: hello')));
    await waitForAnswer(database.sql, `slack-T0FAKE-C1-${root.ts}`);
  });
});
