import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FakeMessage } from './fakes/fake-discord.js';
import { appMentionEvent, blockActions, sendInteraction, sendSlackEvent } from './fakes/slack-events.js';
import { startDiscordTestApp, type DiscordTestApp } from './support/discord-test-app.js';
import { SLACK_TEST_SECRET, startSlackTestApp, type SlackTestApp } from './support/slack-test-app.js';
import { waitFor } from './support/wait-for.js';
import { waitForAnswer } from './support/wait-for-answer.js';

// "Shall I remember this?": Claude calls suggest_memory with its answer, a "Remember this" button appears under the
// answer, and pressing it (the asker or an admin, nobody else) keeps the fact once as a channel memory, which then
// reaches the next conversation of the channel. Through the real discord.js and Bolt clients against the fakes.

// Claude suggests first, then answers in the round after the tool's result.
const SUGGESTION = { kind: 'tool_use', name: 'suggest_memory', input: { fact: 'Our deploy day is Tuesday.' } } as const;
const ANSWER = { kind: 'text', text: 'Got it: deploys go out on Tuesdays.' } as const;

describe('Remember this on Discord', () => {
  let t: DiscordTestApp;
  type Row = { components: { custom_id: string }[] };
  const buttonsOn = (message: FakeMessage | undefined): string[] =>
    (((message as { components?: Row[] } | undefined)?.components ?? []) as Row[]).flatMap((row) => row.components.map((c) => c.custom_id));

  beforeAll(async () => {
    t = await startDiscordTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  it('offers the suggested fact as a button that only the asker may press, and keeps it once', async () => {
    t.model.enqueue(SUGGESTION);
    t.model.enqueue(ANSWER);
    const question = t.discord.sendMessage({ channelId: t.discord.channelId, author: t.alice, content: `${t.mention} we deploy on tuesdays from now on` });
    const id = `discord-${question.id}`;
    await t.answered(id);
    expect(t.model.requests.at(-1)!.body.tools.map((tool: { name: string }) => tool.name)).toContain('suggest_memory');
    const [answer] = t.botMessages(question.id);
    expect(answer!.content).toBe('Got it: deploys go out on Tuesdays.');
    expect(buttonsOn(answer)).toEqual([`xl:regenerate:${id}`, `xl:good:${id}`, `xl:bad:${id}`, `xl:remember:${id}`]);

    const press = (user = t.alice) => t.discord.sendInteraction({ type: 3, channelId: question.id, messageId: answer!.id, customId: `xl:remember:${id}`, user });
    const refused = press(t.bob);
    const refusal = await waitFor('the refusal', () => t.discord.interactionResponses(refused.id).find((r) => r.kind === 'followUp'));
    expect(JSON.stringify(refusal.body)).toContain('Only the person who asked');
    expect(await t.database.sql`select id from memories`).toEqual([]);

    const first = press();
    const kept = await waitFor('the memory', () => t.discord.interactionResponses(first.id).find((r) => r.kind === 'followUp'));
    expect(JSON.stringify(kept.body)).toMatch(/Remembered for this channel \(#\d+\): Our deploy day is Tuesday\./);
    const again = press();
    const second = await waitFor('the second press answered', () => t.discord.interactionResponses(again.id).find((r) => r.kind === 'followUp'));
    expect(JSON.stringify(second.body)).toMatch(/Already remembered/);
    const rows = await t.database.sql`select text, scope, channel_id from memories`;
    expect(rows).toEqual([{ text: 'Our deploy day is Tuesday.', scope: 'channel', channel_id: t.discord.channelId }]);

    const next = t.discord.sendMessage({ channelId: t.discord.channelId, author: t.bob, content: `${t.mention} when do we deploy?` });
    await t.answered(`discord-${next.id}`);
    expect(JSON.stringify(t.model.requests.at(-1)!.body.system)).toContain('Our deploy day is Tuesday.');
  });

  it('offers no button when Claude suggests nothing', async () => {
    t.model.enqueue({ kind: 'text', text: 'Just an answer.' });
    const question = t.discord.sendMessage({ channelId: t.discord.channelId, author: t.alice, content: `${t.mention} hello` });
    await t.answered(`discord-${question.id}`);
    expect(buttonsOn(t.botMessages(question.id)[0]).some((b) => b.startsWith('xl:remember:'))).toBe(false);
  });
});

describe('Remember this on Slack', () => {
  let t: SlackTestApp;
  type Block = { type: string; elements?: { action_id?: string }[] };
  const buttonsOn = (message: { blocks?: unknown[] } | undefined): string[] =>
    ((message?.blocks ?? []) as Block[]).filter((b) => b.type === 'actions').flatMap((b) => (b.elements ?? []).map((e) => e.action_id ?? ''));

  beforeAll(async () => {
    t = await startSlackTestApp({ XIAOLIU_ADMINS: 'slack:UADMIN' });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('shows the button under the answer; an admin may press it; the fact reaches the next thread', async () => {
    t.model.enqueue(SUGGESTION);
    t.model.enqueue(ANSWER);
    const event = appMentionEvent({ channel: 'C1', user: 'U1', text: '<@UBOT> we deploy on tuesdays from now on' });
    await sendSlackEvent(t.events, SLACK_TEST_SECRET, event);
    const ts = event.event.ts as string;
    const id = `slack-T0FAKE-C1-${ts}`;
    await waitForAnswer(t.database.sql, id);
    const answer = t.slack.messages('C1', ts).find((m) => m.user === 'UBOT' && m.ts !== ts)!;
    expect(buttonsOn(answer)).toContain('xiaoliu_remember');
    const press = (user: string) =>
      sendInteraction(t.events, SLACK_TEST_SECRET, blockActions({ user, channel: 'C1', message: { ts: answer.ts, thread_ts: ts }, action: { action_id: 'xiaoliu_remember', value: id } }));

    await press('U2');
    await waitFor('the refusal to U2', () => t.slack.ephemerals.find((e) => e.user === 'U2' && /Only the person who asked/.test(e.text)));
    await press('UADMIN');
    await waitFor('the memory kept', () => t.slack.ephemerals.find((e) => e.user === 'UADMIN' && /Remembered for this channel/.test(e.text)));
    expect(await t.database.sql`select text, author_id from memories`).toEqual([{ text: 'Our deploy day is Tuesday.', author_id: 'UADMIN' }]);

    const next = appMentionEvent({ channel: 'C1', user: 'U2', text: '<@UBOT> when do we deploy?' });
    await sendSlackEvent(t.events, SLACK_TEST_SECRET, next);
    await waitForAnswer(t.database.sql, `slack-T0FAKE-C1-${next.event.ts as string}`);
    expect(JSON.stringify(t.model.requests.at(-1)!.body.system)).toContain('Our deploy day is Tuesday.');
  });
});
