import { Writable } from 'node:stream';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DiscordEgress } from '../adapters/discord/discord-egress.js';
import { startDiscordIngress } from '../adapters/discord/discord-ingress.js';
import { InteractionStore } from '../adapters/discord/interaction-store.js';
import { registerCommands } from '../adapters/discord/register-commands.js';
import { createDefaultRouter } from '../src/commands/default-router.js';
import { readConfig } from '../src/config/read-config.js';
import type { IngressDeps } from '../src/domain/adapter.js';
import { createLogger, type Logger } from '../src/log/create-logger.js';
import { jobIdFor } from '../src/queue/inbound-queue.js';
import { createRedis } from '../src/redis/create-redis.js';
import { spawnProcess } from './support/spawn-process.js';
import { startTestApp } from './support/test-app.js';
import { silentLogger } from './support/silent-logger.js';
import { startFakeDiscord } from './fakes/fake-discord.js';
import { sleep, startDiscordTestApp, type DiscordTestApp } from './support/discord-test-app.js';
import { TEST_REDIS_URL } from './support/test-app.js';
import { waitFor } from './support/wait-for.js';
import { AnswerActions } from '../src/interactions/answer-actions.js';
import { nodeArgsOf } from './support/npm-script.js';

describe('Discord slash commands, their registration, and deduplicated posts', () => {
  let t: DiscordTestApp;
  let redis: Redis;

  beforeAll(async () => {
    t = await startDiscordTestApp();
    redis = createRedis(TEST_REDIS_URL, { connectionName: 'xiaoliu-test' });
  });
  afterAll(async () => {
    await redis?.quit();
    await t?.close();
  });
  /** What the app gives an ingress, for one started here with a log of its own. */
  const ingressDeps = (log: Logger): IngressDeps => ({
    ingress: t.app.ingress,
    answers: new AnswerActions({ sql: t.database.sql, redis, prefix: t.config.queuePrefix, config: t.config, ingress: t.app.ingress, log }),
    http: t.app.http,
    sql: t.database.sql,
    redis,
    prefix: t.config.queuePrefix,
    log,
    connectRedis: (name) => createRedis(TEST_REDIS_URL, { connectionName: name }),
    config: t.config,
    args: [],
  });
  const egress = () => new DiscordEgress(t.config.platforms.discord!, redis, t.config.queuePrefix, silentLogger());

  const command = (name: string, options?: Record<string, string>, channelId = t.discord.channelId) =>
    t.discord.sendInteraction({ name, ...(options ? { options } : {}), channelId, user: t.alice });
  /** What happened to an interaction: the callback type, then each later call on its webhook. */
  const story = (id: string) => t.discord.interactionResponses(id).map((r) => r.kind + (r.type ? `:${r.type}` : ''));
  const finalText = (id: string) => (t.discord.interactionResponses(id).at(-1)!.body as { content: string }).content;

  it('defers /ask at once, then answers by editing the deferred reply', async () => {
    t.model.setTiming({ tokensPerSecond: 20 });
    const { id, token } = command('ask', { prompt: 'what is a snowflake id?' });
    await t.answered(`discord-i-${id}`);
    t.model.setTiming({ tokensPerSecond: 0 });
    const [callback, ...edits] = story(id);
    expect(callback).toBe('callback:5'); // deferred: "Xiaoliu is thinking…"
    expect(edits.length).toBeGreaterThan(1); // the placeholder, streamed edits, the final text
    expect(new Set(edits)).toEqual(new Set(['editOriginal']));
    expect(finalText(id)).toBe('Echo: [Alice] what is a snowflake id?');
    const deferredAt = t.discord.interactionResponses(id)[0]!.at;
    expect(deferredAt - Number((BigInt(id) >> 22n) + 1_420_070_400_000n)).toBeLessThan(3000);
    // The job names the interaction; its token (a credential) is not in the payload.
    const job = await t.app.producer.queue.getJob(jobIdFor(`discord-i-${id}`));
    expect(job?.data.message.address.adapterData).toEqual({ interactionId: id });
    expect(JSON.stringify(job?.data)).not.toContain(token);
    for (const r of t.discord.interactionResponses(id).slice(1)) expect(r.body).toMatchObject({ allowed_mentions: { parse: [] } });
  });

  it('answers /help and /reset by editing their deferred replies', async () => {
    const help = command('help');
    await t.answered(`discord-i-${help.id}`);
    expect(story(help.id)).toEqual(['callback:5', 'editOriginal']);
    expect(finalText(help.id)).toContain('*reset*');

    const reset = command('reset');
    await t.answered(`discord-i-${reset.id}`);
    expect(story(reset.id)).toEqual(['callback:5', 'editOriginal']);
    expect(finalText(reset.id)).toMatch(/^Done: I've forgotten/);
  });

  it('sends the parts of a long command answer as follow-ups after the deferred reply', async () => {
    const code = Array.from({ length: 120 }, (_, i) => `  step(${i}); // do the thing number ${i}`).join('\n');
    t.model.enqueue({ kind: 'text', text: `Here:\n\n\`\`\`js\n${code}\n\`\`\`` });
    const { id } = command('ask', { prompt: 'long one' });
    await t.answered(`discord-i-${id}`);
    const kinds = story(id);
    expect(kinds[0]).toBe('callback:5');
    expect(kinds.filter((k) => k === 'followUp')).toHaveLength(2);
    const stored = t.botMessages(t.discord.channelId).filter((m) => m.interaction_metadata?.id === id);
    expect(stored).toHaveLength(3);
    for (const m of stored) expect(m.content.length).toBeLessThanOrEqual(2000);
    expect(stored.map((m) => m.content).join('\n')).toContain('step(119)');
  });

  it('answers a command in a thread inside that thread’s conversation', async () => {
    const mention = t.discord.sendMessage({ channelId: t.discord.channelId, author: t.alice, content: `${t.mention} note 7` });
    await t.answered(`discord-${mention.id}`);
    const { id } = command('ask', { prompt: 'which number?' }, mention.id);
    await t.answered(`discord-i-${id}`);
    expect(JSON.stringify(t.model.requests.at(-1)!.body.messages)).toContain('note 7');
  });

  it('takes a command in a DM', async () => {
    const dm = t.discord.dmChannelFor(t.bob);
    const { id } = t.discord.sendInteraction({ name: 'ask', options: { prompt: 'psst' }, channelId: dm, user: t.bob });
    await t.answered(`discord-i-${id}`);
    expect(finalText(id)).toBe('Echo: [Bob] psst');
  });

  it('answers a command seen by two gateways once: the second finds it acknowledged and it dedupes', async () => {
    const second = await startTestApp(t.config, [], { gateway: true, worker: false });
    try {
      const before = t.model.requests.length;
      const { id } = command('ask', { prompt: 'just once' });
      await t.answered(`discord-i-${id}`);
      await sleep(300);
      expect(t.model.requests.length - before).toBe(1);
      expect(story(id).filter((k) => k.startsWith('callback'))).toEqual(['callback:5']);
      expect(finalText(id)).toBe('Echo: [Alice] just once');
    } finally {
      await second.close();
    }
  });

  it('registers a slash command per router command (/ask, /doc, /palette, /config…) globally or in one guild with npm run discord:register', async () => {
    const env = { DISCORD_TOKEN: t.discord.token, DISCORD_API_URL: t.discord.restUrl };
    const global = await registerCommands(readConfig(env).platforms.discord!, createDefaultRouter().commands);
    expect(global).toMatchObject({ applicationId: t.discord.applicationId, scope: 'global' });
    expect(t.discord.registeredCommands.global.map((c) => c.name).sort()).toEqual(['Ask Xiaoliu about this', 'Summarize thread', 'analyze', 'ask', 'audit', 'config', 'console', 'doc', 'forget', 'help', 'mcp', 'memories', 'palette', 'parallel', 'remember', 'reset', 'role', 'schedule', 'summarize', 'usage']);
    const ask = t.discord.registeredCommands.global.find((c) => c.name === 'ask')!;
    expect(ask.options).toMatchObject([{ name: 'prompt', type: 3, required: true }, { name: 'file', type: 11, required: false }]);
    // The message context-menu commands (type 3: right-click a message → Apps) come with the slash commands.
    expect(t.discord.registeredCommands.global.filter((c) => c.type === 3).map((c) => c.name).sort()).toEqual(['Ask Xiaoliu about this', 'Summarize thread']);

    const inGuild = readConfig({ ...env, DISCORD_COMMAND_GUILD_ID: t.discord.guildId, DISCORD_APPLICATION_ID: t.discord.applicationId });
    const guild = await registerCommands(inGuild.platforms.discord!, createDefaultRouter().commands);
    expect(guild.scope).toBe(t.discord.guildId);
    expect(t.discord.registeredCommands.guilds[t.discord.guildId]!.map((c) => c.name).sort()).toEqual(['Ask Xiaoliu about this', 'Summarize thread', 'analyze', 'ask', 'audit', 'config', 'console', 'doc', 'forget', 'help', 'mcp', 'memories', 'palette', 'parallel', 'remember', 'reset', 'role', 'schedule', 'summarize', 'usage']);
  });

  it('npm run discord:register says where the commands appear: one server\'s commands never reach DMs, global ones do', async () => {
    const fake = await startFakeDiscord();
    const register = async (env: Record<string, string>, ...args: string[]) => {
      const child = spawnProcess([...nodeArgsOf('discord:register'), ...args], {
        DISCORD_TOKEN: fake.token,
        DISCORD_API_URL: fake.restUrl,
        ...env,
      });
      return { code: await child.exited, output: child.output() };
    };
    try {
      const bob = fake.addUser({ username: 'bob' });
      fake.sendMessage({ channelId: fake.channelId, author: bob, content: 'hello' }); // Bob shares a server with the bot
      const dm = fake.dmChannelFor(bob);

      const inGuild = await register({ DISCORD_COMMAND_GUILD_ID: fake.guildId });
      expect(inGuild.code).toBe(0);
      expect(fake.commandsAvailable(fake.channelId, bob)).toContain('ask');
      expect(fake.commandsAvailable(dm, bob)).toEqual([]); // Discord: guild commands are not available in DMs
      expect(inGuild.output).toContain(`in server ${fake.guildId} only`);
      expect(inGuild.output).toMatch(/not in DMs.*unset DISCORD_COMMAND_GUILD_ID/is);
      expect(inGuild.output).not.toContain(fake.token);

      const global = await register({});
      expect(global.code).toBe(0);
      expect(fake.commandsAvailable(dm, bob)).toContain('ask');
      expect(global.output).toMatch(/globally\.\nWhere they appear: in every server .* and in DMs/s);
      // The test server now lists each command twice (its own and the global one) until its copies are removed.
      expect(fake.commandsAvailable(fake.channelId, bob).filter((n) => n === 'ask')).toHaveLength(2);
      const again = await register({ DISCORD_COMMAND_GUILD_ID: fake.guildId });
      expect(again.output).toMatch(/Warning: global commands are registered too.*twice/);
      const removed = await register({ DISCORD_COMMAND_GUILD_ID: fake.guildId }, '--remove');
      expect(removed.code).toBe(0);
      expect(removed.output).toContain(`Removed Xiaoliu's commands from server ${fake.guildId}`);
      expect(fake.commandsAvailable(fake.channelId, bob).filter((n) => n === 'ask')).toHaveLength(1);
    } finally {
      await fake.close();
    }
  }, 30_000);

  it('posts a retried part once: the same delivery and part carry the same enforced nonce', async () => {
    const address = { workspaceId: t.discord.guildId, channelId: t.discord.channelId };
    const key = { deliveryId: 'discord-retried-post', part: 0 };
    const first = await egress().post(address, 'exactly once', key);
    const again = await egress().post(address, 'exactly once', key);
    expect(again.messageId).toBe(first.messageId);
    expect(t.botMessages(t.discord.channelId).filter((m) => m.content === 'exactly once')).toHaveLength(1);
    const other = await egress().post(address, 'exactly once', { ...key, part: 1 });
    expect(other.messageId).not.toBe(first.messageId);
  });

  it('answers in the channel when a command’s token has expired, and never shows a token in an error', async () => {
    const address = { workspaceId: t.discord.guildId, channelId: t.discord.channelId, adapterData: { interactionId: '1400000000000000099' } };
    const late = await egress().post(address, 'late, but here', { deliveryId: 'discord-i-1400000000000000099', part: 0 });
    expect(t.discord.channelMessages(t.discord.channelId).find((m) => m.id === late.messageId)?.content).toBe('late, but here');

    const store = new InteractionStore(redis, t.config.queuePrefix, t.config.platforms.discord!.token);
    const token = 'aW50ZXJhY3Rpb246bm90LWEtcmVhbC10b2tlbg';
    await store.save('1400000000000000098', { applicationId: t.discord.applicationId, token }, Date.now());
    expect(JSON.stringify(await redis.hgetall(`${t.config.queuePrefix}:discord:interaction:1400000000000000098`))).not.toContain(token);
    const unknown = { ...address, adapterData: { interactionId: '1400000000000000098' } };
    const error = await egress().post(unknown, 'x', { deliveryId: 'd', part: 0 }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 10015 }); // Unknown Webhook: Discord does not know this token
    expect(JSON.stringify(error, Object.getOwnPropertyNames(error)) + String(error)).not.toContain(token);
  });

  it('logs a command it could not acknowledge in time without the interaction token', async () => {
    const fake = await startFakeDiscord({ interactionAckTimeoutMs: 0 });
    const lines: string[] = [];
    const log = createLogger({ level: 'info' }, new Writable({ write: (chunk, _enc, done) => done(void lines.push(String(chunk))) }));
    const config = readConfig({ DISCORD_TOKEN: fake.token, DISCORD_API_URL: fake.restUrl }).platforms.discord!;
    const ingress = await startDiscordIngress(config, ingressDeps(log));
    try {
      const user = fake.addUser({ username: 'carol' });
      const { token } = fake.sendInteraction({ name: 'ask', options: { prompt: 'too late' }, channelId: fake.channelId, user });
      await waitFor('the error to be logged', () => lines.some((l) => l.includes('could not take a Discord command')));
      expect(lines.join('')).toContain('Unknown interaction');
      expect(lines.join('')).not.toContain(token);
    } finally {
      await ingress.stop();
      await fake.close();
    }
  });

  it('refuses to start, saying what to do, without the Message Content intent or with a wrong token', async () => {
    const fake = await startFakeDiscord({ allowedPrivilegedIntents: 0 });
    try {
      const config = readConfig({ DISCORD_TOKEN: fake.token, DISCORD_API_URL: fake.restUrl }).platforms.discord!;
      await expect(startDiscordIngress(config, ingressDeps(silentLogger()))).rejects.toThrow(/enable it on the Bot page/);
      await expect(startDiscordIngress({ ...config, token: 'a.b.c' }, ingressDeps(silentLogger()))).rejects.toThrow(/refused DISCORD_TOKEN/);
    } finally {
      await fake.close();
    }
  });
});
