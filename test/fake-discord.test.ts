// The fake Discord driven by the REAL discord.js Client: if these pass, a bot tested against the fake is talking to
// something discord.js accepts as Discord.
import { once } from 'node:events';
import {
  ActionRowBuilder,
  ButtonBuilder,
  ButtonStyle,
  ChannelType,
  Client,
  DiscordAPIError,
  Events,
  GatewayIntentBits,
  MessageFlags,
  MessageType,
  Partials,
  REST,
  Routes,
  type APIMessage,
  type ClientOptions,
  type Message,
} from 'discord.js';
import { afterEach, describe, expect, it } from 'vitest';
import { startFakeDiscord, type FakeDiscord, type FakeDiscordOptions } from './fakes/fake-discord.js';
import { RateLimiter } from './fakes/fake-discord-ratelimit.js';

const INTENTS = [
  GatewayIntentBits.Guilds,
  GatewayIntentBits.GuildMessages,
  GatewayIntentBits.MessageContent,
  GatewayIntentBits.DirectMessages,
];

let fake: FakeDiscord | undefined;
let client: Client | undefined;

afterEach(async () => {
  await client?.destroy();
  client = undefined;
  await fake?.close();
  fake = undefined;
});

async function setup(options: FakeDiscordOptions = {}, clientOptions: Partial<ClientOptions> = {}) {
  const f = (fake = await startFakeDiscord(options));
  const c = (client = new Client({ intents: INTENTS, partials: [Partials.Channel], rest: { api: f.restUrl }, ...clientOptions }));
  const ready = once(c, Events.ClientReady);
  await c.login(f.token);
  await ready;
  return { fake: f, client: c as Client<true> };
}

