import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../adapters/http/api-keys.js';
import { createLinkCode, LINK_ATTEMPTS, redeemLinkCode } from '../src/store/console-links.js';
import { upsertConsoleAccount } from '../src/store/console-sessions.js';
import { startDiscordTestApp, type DiscordTestApp } from './support/discord-test-app.js';
import { waitFor } from './support/wait-for.js';

/** `console link` on the platforms besides Slack (the browser test covers Slack), and the code's own rules. */
describe('console link: a one-time code only the chat account’s owner can read', () => {
  let t: DiscordTestApp;
  let accounts = 0;

  beforeAll(async () => {
    t = await startDiscordTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  const newAccount = async () => (await upsertConsoleAccount(t.database.sql, { issuer: 'https://idp.test', subject: `person-${++accounts}`, name: 'P', email: null })).id;
  const codeIn = (text: string) => /\b([2-9A-Z]{8})\b/.exec(text.replaceAll('*', ''))?.[1];

  it('on Discord, DMs the code to the person who asked in a server channel, and says so in the channel', async () => {
    const question = t.discord.sendMessage({ channelId: t.discord.channelId, author: t.alice, content: `${t.mention} console link` });
    await t.answered(`discord-${question.id}`);
    const dm = t.discord.dmChannelFor(t.alice);
    const code = await waitFor('the code in Alice’s DM', () => t.botMessages(dm).map((m) => codeIn(m.content)).find(Boolean));
    // The channel hears only that a DM went out: the code never appears where others read.
    const elsewhere = t.discord.calls.filter((c) => c.path.startsWith('/channels/') && !c.path.startsWith(`/channels/${dm}/`));
    expect(elsewhere.length).toBeGreaterThan(0);
    expect(JSON.stringify(elsewhere.map((c) => c.body))).not.toContain(code);
    expect(JSON.stringify(elsewhere.map((c) => c.body))).toContain('direct message');
    const identity = await redeemLinkCode(t.database.sql, await newAccount(), code);
    expect(identity).toEqual({ platform: 'discord', workspaceId: t.discord.guildId, userId: t.alice.id, userName: expect.any(String) });
  });

  it('over the HTTP API, answers with the code in the conversation, which only the key’s user reads', async () => {
    const { key } = await createApiKey(t.database.sql, 'lin', 'test');
    const response = await fetch(`http://127.0.0.1:${t.app.port}/v1/chat`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ message: 'console link' }),
    });
    const { answer } = (await response.json()) as { answer: string };
    const code = codeIn(answer)!;
    expect(code).toBeDefined();
    expect(await redeemLinkCode(t.database.sql, await newAccount(), code)).toMatchObject({ platform: 'http', workspaceId: 'api:lin', userId: 'lin' });
  });

  it('takes "console" followed by anything else as a question', async () => {
    t.model.enqueue({ kind: 'text', text: 'Check the log level.' });
    const question = t.discord.sendMessage({ channelId: t.discord.channelId, author: t.bob, content: `${t.mention} console output is empty, why?` });
    await t.answered(`discord-${question.id}`);
    expect((await t.database.sql`select count(*)::int as n from console_link_codes where user_id = ${t.bob.id}`)[0]!.n).toBe(0);
  });

  it('works once, expires, is replaced by a newer code, and limits wrong guesses per person', async () => {
    const sql = t.database.sql;
    const who = { platform: 'slack', workspaceId: 'T1', userId: 'U1', userName: 'Ann' };
    const account = await newAccount();
    const first = await createLinkCode(sql, who);
    const second = await createLinkCode(sql, who);
    expect(await redeemLinkCode(sql, account, first)).toBe('wrong-code'); // replaced
    expect(await redeemLinkCode(sql, account, second)).toMatchObject({ userId: 'U1' });
    expect(await redeemLinkCode(sql, account, second)).toBe('wrong-code'); // used up

    const expired = await createLinkCode(sql, who);
    await sql`update console_link_codes set expires_at = now() - interval '1 second'`;
    expect(await redeemLinkCode(sql, account, expired)).toBe('wrong-code');

    const guesser = await newAccount();
    for (let i = 0; i < LINK_ATTEMPTS; i++) expect(await redeemLinkCode(sql, guesser, `ZZZZZZZ${i + 2}`)).toBe('wrong-code');
    const right = await createLinkCode(sql, { ...who, userId: 'U2' });
    // Over the limit, even the right code waits; another person's attempts are their own.
    expect(await redeemLinkCode(sql, guesser, right)).toBe('too-many-attempts');
    await sql`update console_accounts set link_failures_since = now() - interval '11 minutes' where id = ${guesser}`;
    expect(await redeemLinkCode(sql, guesser, right)).toMatchObject({ userId: 'U2' });
  });
});
