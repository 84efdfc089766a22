import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FakeMessage } from './fakes/fake-discord.js';
import { startDiscordTestApp, type DiscordTestApp } from './support/discord-test-app.js';
import { waitFor } from './support/wait-for.js';

type Row = { type: number; components: { type: number; custom_id: string; label: string }[] };

/** The custom_ids of the buttons on a message. */
const buttonsOn = (message: FakeMessage | undefined): string[] =>
  (((message as { components?: Row[] } | undefined)?.components ?? []) as Row[]).flatMap((row) => row.components.map((c) => c.custom_id));

describe('controls on Discord answers: message components over the real discord.js gateway against the fake Discord', () => {
  let t: DiscordTestApp;

  beforeAll(async () => {
    t = await startDiscordTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  /** Asks in a thread of the channel; returns the delivery id and the thread (Discord names it after the message). */
  const ask = (text: string) => {
    const question = t.discord.sendMessage({ channelId: t.discord.channelId, author: t.alice, content: `${t.mention} ${text}` });
    return { id: `discord-${question.id}`, thread: question.id };
  };
  const press = (thread: string, message: FakeMessage, customId: string, user = t.alice) =>
    t.discord.sendInteraction({ type: 3, channelId: thread, messageId: message.id, customId, user });

  it('Stop mid-stream keeps the text so far with Regenerate and 👍/👎 under it, and records the partial usage', async () => {
    let resume!: () => void;
    t.model.enqueue({ kind: 'paused', textBefore: 'Half an answer', textAfter: ' and the rest.', resume: new Promise<void>((r) => (resume = r)) });
    const { id, thread } = ask('go on and on');
    const streaming = await waitFor('the answer with Stop', () =>
      t.botMessages(thread).find((m) => buttonsOn(m).includes(`xl:stop:${id}`) && m.content.includes('Half an answer')),
    );
    // Bob did not ask and is no admin: refused, only he is told.
    const refused = press(thread, streaming, `xl:stop:${id}`, t.bob);
    await waitFor('the refusal', () => t.discord.interactionResponses(refused.id).find((r) => r.kind === 'followUp'));
    const pressed = press(thread, streaming, `xl:stop:${id}`);
    await t.answered(id);
    // Acknowledged with a deferred update (type 6): the message is the worker's to edit.
    expect(t.discord.interactionResponses(pressed.id)[0]).toMatchObject({ kind: 'callback', type: 6 });
    const [stopped] = t.botMessages(thread);
    expect(stopped!.content).toMatch(/^Half an answer\n\n_\(stopped\)_$/);
    expect(buttonsOn(stopped)).toEqual([`xl:regenerate:${id}`, `xl:good:${id}`, `xl:bad:${id}`]);
    const usage = await t.database.sql`select output_tokens from usage where delivery_id = ${id}`;
    expect(usage).toHaveLength(1);
    resume();
  });

  it('a double click on Regenerate yields one new answer, in the same message', async () => {
    t.model.enqueue({ kind: 'text', text: 'Answer one.' });
    const { id, thread } = ask('pick a colour');
    await t.answered(id);
    const [answer] = t.botMessages(thread);
    t.model.enqueue({ kind: 'text', text: 'Answer two.' });
    const before = t.model.requests.length;
    press(thread, answer!, `xl:regenerate:${id}`);
    press(thread, answer!, `xl:regenerate:${id}`);
    await t.answered(`${id}#r1`);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(t.model.requests.length).toBe(before + 1);
    const messages = t.botMessages(thread);
    expect(messages).toHaveLength(1);
    expect(messages[0]!.content).toBe('Answer two.');
    expect(buttonsOn(messages[0])).toEqual([`xl:regenerate:${id}#r1`, `xl:good:${id}#r1`, `xl:bad:${id}#r1`]);
  });

  it('the "Summarize thread" message command (MESSAGE context menu) reads the thread and answers in place', async () => {
    const root = t.discord.sendMessage({ channelId: t.discord.channelId, author: t.bob, content: 'Release plan for Friday' });
    const thread = t.discord.startThreadFromMessage({ channelId: t.discord.channelId, messageId: root.id, by: t.bob, name: 'release' });
    t.discord.sendMessage({ channelId: thread, author: t.alice, content: 'QA signs off Thursday' });
    const last = t.discord.sendMessage({ channelId: thread, author: t.bob, content: 'Bob writes the changelog' });
    t.model.enqueue({ kind: 'text', text: 'Gist: Friday release; QA Thursday; Bob writes the changelog.' });
    const used = t.discord.sendInteraction({ name: 'Summarize thread', commandType: 3, targetId: last.id, channelId: thread, user: t.alice });
    await t.answered(`discord-i-${used.id}`);
    const asked = JSON.stringify(t.model.requests.at(-1)!.body);
    for (const said of ['QA signs off Thursday', 'Bob writes the changelog']) expect(asked).toContain(said);
    const responses = t.discord.interactionResponses(used.id);
    expect(responses[0]).toMatchObject({ kind: 'callback', type: 5 });
    const answer = responses.filter((r) => r.kind === 'editOriginal').at(-1)!.body as { content: string; components: Row[] };
    expect(answer.content).toContain('changelog');
    expect(answer.components[0]!.components.map((c) => c.custom_id)).toEqual([`xl:regenerate:discord-i-${used.id}`, `xl:good:discord-i-${used.id}`, `xl:bad:discord-i-${used.id}`]);
  });

  it('👎 opens a modal (type 9); its submission (MODAL_SUBMIT) adds the reason to the rating', async () => {
    t.model.enqueue({ kind: 'text', text: 'Meh.' });
    const { id, thread } = ask('rate this');
    await t.answered(id);
    const [answer] = t.botMessages(thread);
    const clicked = press(thread, answer!, `xl:bad:${id}`, t.bob);
    await waitFor('the modal', () => t.discord.interactionResponses(clicked.id).find((r) => r.type === 9));
    const modal = t.discord.interactionResponses(clicked.id)[0]!.body as { data: { custom_id: string } };
    expect(modal.data.custom_id).toBe(`xl:reason:${id}`);
    t.discord.sendInteraction({ type: 5, channelId: thread, messageId: answer!.id, customId: modal.data.custom_id, fields: { reason: 'wrong colour' }, user: t.bob });
    const [row] = await waitFor('the reason', async () => {
      const rows = await t.database.sql<{ rating: string; reason: string | null; userId: string }[]>`
        select rating, reason, user_id as "userId" from answer_feedback where answer_id = ${id}`;
      return rows[0]?.reason ? rows : undefined;
    });
    expect(row).toEqual({ rating: 'bad', reason: 'wrong colour', userId: t.bob.id });
  });
});