/** Resolves with the next event whose arguments pass `filter`. */
function next<T>(c: Client, event: string, filter: (arg: T) => boolean = () => true, timeoutMs = 3000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${event} within ${timeoutMs} ms`)), timeoutMs);
    const listener = (arg: T) => {
      if (!filter(arg)) return;
      clearTimeout(timer);
      c.off(event, listener);
      resolve(arg);
    };
    c.on(event, listener);
  });
}

const fromUser = (m: Message) => !m.author.bot;

async function until(check: () => boolean, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('fake Discord with the real discord.js Client', () => {
  it('logs in and becomes ready quickly, with guild, channel, roles and its own member cached', async () => {
    const started = Date.now();
    const { fake, client } = await setup();
    expect(Date.now() - started).toBeLessThan(2000);
    expect(client.user.id).toBe(fake.botUser.id);
    expect(client.application.id).toBe(fake.applicationId);
    const guild = client.guilds.cache.get(fake.guildId)!;
    expect(guild.channels.cache.get(fake.channelId)?.type).toBe(ChannelType.GuildText);
    expect(guild.roles.everyone.id).toBe(fake.guildId);
    expect(guild.members.me?.id).toBe(fake.botUser.id);
    expect(fake.identifies).toHaveLength(1);
    expect(fake.identifies[0]!.intents & GatewayIntentBits.MessageContent).toBeTruthy();
    expect(fake.connections[0]!.query).toEqual({ v: '10', encoding: 'json' });
    expect(fake.calls.map((c) => `${c.method} ${c.path}`)).toContain('GET /gateway/bot');
  });

  it('delivers guild messages and lets the bot reply, send and edit', async () => {
    const { fake, client } = await setup();
    const alice = fake.addUser({ username: 'alice', global_name: 'Alice' });
    const received = next<Message>(client, Events.MessageCreate, fromUser);
    fake.sendMessage({ channelId: fake.channelId, author: alice, content: `<@${fake.botUser.id}> hello` });
    const message = await received;
    expect(message.content).toBe(`<@${fake.botUser.id}> hello`);
    expect(message.author.globalName).toBe('Alice');
    expect(message.guildId).toBe(fake.guildId);
    expect(message.member?.id).toBe(alice.id);
    expect(message.mentions.has(client.user)).toBe(true);

    // Discord echoes the bot's own messages back over the gateway: a bot must skip them.
    const echo = next<Message>(client, Events.MessageCreate, (m) => m.author.id === client.user.id);
    const reply = await message.reply('thinking…');
    expect((await echo).id).toBe(reply.id);
    const edited = await reply.edit('done');
    expect(edited.content).toBe('done');
    if (!message.channel.isSendable()) throw new Error('channel not sendable');
    await message.channel.send({ content: `hey <@${alice.id}>`, allowedMentions: { parse: [] } });

    const stored = fake.channelMessages(fake.channelId);
    expect(stored.map((m) => m.content)).toEqual([`<@${fake.botUser.id}> hello`, 'done', `hey <@${alice.id}>`]);
    expect(stored[1]).toMatchObject({ type: 19, editCount: 1, message_reference: { message_id: message.id } });
    expect(stored[1]!.edited_timestamp).not.toBeNull();
    expect(stored[2]!.allowedMentions).toEqual({ parse: [] });
    const post = fake.calls.find((c) => c.method === 'POST' && c.body?.content?.startsWith('hey'));
    expect(post?.body.allowed_mentions).toEqual({ parse: [] });
  });

  it('delivers DMs (channel_type 1) through Partials.Channel and the bot can answer them', async () => {
    const { fake, client } = await setup();
    const bob = fake.addUser({ username: 'bob' });
    const dmId = fake.dmChannelFor(bob);
    const received = next<Message>(client, Events.MessageCreate, fromUser);
    fake.sendMessage({ channelId: dmId, author: bob, content: 'psst' });
    const message = await received;
    expect(message.channel.type).toBe(ChannelType.DM);
    expect(message.guildId).toBeNull();
    expect(message.content).toBe('psst');
    await message.reply('hello bob');
    expect(fake.channelMessages(dmId).map((m) => m.content)).toEqual(['psst', 'hello bob']);
  });

  it('blanks guild message content without the MESSAGE_CONTENT intent, except when the bot is mentioned', async () => {
    const { fake, client } = await setup({}, { intents: [GatewayIntentBits.Guilds, GatewayIntentBits.GuildMessages] });
    const alice = fake.addUser({ username: 'alice' });
    const plain = next<Message>(client, Events.MessageCreate, fromUser);
    fake.sendMessage({ channelId: fake.channelId, author: alice, content: 'secret' });
    expect((await plain).content).toBe('');
    const mention = next<Message>(client, Events.MessageCreate, fromUser);
    fake.sendMessage({ channelId: fake.channelId, author: alice, content: `<@${fake.botUser.id}> visible` });
    expect((await mention).content).toBe(`<@${fake.botUser.id}> visible`);
  });

  it('starts a thread from a message and talks in it', async () => {
    const { fake, client } = await setup();
    const alice = fake.addUser({ username: 'alice' });
    const received = next<Message>(client, Events.MessageCreate, fromUser);
    fake.sendMessage({ channelId: fake.channelId, author: alice, content: 'long question' });
    const message = await received;

    const thread = await message.startThread({ name: 'Answer' });
    expect(thread.id).toBe(message.id); // Discord gives a message's thread the message's id
    expect(thread.parentId).toBe(fake.channelId);
    await thread.send('first answer');
    await thread.join();
    expect(fake.threads).toMatchObject([
      { id: thread.id, type: ChannelType.PublicThread, name: 'Answer', parent_id: fake.channelId, guild_id: fake.guildId },
    ]);
    expect(fake.threads[0]!.memberIds).toContain(fake.botUser.id);
    // The thread opens with a type-21 starter: no content, a reference to the message in the parent channel.
    const [starter, answer] = fake.channelMessages(thread.id);
    expect(starter).toMatchObject({ type: MessageType.ThreadStarterMessage, content: '', attachments: [], embeds: [] });
    expect(starter!.message_reference).toMatchObject({ message_id: message.id, channel_id: fake.channelId, guild_id: fake.guildId });
    expect(answer!.content).toBe('first answer');
    expect(fake.threads[0]!.message_count).toBe(1); // not counting the starter
    const [fetched] = [...(await thread.messages.fetch({ limit: 10 })).values()].filter((m) => m.type === MessageType.ThreadStarterMessage);
    expect(fetched!.reference?.messageId).toBe(message.id);
    expect((await thread.fetchStarterMessage())?.content).toBe('long question'); // discord.js: GET parent/messages/{thread id}
    const raw = (await new REST({ api: fake.restUrl }).setToken(fake.token).get(Routes.channelMessages(thread.id))) as APIMessage[];
    expect(raw.at(-1)!.referenced_message).toMatchObject({ id: message.id, content: 'long question' });

    const inThread = next<Message>(client, Events.MessageCreate, fromUser);
    fake.sendMessage({ channelId: thread.id, author: alice, content: 'follow-up' });
    const followUp = await inThread;
    expect(followUp.channel.isThread()).toBe(true);
    expect(followUp.channelId).toBe(thread.id);

    if (message.channel.type !== ChannelType.GuildText) throw new Error('not a text channel');
    const plain = await message.channel.threads.create({ name: 'No starter', type: ChannelType.PublicThread });
    expect(plain.type).toBe(ChannelType.PublicThread);
    await expect(message.startThread({ name: 'again' })).rejects.toMatchObject({ code: 160004 });
  });

  it('delivers a slash command as ChatInputCommandInteraction; defer, editReply and followUp work', async () => {
    const { fake, client } = await setup();
    const alice = fake.addUser({ username: 'alice' });
    const handled = new Promise<string>((resolve, reject) => {
      client.on(Events.InteractionCreate, async (interaction) => {
        try {
          if (!interaction.isChatInputCommand()) return reject(new Error('not a chat input command'));
          const prompt = interaction.options.getString('prompt', true);
          await interaction.deferReply();
          await interaction.editReply(`answer to ${prompt}`);
          await interaction.followUp({ content: 'and more' });
          resolve(interaction.commandName);
        } catch (err) {
          reject(err);
        }
      });
    });
    const { id } = fake.sendInteraction({ name: 'ask', options: { prompt: 'why' }, channelId: fake.channelId, user: alice });
    expect(await handled).toBe('ask');
    expect(fake.interactionResponses(id).map((r) => [r.kind, r.type])).toEqual([
      ['callback', 5],
      ['editOriginal', undefined],
      ['followUp', undefined],
    ]);
    const stored = fake.channelMessages(fake.channelId);
    expect(stored.map((m) => [m.content, m.flags, m.author.id])).toEqual([
      ['answer to why', 0, fake.botUser.id], // the "thinking…" flag (128) is gone after editReply
      ['and more', 0, fake.botUser.id],
    ]);
    expect(stored[0]!.interaction_metadata).toMatchObject({ id, user: { id: alice.id } });
  });

  it('takes a slash command in a DM and an ephemeral reply (callback type 4)', async () => {
    const { fake, client } = await setup();
    const bob = fake.addUser({ username: 'bob' });
    const dmId = fake.dmChannelFor(bob);
    const handled = new Promise<void>((resolve, reject) => {
      client.on(Events.InteractionCreate, async (interaction) => {
        try {
          if (!interaction.isChatInputCommand()) throw new Error('not a chat input command');
          expect(interaction.inGuild()).toBe(false);
          expect(interaction.channel?.type).toBe(ChannelType.DM);
          expect(interaction.user.id).toBe(bob.id);
          await interaction.reply({ content: 'only you can see this', flags: MessageFlags.Ephemeral });
          resolve();
        } catch (err) {
          reject(err);
        }
      });
    });
    const { id } = fake.sendInteraction({ name: 'reset', channelId: dmId, user: bob });
    await handled;
    expect(fake.interactionResponses(id).map((r) => [r.kind, r.type])).toEqual([['callback', 4]]);
    expect(fake.channelMessages(dmId)).toMatchObject([{ content: 'only you can see this', flags: MessageFlags.Ephemeral }]);
  });

  it('delivers a button press as ButtonInteraction; update() edits the message carrying the button', async () => {
    const { fake, client } = await setup();
    const channel = await client.channels.fetch(fake.channelId);
    if (!channel?.isSendable()) throw new Error('channel not sendable');
    const stop = new ButtonBuilder().setCustomId('stop').setLabel('Stop').setStyle(ButtonStyle.Secondary);
    const row = new ActionRowBuilder<ButtonBuilder>().addComponents(stop);
    const sent = await channel.send({ content: 'Working…', components: [row] });
    const handled = new Promise<string>((resolve, reject) => {
      client.on(Events.InteractionCreate, async (interaction) => {
        try {
          if (!interaction.isButton()) throw new Error('not a button');
          expect(interaction.message.id).toBe(sent.id);
          await interaction.update({ content: 'Stopped', components: [] });
          resolve(interaction.customId);
        } catch (err) {
          reject(err);
        }
      });
    });
    const alice = fake.addUser({ username: 'alice' });
    const press = { type: 3, customId: 'stop', messageId: sent.id, channelId: fake.channelId, user: alice } as const;
    const { id } = fake.sendInteraction(press);
    expect(await handled).toBe('stop');
    expect(fake.channelMessages(fake.channelId)).toMatchObject([{ id: sent.id, content: 'Stopped', components: [] }]);
    expect(fake.interactionResponses(id).map((r) => [r.kind, r.type])).toEqual([['callback', 7]]);
  });

  it('rejects an interaction acknowledged too late, like Discord after 3 s', async () => {
    const { fake, client } = await setup({ interactionAckTimeoutMs: 50 });
    const outcome = new Promise<unknown>((resolve) => {
      client.on(Events.InteractionCreate, async (interaction) => {
        await new Promise((r) => setTimeout(r, 100));
        if (interaction.isRepliable()) interaction.reply('late').then(resolve, resolve);
      });
    });
    fake.sendInteraction({ name: 'ask', channelId: fake.channelId, user: fake.addUser({ username: 'alice' }) });
    const error = await outcome;
    expect(error).toBeInstanceOf(DiscordAPIError);
    expect(error).toMatchObject({ code: 10062, status: 404 });
  });

  it('waits out a forced 429 on an edit and then succeeds', async () => {
    const { fake, client } = await setup();
    const channel = await client.channels.fetch(fake.channelId);
    if (!channel?.isSendable()) throw new Error('channel not sendable');
    const sent = await channel.send('v1');
    fake.rateLimitNext('PATCH /channels/:id/messages/:id', 1, 0.2);
    const started = Date.now();
    await sent.edit('v2');
    expect(Date.now() - started).toBeGreaterThanOrEqual(200);
    expect(fake.count429).toBe(1);
    expect(fake.channelMessages(fake.channelId)[0]!.content).toBe('v2');
    expect(fake.calls.filter((c) => c.method === 'PATCH').map((c) => c.status)).toEqual([429, 200]);
  });

  it('limits posts per channel: discord.js waits on the headers; a raw client gets Discord-shaped 429s', async () => {
    const { fake, client } = await setup({ postsPer5s: 2, rateLimitWindowMs: 300 });
    const channel = await client.channels.fetch(fake.channelId);
    if (!channel?.isSendable()) throw new Error('channel not sendable');
    await Promise.all(['a', 'b', 'c'].map((content) => channel.send(content)));
    const posts = fake.calls.filter((c) => c.method === 'POST' && c.path.endsWith('/messages'));
    expect(posts.map((c) => c.status)).toEqual([200, 200, 200]);
    expect(posts[2]!.at - posts[0]!.at).toBeGreaterThanOrEqual(250); // held back until the window reset
    expect(fake.count429).toBe(0);

    const post = () =>
      fetch(`${fake.restUrl}/v10/channels/${fake.channelId}/messages`, {
        method: 'POST',
        headers: { authorization: `Bot ${fake.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ content: 'raw' }),
      });
    await new Promise((r) => setTimeout(r, 450)); // past the window the last discord.js post opened
    const ok = await post();
    expect(ok.headers.get('x-ratelimit-limit')).toBe('2');
    expect(ok.headers.get('x-ratelimit-remaining')).toBe('1');
    expect(ok.headers.get('x-ratelimit-bucket')).toMatch(/^[0-9a-f]{32}$/);
    await post();
    const limited = await post();
    expect(limited.status).toBe(429);
    expect(limited.headers.get('x-ratelimit-scope')).toBe('user');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    const body = (await limited.json()) as { retry_after: number; global: boolean };
    expect(body.global).toBe(false);
    expect(body.retry_after).toBeGreaterThan(0);
    expect(body.retry_after).toBeLessThanOrEqual(0.3);
    expect(fake.count429).toBe(1);
  });

  it("counts the global limit per bot over all its clients, sparing interaction webhooks (Discord's 50 a second)", async () => {
    fake = await startFakeDiscord({ globalPerSecond: 4 });
    const typing = (token: string) =>
      fetch(`${fake!.restUrl}/v10/channels/${fake!.channelId}/typing`, { method: 'POST', headers: { authorization: `Bot ${token}` } });
    // Every request with the bot's token counts, whichever client sends it: the fifth within the second is refused.
    const statuses = [];
    for (let i = 0; i < 5; i++) statuses.push((await typing(fake.token)).status);
    expect(statuses).toEqual([204, 204, 204, 204, 429]);
    const limited = await typing(fake.token);
    expect(limited.headers.get('x-ratelimit-scope')).toBe('global');
    expect(limited.headers.get('x-ratelimit-global')).toBe('true');
    expect(((await limited.json()) as { global: boolean }).global).toBe(true);
    // Interaction webhooks carry no bot token and are not bound by it: an unknown one is a 404, not a 429.
    const webhook = await fetch(`${fake.restUrl}/v10/webhooks/${fake.applicationId}/no-such-token/messages/@original`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ content: 'x' }),
    });
    expect(webhook.status).not.toBe(429);
  });

  it('counts the global limit over any second, a rolling window, not one that restarts every second', () => {
    const limiter = new RateLimiter({ enabled: true, postsPer5s: 5, editsPer5s: 5, windowMs: 5000, globalPerSecond: 4 });
    const typing = (channel: string, at: number) => limiter.check('POST', `/channels/${channel}/typing`, 'Bot t', at).limited;
    // Two at t = 0 and two at t = 600 ms: a fifth within the second is refused until the first two are a second old…
    expect([typing('1', 0), typing('2', 0), typing('3', 600), typing('4', 600)]).toEqual([undefined, undefined, undefined, undefined]);
    expect(typing('5', 900)).toEqual({ scope: 'global', retryAfterSeconds: 0.1 });
    // …then two fit, not four: the two from t = 600 ms are still within the last second.
    expect([typing('6', 1000), typing('7', 1000)]).toEqual([undefined, undefined]);
    expect(typing('8', 1000)).toEqual({ scope: 'global', retryAfterSeconds: 0.6 });
  });

  it('resumes after a dropped connection and delivers a message sent meanwhile exactly once', async () => {
    const { fake, client } = await setup();
    const alice = fake.addUser({ username: 'alice' });
    const seen: string[] = [];
    client.on(Events.MessageCreate, (m) => void (fromUser(m) && seen.push(m.content)));
    const resumed = once(client, Events.ShardResume);
    fake.dropConnection();
    fake.sendMessage({ channelId: fake.channelId, author: alice, content: 'while you were away' });
    await resumed;
    expect(fake.resumes).toBe(1);
    expect(fake.identifies).toHaveLength(1);
    expect(fake.resumeAttempts[0]!.replayed).toBe(1);
    expect(fake.connections.at(-1)!.path).toBe('/resume'); // discord.js resumes on READY's resume_gateway_url
    await until(() => seen.length > 0);
    fake.sendMessage({ channelId: fake.channelId, author: alice, content: 'after' });
    await until(() => seen.length > 1);
    expect(seen).toEqual(['while you were away', 'after']);

    const again = once(client, Events.ShardResume);
    fake.requestReconnect(); // op 7
    await again;
    expect(fake.resumes).toBe(2);
  });

  it('re-identifies when the session cannot be resumed (op 9); events in the gap are lost', async () => {
    // The default identify throttle would hold a second IDENTIFY for up to 6.5 s; skip it here.
    const noThrottle = { buildIdentifyThrottler: async () => ({ waitForIdentify: async () => {} }) };
    const { fake, client } = await setup({}, { ws: noThrottle });
    const alice = fake.addUser({ username: 'alice' });
    const seen: string[] = [];
    client.on(Events.MessageCreate, (m) => void (fromUser(m) && seen.push(m.content)));
    const readyAgain = once(client, Events.ShardReady);
    fake.dropConnection({ invalidateSession: true });
    fake.sendMessage({ channelId: fake.channelId, author: alice, content: 'lost' });
    await readyAgain;
    expect(fake.resumeAttempts.map((r) => r.ok)).toEqual([false]);
    expect(fake.identifies).toHaveLength(2);
    fake.sendMessage({ channelId: fake.channelId, author: alice, content: 'new session' });
    await until(() => seen.length > 0);
    expect(seen).toEqual(['new session']);
  });

  it('registers global and guild commands, keeping ids across re-registration', async () => {
    const { fake, client } = await setup();
    const prompt = { type: 3, name: 'prompt', description: 'What to ask', required: true };
    const commands = [{ name: 'ask', description: 'Ask Xiaoliu', options: [prompt] }];
    const set = await client.application.commands.set(commands);
    const first = set.first()!;
    expect(first.name).toBe('ask');
    expect(fake.registeredCommands.global).toMatchObject([{ id: first.id, name: 'ask', application_id: fake.applicationId }]);
    expect((await client.application.commands.set(commands)).first()!.id).toBe(first.id);

    const rest = new REST({ api: fake.restUrl }).setToken(fake.token);
    const guildCommands = [{ name: 'reset', description: 'Forget the conversation' }];
    await rest.put(Routes.applicationGuildCommands(fake.applicationId, fake.guildId), { body: guildCommands });
    expect(fake.registeredCommands.guilds[fake.guildId]).toMatchObject([{ name: 'reset', guild_id: fake.guildId }]);
    const invalid = rest.put(Routes.applicationCommands(fake.applicationId), { body: [{ name: 'Bad Name', description: 'x' }] });
    await expect(invalid).rejects.toMatchObject({ code: 50035 });

    const received = next<{ commandId: string }>(client, Events.InteractionCreate);
    const user = fake.addUser({ username: 'alice' });
    fake.sendInteraction({ name: 'ask', options: { prompt: 'x' }, channelId: fake.channelId, user });
    expect((await received).commandId).toBe(first.id);
  });

  it('rejects a wrong token on REST (401) and at login', async () => {
    const f = (fake = await startFakeDiscord());
    const res = await fetch(`${f.restUrl}/v10/users/@me`, { headers: { authorization: 'Bot nope' } });
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ message: '401: Unauthorized', code: 0 });
    const c = (client = new Client({ intents: INTENTS, rest: { api: f.restUrl } }));
    await expect(c.login('nope')).rejects.toMatchObject({ code: 'TokenInvalid' });
  });

  it('takes typing, file uploads, Discord validation errors, and acknowledges heartbeats', async () => {
    const { fake, client } = await setup({ heartbeatIntervalMs: 50 });
    const channel = await client.channels.fetch(fake.channelId);
    if (!channel?.isSendable()) throw new Error('channel not sendable');
    await channel.sendTyping();
    expect(fake.typing.get(fake.channelId)).toBe(1);

    const csv = { attachment: Buffer.from('a,b\n1,2\n'), name: 'data.csv' };
    const sent = await channel.send({ content: 'see file', files: [csv] });
    expect(sent.attachments.first()?.name).toBe('data.csv');
    const stored = fake.channelMessages(fake.channelId)[0]!;
    expect(stored.files.map((f) => [f.field, f.name, f.data.toString()])).toEqual([['files[0]', 'data.csv', 'a,b\n1,2\n']]);

    await expect(channel.send('x'.repeat(2001))).rejects.toMatchObject({ code: 50035, status: 400 });
    await until(() => fake.heartbeats > 0, 1000);
    await until(() => client.ws.ping >= 0, 1000);
  });
});
