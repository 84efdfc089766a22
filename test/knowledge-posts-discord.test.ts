import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { searchKnowledge } from '../src/knowledge/knowledge-index.js';
import { deleteExpiredData } from '../src/maintenance/retention-job.js';
import { lastUserText } from './fakes/fake-anthropic-wire.js';
import type { CapturedRequest } from './fakes/fake-anthropic.js';
import { startDiscordTestApp, type DiscordTestApp } from './support/discord-test-app.js';
import { waitFor } from './support/wait-for.js';

// Knowledge of everything people post in a channel with `config knowledge on` (not only what they ask Xiaoliu), on
// Discord: MESSAGE_CREATE / MESSAGE_UPDATE / MESSAGE_DELETE through the real discord.js client and the fake gateway,
// the backfill of the channel's history through the fake REST API, and the search tool through the fake model.

const ADMIN_ID = '900000000000000002';

describe('knowledge of a Discord channel’s messages', () => {
  let t: DiscordTestApp;
  let channelA: string;
  let channelB: string;
  let quiet: string;
  let otherGuild: { id: string; channelIds: string[] };
  let carol: ReturnType<DiscordTestApp['discord']['addUser']>;
  let deployBot: ReturnType<DiscordTestApp['discord']['addUser']>;

  beforeAll(async () => {
    t = await startDiscordTestApp(
      { XIAOLIU_ADMINS: `discord:${ADMIN_ID}` },
      { guilds: [{ channels: [{ name: 'general' }, { name: 'ops' }, { name: 'quiet' }] }, { channels: [{ name: 'elsewhere' }] }] },
    );
    [channelA, channelB, quiet] = t.discord.guilds[0]!.channelIds as [string, string, string];
    otherGuild = t.discord.guilds[1]!;
    carol = t.discord.addUser({ id: ADMIN_ID, username: 'carol', global_name: 'Carol' });
    deployBot = t.discord.addUser({ username: 'deploybot', global_name: 'Deploy Bot', bot: true });
    // The model searches for the words after "search:", and answers with what the search returned.
    t.model.setReply((req) => {
      const result = toolResultOf(req);
      if (result !== undefined) return { kind: 'text', text: `From the history: ${result}` };
      const question = lastUserText(req.body);
      const searchable = (req.body.tools ?? []).some((tool: { name: string }) => tool.name === 'search_channel_history');
      const everywhere = /search everywhere: (.+)$/.exec(question)?.[1];
      if (searchable && everywhere) return { kind: 'tool_use', name: 'search_channel_history', input: { query: everywhere, everywhere: true } };
      const query = /search: (.+)$/.exec(question)?.[1];
      if (searchable && query) return { kind: 'tool_use', name: 'search_channel_history', input: { query } };
      return { kind: 'text', text: `Echo: ${question}` };
    });
  });
  afterAll(async () => {
    await t?.close();
  });

  async function ask(channelId: string, author: ReturnType<DiscordTestApp['discord']['addUser']>, text: string, guildId?: string) {
    const message = t.discord.sendMessage({ channelId, ...(guildId ? { guildId } : {}), author, content: `${t.mention} ${text}` });
    await t.answered(`discord-${message.id}`);
    const answer = t.botMessages(message.id).at(-1) ?? t.botMessages(channelId).at(-1);
    return answer?.content ?? '';
  }
  /** A message people post in the channel, not addressed to Xiaoliu. */
  const post = (channelId: string, author: ReturnType<DiscordTestApp['discord']['addUser']>, content: string, guildId?: string) =>
    t.discord.sendMessage({ channelId, ...(guildId ? { guildId } : {}), author, content });
  const postRow = async (messageId: string) =>
    (await t.database.sql<{ text: string; channel_id: string; author_name: string; from_bot: boolean }[]>`
      select text, channel_id, author_name, from_bot from channel_posts where platform = 'discord' and message_id = ${messageId}`)[0];
  /** Waits until everything the gateway has heard so far went through the index: a barrier message, then the writes. */
  async function indexSettled(): Promise<void> {
    const barrier = post(channelA, t.bob, `barrier ${Date.now()}`);
    await waitFor('the barrier message to be indexed', () => postRow(barrier.id));
    await t.app.ingress.posts.settled();
  }

  it('indexes the channel’s recent history when knowledge is turned on, and what is posted from then on, without answering it', async () => {
    const before = post(channelA, t.bob, 'the vpn gateway lives at vpn.example.com 网关地址');
    const offChannel = post(quiet, t.bob, 'the quiet channel secret is 安静密码');
    expect(await ask(channelA, carol, 'config knowledge on')).toMatch(/^Done \(version \d+\): knowledge on\. I indexed [1-9]\d* earlier messages? of this channel/);
    expect((await postRow(before.id))?.text).toBe('the vpn gateway lives at vpn.example.com 网关地址');
    expect(await ask(channelB, carol, 'config knowledge on')).toMatch(/knowledge on/);

    const said = post(channelA, t.alice, 'the winter launch is called 青柳计划 internally');
    const row = await waitFor('the plain message to be indexed', () => postRow(said.id));
    expect(row).toMatchObject({ channel_id: channelA, author_name: 'Alice', from_bot: false });
    // Indexed, not answered: no delivery was queued for it, and Xiaoliu posted nothing in reply.
    expect(await t.database.sql`select id from inbound_deliveries where id = ${`discord-${said.id}`}`).toEqual([]);

    const found = await ask(channelA, t.bob, 'what is the codename? search: 青柳 launch');
    expect(found).toContain('青柳计划');
    expect(found).toContain(`https://discord.com/channels/${t.discord.guildId}/${channelA}/${said.id}`);
    // Channel B has knowledge on too; what channel A's people said is not its to find.
    expect(await ask(channelB, t.bob, 'what is the codename? search: 青柳 launch')).toBe('From the history: No messages in this channel match.');

    await indexSettled();
    expect(await postRow(offChannel.id)).toBeUndefined();
  });

  it('indexes other bots’ posts as bots’, and never Xiaoliu’s own messages', async () => {
    const notice = post(channelA, deployBot, 'deployed build 4711 to production');
    expect(await waitFor('the bot post to be indexed', () => postRow(notice.id))).toMatchObject({ from_bot: true, author_name: 'Deploy Bot' });
    await indexSettled();
    const own = await t.database.sql`select count(*)::int as n from channel_posts where author_id = ${t.discord.botUser.id}`;
    expect(own[0]!.n).toBe(0);
  });

  it('follows edits and deletions on Discord', async () => {
    const key = { platform: 'discord', workspaceId: t.discord.guildId, channelId: channelA };
    const said = post(channelA, t.alice, 'the staging database is called 红杉 db');
    await waitFor('the message to be indexed', () => postRow(said.id));
    t.discord.editUserMessage(channelA, said.id, 'the staging database is called 银杏 db');
    await waitFor('the edit to be indexed', async () => (await postRow(said.id))?.text.includes('银杏'));
    expect(await searchKnowledge(t.database.sql, key, '红杉')).toEqual([]);
    expect((await searchKnowledge(t.database.sql, key, '银杏')).map((hit) => hit.text)).toEqual(['the staging database is called 银杏 db']);

    t.discord.deleteUserMessage(channelA, said.id);
    await waitFor('the deleted message to leave the index', async () => !(await postRow(said.id)));
    expect(await searchKnowledge(t.database.sql, key, '银杏')).toEqual([]);
  });

  it('keeps each server’s posts to itself', async () => {
    expect(await ask(otherGuild.channelIds[0]!, carol, 'config knowledge on', otherGuild.id)).toMatch(/knowledge on/);
    const there = post(otherGuild.channelIds[0]!, t.alice, 'the other server calls it 枫叶计划', otherGuild.id);
    await waitFor('the other server’s post to be indexed', () => postRow(there.id));
    expect(await ask(channelA, t.bob, 'search: 枫叶')).toBe('From the history: No messages in this channel match.');
    expect(await ask(otherGuild.channelIds[0]!, t.bob, 'search: 枫叶', otherGuild.id)).toContain('枫叶计划');
  });

  it('searches other public channels of the server the asker can read when asked to, never a private one or another server’s', async () => {
    const VIEW = String(1n << 10n);
    const VIEW_AND_HISTORY = String((1n << 10n) | (1n << 16n));
    // `quiet`: @everyone may not view it; Alice may. Knowledge is on there, and Alice posts in it.
    t.discord.setOverwrites(quiet, [
      { id: t.discord.guildId, type: 0, allow: '0', deny: VIEW },
      { id: t.alice.id, type: 1, allow: VIEW_AND_HISTORY, deny: '0' },
    ]);
    expect(await ask(quiet, carol, 'config knowledge on')).toMatch(/knowledge on/);
    const secret = post(quiet, t.alice, 'the private plan is 私密计划');
    await waitFor('the private channel’s post to be indexed', () => postRow(secret.id));

    const nothing = 'From the history: No messages in this channel or the public channels you can read match.';
    // Bob may not read channel A's history (an overwrite for him): its messages are not his to find from elsewhere.
    // (Each query here uses terms not yet said in B: what is asked and answered in B is B's history, and found.)
    t.discord.setOverwrites(channelA, [{ id: t.bob.id, type: 1, allow: '0', deny: String(1n << 16n) }]);
    expect(await ask(channelB, t.bob, 'search everywhere: winter internally')).toBe(nothing);
    t.discord.setOverwrites(channelA, []);
    const found = await ask(channelB, t.bob, 'search everywhere: winter internally');
    expect(found).toContain('青柳计划');
    expect(found).toContain(`in another channel, https://discord.com/channels/${t.discord.guildId}/${channelA}/`);
    // Not public, even to Alice who may read it; another server's public channel never.
    expect(await ask(channelB, t.bob, 'search everywhere: 私密')).toBe(nothing);
    expect(await ask(channelB, t.alice, 'search everywhere: private plan')).toBe(nothing);
    expect(await ask(channelB, t.bob, 'search everywhere: other server calls')).toBe(nothing);
  });

  it('removes posts with forget me, retention and knowledge turned off', async () => {
    const mine = post(channelA, t.bob, 'bob says the coffee machine code is 咖啡 1234');
    await waitFor('bob’s post to be indexed', () => postRow(mine.id));
    expect(await ask(channelA, t.bob, 'forget me')).toMatch(/removed \d+ of your channel messages? from the search index/);
    expect(await postRow(mine.id)).toBeUndefined();

    const old = post(channelA, t.alice, 'an old note about 旧笔记');
    await waitFor('the old note to be indexed', () => postRow(old.id));
    await t.database.sql`update channel_posts set posted_at = now() - interval '400 days' where message_id = ${old.id}`;
    expect((await deleteExpiredData(t.database.sql, { days: 90 })).channelPosts).toBeGreaterThan(0);
    expect(await postRow(old.id)).toBeUndefined();

    const kept = post(channelB, t.alice, 'the backup window is 02:00 UTC');
    await waitFor('channel B’s post to be indexed', () => postRow(kept.id));
    await ask(channelB, carol, 'config knowledge off');
    expect(await postRow(kept.id)).toBeUndefined();
  });
});

/** The text of a tool_result in the request's last user turn, if it has one. */
function toolResultOf(req: CapturedRequest): string | undefined {
  const last = (req.body.messages as { role: string; content: unknown }[]).at(-1);
  if (!Array.isArray(last?.content)) return undefined;
  const block = (last.content as { type: string; content?: unknown }[]).find((b) => b.type === 'tool_result');
  if (!block) return undefined;
  return typeof block.content === 'string' ? block.content : JSON.stringify(block.content);
}
