import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { searchKnowledge } from '../src/knowledge/knowledge-index.js';
import { deleteExpiredData } from '../src/maintenance/retention-job.js';
import { startDiscordTestApp, type DiscordTestApp } from './support/discord-test-app.js';
import { lastUserText } from './fakes/fake-anthropic-wire.js';
import type { CapturedRequest } from './fakes/fake-anthropic.js';

// Channel memory (`remember`, `memories`, `forget memory`) and knowledge (`config knowledge on` and the search tool),
// through the real pipeline: fake Discord, the real discord.js client, the fake model, real Postgres and Redis.

const ADMIN_ID = '900000000000000001';

describe('memories and knowledge', () => {
  let t: DiscordTestApp;
  let channelA: string;
  let channelB: string;
  let otherGuild: { id: string; channelIds: string[] };
  let carol: ReturnType<DiscordTestApp['discord']['addUser']>;

  beforeAll(async () => {
    t = await startDiscordTestApp(
      { XIAOLIU_ADMINS: `discord:${ADMIN_ID}` },
      { guilds: [{ channels: [{ name: 'general' }, { name: 'ops' }, { name: 'random' }] }, { channels: [{ name: 'elsewhere' }] }] },
    );
    [channelA, channelB] = t.discord.guilds[0]!.channelIds as [string, string];
    otherGuild = t.discord.guilds[1]!;
    carol = t.discord.addUser({ id: ADMIN_ID, username: 'carol', global_name: 'Carol' });
    // The model searches when asked about "the codename", and answers with what the search returned.
    t.model.setReply((req) => {
      const result = toolResultOf(req);
      if (result !== undefined) return { kind: 'text', text: `From the history: ${result}` };
      const question = lastUserText(req.body);
      const searchable = (req.body.tools ?? []).some((tool: { name: string }) => tool.name === 'search_channel_history');
      if (searchable && question.includes('codename?')) return { kind: 'tool_use', name: 'search_channel_history', input: { query: '青柳 launch' } };
      return { kind: 'text', text: `Echo: ${question}` };
    });
  });
  afterAll(async () => {
    await t?.close();
  });

  /** Sends a message mentioning the bot and waits for its answer; returns the message and the answer's text. */
  async function ask(channelId: string, author: ReturnType<DiscordTestApp['discord']['addUser']>, text: string, guildId?: string) {
    const message = t.discord.sendMessage({ channelId, ...(guildId ? { guildId } : {}), author, content: `${t.mention} ${text}` });
    await t.answered(`discord-${message.id}`);
    const answer = t.botMessages(message.id).at(-1) ?? t.botMessages(channelId).at(-1);
    return { message, answer: answer?.content ?? '' };
  }
  const systemOfLast = () => JSON.stringify(t.model.requests.at(-1)!.body.system);

  it('gives a remembered fact to new threads in its channel, not to another channel or another server', async () => {
    const kept = await ask(channelA, t.alice, 'remember our deploy day is Tuesday');
    expect(kept.answer).toMatch(/^Noted for this channel \(#\d+\)/);

    await ask(channelA, t.bob, 'when do we deploy?');
    expect(systemOfLast()).toContain('our deploy day is Tuesday (told by Alice)');

    await ask(channelB, t.bob, 'when do we deploy?');
    expect(systemOfLast()).not.toContain('deploy day');

    await ask(otherGuild.channelIds[0]!, t.bob, 'when do we deploy?', otherGuild.id);
    expect(systemOfLast()).not.toContain('deploy day');
    const listed = await ask(otherGuild.channelIds[0]!, t.bob, 'memories', otherGuild.id);
    expect(listed.answer).toMatch(/no memories here/);
  });

  it('keeps a personal memory for its owner alone, in every channel of the server', async () => {
    const kept = await ask(channelA, t.alice, 'remember for me I prefer answers in bullet points');
    expect(kept.answer).toMatch(/^Noted for you/);
    await ask(channelB, t.alice, 'how should you answer me?');
    expect(systemOfLast()).toContain('I prefer answers in bullet points');
    await ask(channelB, t.bob, 'how should you answer me?');
    expect(systemOfLast()).not.toContain('bullet points');
    expect((await ask(channelA, t.bob, 'memories')).answer).not.toContain('bullet points');
    expect((await ask(channelA, t.alice, 'memories')).answer).toContain('bullet points');
  });

  it('lets the author or an admin forget a channel memory, nobody else, and never from another server', async () => {
    const kept = await ask(channelA, t.alice, '记住 周五不发布');
    const id = /#(\d+)/.exec(kept.answer)![1]!;
    expect((await ask(otherGuild.channelIds[0]!, carol, `forget memory ${id}`, otherGuild.id)).answer).toContain(`no memory #${id}`);
    expect((await ask(channelA, t.bob, `forget memory ${id}`)).answer).toContain('Only Alice');
    await ask(channelA, t.bob, 'anything new?');
    expect(systemOfLast()).toContain('周五不发布');

    expect((await ask(channelA, carol, `forget memory ${id}`)).answer).toBe(`Forgotten: memory #${id}.`);
    await ask(channelA, t.bob, 'anything new now?');
    expect(systemOfLast()).not.toContain('周五不发布');
    expect(systemOfLast()).toContain('deploy day is Tuesday');
  });

  it('finds what was said in a channel with knowledge on, with its permalink, and never from another channel', async () => {
    expect((await ask(channelA, t.bob, 'config knowledge on')).answer).toMatch(/Only admins/);
    expect((await ask(channelA, carol, 'config knowledge on')).answer).toMatch(/^Done \(version \d+\): knowledge on/);
    expect((await ask(channelB, carol, 'config knowledge on')).answer).toMatch(/knowledge on/);
    const said = await ask(channelA, t.alice, 'the winter launch is called 青柳计划 internally');

    const found = await ask(channelA, t.bob, 'what was the launch codename?');
    expect(found.answer).toContain('青柳计划');
    expect(found.answer).toContain(`https://discord.com/channels/${t.discord.guildId}/${channelA}/${said.message.id}`);

    // Channel B has knowledge on too, but what channel A said is not its to find.
    const elsewhere = await ask(channelB, t.bob, 'what was the launch codename?');
    expect(elsewhere.answer).toBe('From the history: No messages in this channel match.');
  });

  it('removes indexed text with the messages: forget me, retention, and knowledge turned off', async () => {
    const indexed = async (text: string, authorId = '%') =>
      Number(
        (await t.database.sql`select count(*)::int as n from knowledge_entries k join messages m on m.id = k.message_id
          where m.text like ${`%${text}%`} and m.author_id like ${authorId}`)[0]!.n,
      );
    expect(await indexed('青柳计划', t.alice.id)).toBe(1);
    const key = { platform: 'discord', workspaceId: t.discord.guildId, channelId: channelA };
    const aliceHits = async () => (await searchKnowledge(t.database.sql, key, '青柳')).filter((hit) => hit.authorName === 'Alice');
    expect(await aliceHits()).toHaveLength(1);
    await ask(channelA, t.alice, 'forget me');
    expect(await indexed('青柳计划', t.alice.id)).toBe(0);
    // Her message is no hit any more (Xiaoliu's answers to others that quoted it are theirs, and stay until retention).
    expect(await aliceHits()).toEqual([]);
    expect((await t.database.sql`select count(*)::int as n from memories where scope = 'person' and author_id = ${t.alice.id}`)[0]!.n).toBe(0);

    await ask(channelA, t.bob, 'our on-call rota lives in the wiki 值班表');
    expect(await indexed('值班表')).toBeGreaterThan(0);
    await t.database.sql`update messages set created_at = now() - interval '400 days' where text like '%值班表%'`;
    await deleteExpiredData(t.database.sql, { days: 90 });
    expect(await indexed('值班表')).toBe(0);

    await ask(channelB, t.bob, 'the backup window is 02:00 UTC');
    expect(await indexed('backup window')).toBeGreaterThan(0);
    await ask(channelB, carol, 'config knowledge off');
    expect(await indexed('backup window')).toBe(0);
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
