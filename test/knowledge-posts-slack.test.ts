import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { searchKnowledge } from '../src/knowledge/knowledge-index.js';
import { lastUserText } from './fakes/fake-anthropic-wire.js';
import type { CapturedRequest } from './fakes/fake-anthropic.js';
import { appMentionEvent, messageChangedEvent, messageDeletedEvent, messageEvent, nextEventTs, sendSlackEvent } from './fakes/slack-events.js';
import { SLACK_TEST_SECRET, startSlackTestApp, type SlackTestApp } from './support/slack-test-app.js';
import { waitFor } from './support/wait-for.js';
import { waitForAnswer } from './support/wait-for-answer.js';

// Knowledge of everything people post in a Slack channel with `config knowledge on`: plain message.channels /
// message.groups events through Bolt (signed HTTP events), message_changed and message_deleted, the backfill through
// conversations.history, and the search tool through the fake model.

/** A message's ts a day ago: within the backfill's 90 days. */
const YESTERDAY = `${Math.floor(Date.now() / 1000) - 86_400}.000100`;

describe('knowledge of a Slack channel’s messages', () => {
  let t: SlackTestApp;

  beforeAll(async () => {
    t = await startSlackTestApp({ XIAOLIU_ADMINS: 'slack:UADMIN' }, (slack) => {
      slack.seedUser({ id: 'U1', real_name: 'Alice', display_name: 'Alice' });
      slack.seedUser({ id: 'U2', real_name: 'Bob', display_name: 'Bob' });
      slack.seedUser({ id: 'UGUEST', real_name: 'Gus', display_name: 'Gus', is_restricted: true });
      for (const id of ['C1', 'C2', 'C5']) slack.seedChannel({ id });
      slack.seedChannel({ id: 'G1', is_private: true });
      // Said in C1 before knowledge was turned on: the backfill reads it.
      slack.seedMessage({ channel: 'C1', ts: YESTERDAY, user: 'U2', text: 'the vpn gateway lives at vpn.example.com 网关地址' });
    });
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

  async function mention(channel: string, user: string, text: string): Promise<string> {
    const event = appMentionEvent({ channel, user, text: `<@UBOT> ${text}` });
    await sendSlackEvent(t.events, SLACK_TEST_SECRET, event);
    const ts = event.event.ts as string;
    await waitForAnswer(t.database.sql, `slack-T0FAKE-${channel}-${ts}`);
    return t.slack.messages(channel, ts).filter((m) => m.user === 'UBOT' || m.bot_id === 'BBOT').at(-1)!.text!;
  }
  /** A message posted in the channel, not addressed to Xiaoliu; returns its ts. */
  async function post(channel: string, user: string, text: string, extra: { channel_type?: 'channel' | 'group' | 'im'; thread_ts?: string; bot_id?: string; subtype?: string } = {}) {
    const ts = nextEventTs();
    await sendSlackEvent(t.events, SLACK_TEST_SECRET, messageEvent({ channel, user, text, ts, ...extra }));
    return ts;
  }
  const postRow = async (ts: string) =>
    (await t.database.sql<{ text: string; thread_id: string; author_name: string; from_bot: boolean }[]>`
      select text, thread_id, author_name, from_bot from channel_posts where platform = 'slack' and message_id = ${ts}`)[0];
  async function indexSettled(): Promise<void> {
    const barrier = await post('C1', 'U2', `barrier ${Date.now()}`);
    await waitFor('the barrier message to be indexed', () => postRow(barrier));
    await t.app.ingress.posts.settled();
  }

  it('backfills the channel’s history on `config knowledge on`, then indexes plain messages without answering them', async () => {
    const before = await post('C1', 'U2', 'posted while knowledge was off 早先');
    expect(await mention('C1', 'UADMIN', 'config knowledge on')).toMatch(/knowledge on\. I indexed [1-9]\d* earlier messages? of this channel/);
    expect((await postRow(YESTERDAY))?.text).toBe('the vpn gateway lives at vpn.example.com 网关地址');
    // The event of a message posted while knowledge was off was not kept (the history read brings what Slack keeps).
    expect(await postRow(before)).toBeUndefined();

    const said = await post('C1', 'U1', 'the winter launch is called 青柳计划 internally');
    expect(await waitFor('the plain message to be indexed', () => postRow(said))).toMatchObject({ author_name: 'Alice', thread_id: said, from_bot: false });
    expect(await t.database.sql`select id from inbound_deliveries where id = ${`slack-T0FAKE-C1-${said}`}`).toEqual([]);
    const reply = await post('C1', 'U2', 'and the summer one is 松树计划', { thread_ts: said });
    expect(await waitFor('the thread reply to be indexed', () => postRow(reply))).toMatchObject({ thread_id: said });

    const found = await mention('C1', 'U2', 'what is it called? search: 青柳 launch');
    expect(found).toContain('青柳计划');
    expect(found).toContain(`https://slack.com/archives/C1/p${said.replace('.', '')}`);
    expect(await mention('C1', 'U2', 'search: 网关地址')).toContain('vpn.example.com');
  });

  it('leaves out DMs, Xiaoliu’s own posts and channels with knowledge off; indexes other bots as bots', async () => {
    const dm = await post('D1', 'U1', 'a private note 私信', { channel_type: 'im' });
    const own = await post('C1', 'UBOT', 'an answer of mine 自己', { bot_id: 'BBOT' });
    const off = await post('C2', 'U1', 'said where knowledge is off 关闭');
    const bot = await post('C1', 'UDEPLOY', 'deployed build 4711', { bot_id: 'BDEPLOY', subtype: 'bot_message' });
    expect(await waitFor('the bot post to be indexed', () => postRow(bot))).toMatchObject({ from_bot: true });
    await indexSettled();
    for (const ts of [dm, own, off]) expect(await postRow(ts)).toBeUndefined();
  });

  it('follows message_changed and message_deleted', async () => {
    const key = { platform: 'slack', workspaceId: 'T0FAKE', channelId: 'C1' };
    const ts = await post('C1', 'U1', 'the staging database is called 红杉 db');
    await waitFor('the message to be indexed', () => postRow(ts));
    await sendSlackEvent(t.events, SLACK_TEST_SECRET, messageChangedEvent({ channel: 'C1', user: 'U1', ts, text: 'the staging database is called 银杏 db', previous: 'the staging database is called 红杉 db' }));
    await waitFor('the edit to be indexed', async () => (await postRow(ts))?.text.includes('银杏'));
    expect(await searchKnowledge(t.database.sql, key, '红杉')).toEqual([]);
    expect((await searchKnowledge(t.database.sql, key, '银杏')).map((hit) => hit.text)).toEqual(['the staging database is called 银杏 db']);

    await sendSlackEvent(t.events, SLACK_TEST_SECRET, messageDeletedEvent({ channel: 'C1', user: 'U1', deleted_ts: ts, previous: 'the staging database is called 银杏 db' }));
    await waitFor('the deleted message to leave the index', async () => !(await postRow(ts)));
    expect(await searchKnowledge(t.database.sql, key, '银杏')).toEqual([]);
  });

  it('never gives a private channel’s messages to an answer in another channel', async () => {
    expect(await mention('G1', 'UADMIN', 'config knowledge on')).toMatch(/knowledge on/);
    const secret = await post('G1', 'U1', 'the acquisition target is 白鹭公司', { channel_type: 'group' });
    await waitFor('the private channel’s post to be indexed', () => postRow(secret));
    expect(await mention('G1', 'U1', 'search: 白鹭')).toContain('白鹭公司');
    expect(await mention('C1', 'U1', 'search: 白鹭')).toBe('From the history: No messages in this channel match.');
  });

  it('keeps another workspace’s posts to it', async () => {
    const event = appMentionEvent({ channel: 'C1', user: 'UADMIN', text: '<@UBOT> config knowledge on', team: 'T0OTHER' });
    await sendSlackEvent(t.events, SLACK_TEST_SECRET, event);
    await waitForAnswer(t.database.sql, `slack-T0OTHER-C1-${event.event.ts as string}`);
    const ts = nextEventTs();
    await sendSlackEvent(t.events, SLACK_TEST_SECRET, messageEvent({ channel: 'C1', user: 'U9', text: 'the other team calls it 枫叶计划', ts, team: 'T0OTHER' }));
    await waitFor('the other workspace’s post to be indexed', () => postRow(ts));
    expect(await mention('C1', 'U2', 'search: 枫叶')).toBe('From the history: No messages in this channel match.');
  });

  it('searches other public channels of the workspace the asker can read when asked to, never a private one or another workspace’s', async () => {
    expect(await mention('C5', 'UADMIN', 'config knowledge on')).toMatch(/knowledge on/);
    const roadmap = await post('C5', 'U1', 'the public roadmap says 鹭岛 ships in March');
    await waitFor('the public channel’s post to be indexed', () => postRow(roadmap));

    const nothing = 'From the history: No messages in this channel or the public channels you can read match.';
    // A guest reads only the channels they were invited to: no other channel for them. (Each query here uses terms
    // not yet said in C1: what is asked and answered here is this channel's history, and found.)
    expect(await mention('C1', 'UGUEST', 'search everywhere: roadmap March')).toBe(nothing);
    // Without `everywhere`, this channel only.
    expect(await mention('C1', 'U2', 'search: 鹭岛')).toBe('From the history: No messages in this channel match.');
    const found = await mention('C1', 'U2', 'search everywhere: 鹭岛');
    expect(found).toContain('鹭岛 ships in March');
    expect(found).toContain(`in another channel, https://slack.com/archives/C5/p${roadmap.replace('.', '')}`);
    // G1 keeps a searchable history too, but it is private; T0OTHER's C1 (the same id!) is another workspace's.
    expect(await mention('C1', 'U2', 'search everywhere: acquisition target')).toBe(nothing);
    expect(await mention('C1', 'U2', 'search everywhere: other team')).toBe(nothing);
  });
});

function toolResultOf(req: CapturedRequest): string | undefined {
  const last = (req.body.messages as { role: string; content: unknown }[]).at(-1);
  if (!Array.isArray(last?.content)) return undefined;
  const block = (last.content as { type: string; content?: unknown }[]).find((b) => b.type === 'tool_result');
  if (!block) return undefined;
  return typeof block.content === 'string' ? block.content : JSON.stringify(block.content);
}
