import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appMentionEvent, blockActions, eventCallback, messageAction, messageEvent, nextEventTs, sendInteraction, sendSlackEvent, viewSubmission } from './fakes/slack-events.js';
import { SLACK_TEST_SECRET, startSlackTestApp, type SlackTestApp } from './support/slack-test-app.js';
import { waitFor } from './support/wait-for.js';
import { waitForAnswer } from './support/wait-for-answer.js';

type Block = { type: string; block_id?: string; elements?: { action_id?: string; value?: string; type?: string }[] };

/** The action ids of the buttons on a message, in order. */
const buttonsOn = (message: { blocks?: unknown[] } | undefined): string[] =>
  ((message?.blocks ?? []) as Block[]).filter((b) => b.type === 'actions' || b.type === 'context_actions').flatMap((b) => (b.elements ?? []).map((e) => e.action_id ?? ''));

describe('controls on Slack answers: Stop, Regenerate and feedback, through real Bolt against the fake Slack', () => {
  let t: SlackTestApp;

  beforeAll(async () => {
    t = await startSlackTestApp({ SLACK_EDIT_INTERVAL_MS: '100', XIAOLIU_ADMINS: 'slack:UADMIN' });
  });
  afterAll(async () => {
    await t?.close();
  });

  const reply = (channel: string, thread: string) => t.slack.messages(channel, thread).find((m) => m.user === 'UBOT' && m.ts !== thread);
  const press = (channel: string, user: string, message: { ts: string; thread_ts?: string }, action_id: string, value: string, type?: string) =>
    sendInteraction(t.events, SLACK_TEST_SECRET, blockActions({ user, channel, message, action: { action_id, value, ...(type ? { type } : {}) } }));
  const mention = async (channel: string, text: string, user = 'U1') => {
    const event = appMentionEvent({ channel, user, text: `<@UBOT> ${text}` });
    expect((await sendSlackEvent(t.events, SLACK_TEST_SECRET, event)).status).toBe(200);
    return (event.event.ts as string);
  };

  it('Stop mid-stream keeps the text so far, marked, records the partial usage and frees the thread at once', async () => {
    let resume!: () => void;
    t.model.enqueue({ kind: 'paused', textBefore: 'The first half of a long answer', textAfter: ' that never comes.', resume: new Promise<void>((r) => (resume = r)) });
    const ts = await mention('C1', 'tell me everything');
    const id = `slack-T0FAKE-C1-${ts}`;
    // While it streams, the answer carries Stop (and the text so far).
    const streaming = await waitFor('the streaming answer with Stop', () => {
      const m = reply('C1', ts);
      return m && buttonsOn(m).includes('xiaoliu_stop') && m.text.includes('first half') ? m : undefined;
    });
    // Someone else may not stop it: only the asker or an admin.
    expect((await press('C1', 'U2', streaming, 'xiaoliu_stop', id)).status).toBe(200);
    await waitFor('the refusal to U2', () => t.slack.ephemerals.find((e) => e.user === 'U2' && /Only the person who asked/.test(e.text)));
    const ack = await press('C1', 'U1', streaming, 'xiaoliu_stop', id);
    expect(ack.status).toBe(200);
    await waitForAnswer(t.database.sql, id);
    const stopped = reply('C1', ts)!;
    expect(stopped.text).toContain('The first half of a long answer');
    expect(stopped.text).toContain('(stopped)');
    expect(stopped.text).not.toContain('never comes');
    expect(buttonsOn(stopped)).toEqual(['xiaoliu_regenerate', 'xiaoliu_good', 'xiaoliu_bad']);
    const [usage] = await t.database.sql<{ inputTokens: number; outputTokens: number }[]>`
      select input_tokens as "inputTokens", output_tokens as "outputTokens" from usage where delivery_id = ${id}`;
    expect(usage!.inputTokens).toBeGreaterThan(0);
    expect(usage!.outputTokens).toBeGreaterThan(0);
    // The answer's row is marked once the delivery has finished, which may be just after it is stored.
    const stateOf = async () => (await t.database.sql`select state from answers where delivery_id = ${id}`)[0];
    await waitFor('the answer marked stopped', async () => (await stateOf())?.state !== 'streaming');
    const state = await stateOf();
    expect(state!.state).toBe('stopped');
    // The partial answer is the thread's history, marked as stopped.
    const [stored] = await t.database.sql`select text from messages where delivery_id = ${id} and role = 'assistant'`;
    expect(stored!.text).toMatch(/first half of a long answer[\s\S]*\(stopped\)/);
    // The model call was never resumed, yet the thread answers its next message: the job and its slot are free.
    t.model.enqueue({ kind: 'text', text: 'Next answer.' });
    const next = messageEvent({ channel: 'C1', user: 'U1', text: 'and now?', thread_ts: ts });
    await sendSlackEvent(t.events, SLACK_TEST_SECRET, next);
    await waitForAnswer(t.database.sql, `slack-T0FAKE-C1-${next.event.ts as string}`);
    resume();
  });

  it('Regenerate asks again once for a double click, replaces the answer in place and keeps one answer per question', async () => {
    t.model.enqueue({ kind: 'text', text: 'First try.' });
    const ts = await mention('C2', 'name a cat');
    const id = `slack-T0FAKE-C2-${ts}`;
    await waitForAnswer(t.database.sql, id);
    const answer = reply('C2', ts)!;
    expect(buttonsOn(answer)).toEqual(['xiaoliu_regenerate', 'xiaoliu_good', 'xiaoliu_bad']);
    const requestsBefore = t.model.requests.length;
    t.model.enqueue({ kind: 'text', text: 'Second try.' });
    const [one, two] = await Promise.all([press('C2', 'U1', answer, 'xiaoliu_regenerate', id), press('C2', 'U1', answer, 'xiaoliu_regenerate', id)]);
    expect([one.status, two.status]).toEqual([200, 200]);
    await waitForAnswer(t.database.sql, `${id}#r1`);
    // The same message now holds the new answer; no second message, no third model call.
    const bot = t.slack.messages('C2', ts).filter((m) => m.user === 'UBOT');
    expect(bot).toHaveLength(1);
    expect(bot[0]!.ts).toBe(answer.ts);
    expect(bot[0]!.text).toBe('Second try.');
    expect(buttonsOn(bot[0])).toEqual(['xiaoliu_regenerate', 'xiaoliu_good', 'xiaoliu_bad']);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(t.model.requests.length).toBe(requestsBefore + 1);
    // The regeneration was asked with the question, not with the answer it replaces.
    const asked = JSON.stringify(t.model.requests.at(-1)!.body);
    expect(asked).toContain('name a cat');
    expect(asked).not.toContain('First try.');
    const stored = await t.database.sql<{ role: string; text: string }[]>`
      select m.role, m.text from messages m join conversations c on c.id = m.conversation_id
      where c.channel_id = 'C2' order by m.id`;
    expect(stored.map((m) => [m.role, m.text])).toEqual([
      ['user', 'name a cat'],
      ['assistant', 'Second try.'],
    ]);
    // Pressing Regenerate on the new answer asks again, once more.
    t.model.enqueue({ kind: 'text', text: 'Third try.' });
    await press('C2', 'U1', bot[0]!, 'xiaoliu_regenerate', `${id}#r1`);
    await waitForAnswer(t.database.sql, `${id}#r2`);
    expect(reply('C2', ts)!.text).toBe('Third try.');
  });

  it('feedback lands with the model and the channel config version, a 👎 asks why in a modal, and `usage feedback` shows it to admins', async () => {
    t.model.enqueue({ kind: 'text', text: 'An answer to rate.' });
    const ts = await mention('C3', 'rate me');
    const id = `slack-T0FAKE-C3-${ts}`;
    await waitForAnswer(t.database.sql, id);
    const answer = reply('C3', ts)!;
    await press('C3', 'U1', answer, 'xiaoliu_good', id);
    await waitFor('the 👍', async () => (await t.database.sql`select rating from answer_feedback where answer_id = ${id}`)[0]);
    // Another person's 👎 opens the reason modal; its submission adds the reason.
    await press('C3', 'U2', answer, 'xiaoliu_bad', id);
    const modal = await waitFor('the reason modal', () => t.slack.views.find((v) => v.method === 'views.open' && v.view.private_metadata === id));
    expect(modal.view.callback_id).toBe('xiaoliu_feedback_reason');
    const submitted = viewSubmission({ user: 'U2', callback_id: 'xiaoliu_feedback_reason', private_metadata: id, values: { reason: { reason_input: { type: 'plain_text_input', value: 'too vague' } } } });
    expect((await sendInteraction(t.events, SLACK_TEST_SECRET, submitted)).status).toBe(200);
    const rows = await waitFor('both ratings with the reason', async () => {
      const r = await t.database.sql<{ userId: string; rating: string; reason: string | null; model: string; settingsVersion: number }[]>`
        select user_id as "userId", rating, reason, model, settings_version as "settingsVersion" from answer_feedback where answer_id = ${id} order by user_id`;
      return r.length === 2 && r[1]!.reason ? r : undefined;
    });
    expect(rows.map((r) => [r.userId, r.rating, r.reason, r.settingsVersion])).toEqual([
      ['U1', 'good', null, 0],
      ['U2', 'bad', 'too vague', 0],
    ]);
    const model = rows[0]!.model;
    expect(model).toMatch(/^claude-/);
    // An admin changes the channel's persona (version 1); the next answer's feedback is counted under v1.
    const change = appMentionEvent({ channel: 'C3', user: 'UADMIN', text: '<@UBOT> config prompt You are terse.' });
    await sendSlackEvent(t.events, SLACK_TEST_SECRET, change);
    await waitForAnswer(t.database.sql, `slack-T0FAKE-C3-${change.event.ts as string}`);
    t.model.enqueue({ kind: 'text', text: 'Terse answer.' });
    const ts2 = await mention('C3', 'again');
    await waitForAnswer(t.database.sql, `slack-T0FAKE-C3-${ts2}`);
    await press('C3', 'U1', reply('C3', ts2)!, 'xiaoliu_bad', `slack-T0FAKE-C3-${ts2}`);
    await waitFor('the v1 👎', async () => (await t.database.sql`select 1 from answer_feedback where settings_version = 1`)[0]);
    // A member may not read the report; an admin reads satisfaction per config version and per model.
    const member = appMentionEvent({ channel: 'C3', user: 'U1', text: '<@UBOT> usage feedback' });
    await sendSlackEvent(t.events, SLACK_TEST_SECRET, member);
    await waitForAnswer(t.database.sql, `slack-T0FAKE-C3-${member.event.ts as string}`);
    expect(t.slack.messages('C3', member.event.ts as string).find((m) => m.user === 'UBOT')!.text).toMatch(/admin/i);
    const admin = appMentionEvent({ channel: 'C3', user: 'UADMIN', text: '<@UBOT> usage feedback' });
    await sendSlackEvent(t.events, SLACK_TEST_SECRET, admin);
    await waitForAnswer(t.database.sql, `slack-T0FAKE-C3-${admin.event.ts as string}`);
    const report = t.slack.messages('C3', admin.event.ts as string).find((m) => m.user === 'UBOT')!.text;
    expect(report).toMatch(/C3 v0[^\n]*1 👍[^\n]*1 👎[^\n]*50%/);
    expect(report).toMatch(/C3 v1[^\n]*0 👍[^\n]*1 👎[^\n]*0%/);
    expect(report).toContain(model);
    expect(report).toContain('too vague');
  });

  it('a button cannot act on another workspace’s answer, and a bad signature is refused', async () => {
    t.model.enqueue({ kind: 'text', text: 'Mine.' });
    const ts = await mention('C4', 'private');
    const id = `slack-T0FAKE-C4-${ts}`;
    await waitForAnswer(t.database.sql, id);
    const answer = reply('C4', ts)!;
    // Workspace T0OTHER presses a button carrying T0FAKE's answer id: not found there, nothing recorded.
    const foreign = blockActions({ team: 'T0OTHER', user: 'U9', channel: 'C4', message: answer, action: { action_id: 'xiaoliu_good', value: id } });
    expect((await sendInteraction(t.events, SLACK_TEST_SECRET, foreign)).status).toBe(200);
    await waitFor('the not-found notice', () => t.slack.ephemerals.find((e) => e.user === 'U9' && /no longer available/.test(e.text)));
    expect(await t.database.sql`select 1 from answer_feedback where answer_id = ${id}`).toHaveLength(0);
    const forged = blockActions({ user: 'U1', channel: 'C4', message: answer, action: { action_id: 'xiaoliu_good', value: id } });
    expect((await sendInteraction(t.events, 'not-the-secret', forged)).status).toBe(401);
    expect(await t.database.sql`select 1 from answer_feedback where answer_id = ${id}`).toHaveLength(0);
  });

  it('the "Summarize thread" shortcut (message_action) reads the whole thread and answers in it, with controls', async () => {
    const parent = nextEventTs();
    t.slack.seedMessage({ channel: 'C5', ts: parent, user: 'U2', text: 'Topic: the deploy to prod failed' });
    t.slack.seedMessage({ channel: 'C5', ts: nextEventTs(), thread_ts: parent, user: 'U1', text: 'It was the migration lock' });
    t.slack.seedMessage({ channel: 'C5', ts: nextEventTs(), thread_ts: parent, user: 'U2', text: 'Ann will retry at 5pm' });
    t.model.enqueue({ kind: 'text', text: 'Gist: the deploy failed on a migration lock; Ann retries at 5pm.' });
    const shortcut = messageAction({ user: 'U1', channel: 'C5', callback_id: 'xiaoliu_summarize_thread', message: { ts: parent, text: 'Topic: the deploy to prod failed', user: 'U2' } });
    expect((await sendInteraction(t.events, SLACK_TEST_SECRET, shortcut)).status).toBe(200);
    const id = `slack-T0FAKE-C5-${shortcut.action_ts}#summarize`;
    await waitForAnswer(t.database.sql, id);
    const asked = JSON.stringify(t.model.requests.at(-1)!.body);
    for (const said of ['the deploy to prod failed', 'It was the migration lock', 'Ann will retry at 5pm']) expect(asked).toContain(said);
    const answer = reply('C5', parent)!;
    expect(answer.text).toContain('migration lock');
    expect(buttonsOn(answer)).toEqual(['xiaoliu_regenerate', 'xiaoliu_good', 'xiaoliu_bad']);
  });

  it('"Ask Xiaoliu about this" opens a modal; the question is answered in the message\'s thread with the message quoted', async () => {
    const ts = nextEventTs();
    t.slack.seedMessage({ channel: 'C6', ts, user: 'U2', text: 'We should move CI to GitHub Actions' });
    const shortcut = messageAction({ user: 'U1', channel: 'C6', callback_id: 'xiaoliu_ask_about', message: { ts, text: 'We should move CI to GitHub Actions', user: 'U2' } });
    await sendInteraction(t.events, SLACK_TEST_SECRET, shortcut);
    const modal = await waitFor('the question modal', () => t.slack.views.find((v) => v.view.callback_id === 'xiaoliu_ask_about_question'));
    t.model.enqueue({ kind: 'text', text: 'Pros and cons of moving CI.' });
    const submitted = viewSubmission({ user: 'U1', callback_id: 'xiaoliu_ask_about_question', private_metadata: modal.view.private_metadata as string, values: { question: { question_input: { type: 'plain_text_input', value: 'what are the risks?' } } } });
    await sendInteraction(t.events, SLACK_TEST_SECRET, submitted);
    await waitFor('the answer in the thread', () => reply('C6', ts)?.text.includes('Pros and cons') || undefined);
    const asked = JSON.stringify(t.model.requests.at(-1)!.body);
    expect(asked).toContain('what are the risks?');
    expect(asked).toContain('We should move CI to GitHub Actions');
  });

  it('App Home (app_home_opened → views.publish) shows what Xiaoliu does, your usage today and channels; the team chart to admins only', async () => {
    const open = (user: string) =>
      sendSlackEvent(t.events, SLACK_TEST_SECRET, eventCallback({ type: 'app_home_opened', user, channel: 'D0HOME', tab: 'home', event_ts: nextEventTs() }));
    const homeOf = (user: string) => t.slack.views.filter((v) => v.method === 'views.publish' && v.user_id === user).at(-1);
    const textOf = (view: { view: Record<string, unknown> }) => JSON.stringify(view.view.blocks);
    expect((await open('U1')).status).toBe(200);
    const member = await waitFor('U1 home', () => homeOf('U1'));
    expect(member.view.type).toBe('home');
    expect(textOf(member)).toContain('summarize');
    expect(textOf(member)).toContain('Your usage today');
    expect(textOf(member)).toContain('<#C1>');
    expect(textOf(member)).not.toContain('Team spending');
    await open('UADMIN');
    const admin = await waitFor('UADMIN home', () => homeOf('UADMIN'));
    expect(textOf(admin)).toContain('Team spending');
    expect(textOf(admin)).toContain('you can configure them');
  });

  it('answers streamed natively (a DM thread) end with Slack’s feedback buttons and Regenerate under the stream', async () => {
    t.model.enqueue({ kind: 'text', text: 'A streamed answer.' });
    const parent = nextEventTs();
    const event = messageEvent({ channel: 'D1', user: 'U1', text: 'hi in a thread', channel_type: 'im', thread_ts: parent });
    await sendSlackEvent(t.events, SLACK_TEST_SECRET, event);
    const id = `slack-T0FAKE-D1-${(event.event.ts as string)}`;
    await waitForAnswer(t.database.sql, id);
    const stop = t.slack.callsTo('chat.stopStream').at(-1)!;
    const blocks = stop.args.blocks as Block[];
    expect(blocks.map((b) => b.type)).toEqual(['context_actions', 'actions']);
    const feedback = blocks[0]!.elements![0] as { type: string; action_id: string; positive_button: { value: string }; negative_button: { value: string } };
    expect(feedback.type).toBe('feedback_buttons');
    expect(feedback.negative_button.value).toBe(`bad|${id}`);
    // Pressing Slack's native 👎 records it, as the plain buttons do.
    const message = { ts: t.slack.messages('D1', parent).find((m) => m.user === 'UBOT')!.ts, thread_ts: parent };
    await press('D1', 'U1', message, 'xiaoliu_feedback', `bad|${id}`, 'feedback_buttons');
    await waitFor('the native 👎', async () => (await t.database.sql`select rating from answer_feedback where answer_id = ${id} and rating = 'bad'`)[0]);
  });
});
