import type { App } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import type { AnswerAction, AnswerActions } from '../../src/interactions/answer-actions.js';
import type { Logger } from '../../src/log/create-logger.js';
import type { InboundMessage } from '../../src/domain/inbound-message.js';
import { SLACK_ACTION } from './answer-blocks.js';
import { slackDeliveryId } from './slack-delivery-id.js';

/** The modal that asks why an answer was not helpful (optional). */
export const REASON_VIEW = 'xiaoliu_feedback_reason';
const REASON_BLOCK = 'reason';
const REASON_INPUT = 'reason_input';

/** The fields of a block_actions payload used here (https://docs.slack.dev/reference/interaction-payloads/block_actions-payload). */
interface BlockActionsBody {
  trigger_id?: string;
  team?: { id?: string } | null;
  user: { id: string; name?: string; username?: string };
  channel?: { id?: string };
  message?: { ts?: string; thread_ts?: string };
}

/**
 * Buttons on answers (block_actions) and the feedback reason modal (view_submission), through Bolt, which checks each
 * request's signature as it does for events. Each is acknowledged first (Slack wants an answer within 3 s) and then
 * handled (src/interactions/answer-actions.ts); a refusal is told to the person who clicked, and only to them.
 */
export function listenForAnswerActions(app: App, client: WebClient, answers: AnswerActions, log: Logger): void {
  const verbs = new Map<string, AnswerAction['kind'] | 'good' | 'bad'>([
    [SLACK_ACTION.stop, 'stop'],
    [SLACK_ACTION.regenerate, 'regenerate'],
    [SLACK_ACTION.good, 'good'],
    [SLACK_ACTION.bad, 'bad'],
    [SLACK_ACTION.feedback, 'good'],
    [SLACK_ACTION.remember, 'remember'],
    [SLACK_ACTION.approve, 'approve'],
    [SLACK_ACTION.deny, 'deny'],
  ]);
  app.action(/^xiaoliu_(stop|regenerate|good|bad|feedback|remember|approve|deny)$/, async ({ ack, body, action }) => {
    await ack();
    const b = body as unknown as BlockActionsBody;
    const a = action as { action_id: string; value?: string };
    let verb = verbs.get(a.action_id);
    let answerId = a.value ?? '';
    // Slack's feedback buttons: one element, the pressed button's value says which ("good|<answer>", answer-blocks.ts).
    if (a.action_id === SLACK_ACTION.feedback) {
      const [verdict, id] = answerId.split('|', 2);
      verb = verdict === 'bad' ? 'bad' : 'good';
      answerId = id ?? '';
    }
    if (!verb || !answerId) return;
    const team = b.team?.id ?? 'unknown';
    const base = { answerId, platform: 'slack', workspaceId: team, user: { id: b.user.id, name: b.user.name ?? b.user.username ?? b.user.id } };
    const act: AnswerAction =
      verb === 'good' || verb === 'bad' ? { ...base, kind: 'feedback', rating: verb } : { ...base, kind: verb };
    // Answered after the ack (Bolt sends it when this listener returns); a 👎 also asks why, in a modal, while the
    // trigger (valid 3 s) is fresh.
    void (async () => {
      if (verb === 'bad' && b.trigger_id) await openReasonModal(client, b.trigger_id, answerId).catch((error: unknown) => log.warn({ err: error }, 'could not open the feedback modal'));
      const result = await answers.handle(act);
      if (result.notice && b.channel?.id && !(verb === 'bad' && result.done)) {
        const thread = b.message?.thread_ts ?? b.message?.ts;
        await client.chat.postEphemeral({ channel: b.channel.id, user: b.user.id, text: result.notice, ...(thread ? { thread_ts: thread } : {}) });
      }
    })().catch((error: unknown) => log.error({ err: error, action: a.action_id }, 'could not act on a button'));
  });

  app.view(REASON_VIEW, async ({ ack, body, view }) => {
    await ack();
    const reason = view.state.values[REASON_BLOCK]?.[REASON_INPUT]?.value ?? '';
    if (!reason.trim()) return;
    const team = body.team?.id ?? 'unknown';
    const act: AnswerAction = {
      kind: 'feedback',
      rating: 'bad',
      reason,
      answerId: view.private_metadata,
      platform: 'slack',
      workspaceId: team,
      user: { id: body.user.id, name: body.user.name },
    };
    void answers.handle(act).catch((error: unknown) => log.error({ err: error }, 'could not record a feedback reason'));
  });
}

/** Asks, optionally, what was wrong; the answer's id travels in private_metadata (at most 3,000 characters). */
async function openReasonModal(client: WebClient, triggerId: string, answerId: string): Promise<void> {
  await client.views.open({
    trigger_id: triggerId,
    view: {
      type: 'modal',
      callback_id: REASON_VIEW,
      private_metadata: answerId,
      title: { type: 'plain_text', text: 'Not helpful?' },
      submit: { type: 'plain_text', text: 'Send' },
      close: { type: 'plain_text', text: 'Skip' },
      blocks: [
        {
          type: 'input',
          block_id: REASON_BLOCK,
          optional: true,
          label: { type: 'plain_text', text: 'What was wrong? (optional)' },
          element: { type: 'plain_text_input', action_id: REASON_INPUT, max_length: 500, multiline: true },
        },
      ],
    },
  });
}

/** Callback ids of the message shortcuts in the manifest. */
export const SHORTCUT = { summarize: 'xiaoliu_summarize_thread', askAbout: 'xiaoliu_ask_about' } as const;
const ASK_VIEW = 'xiaoliu_ask_about_question';
const ASK_BLOCK = 'question';
const ASK_INPUT = 'question_input';
/** Of the message asked about, the part carried in the modal's private_metadata (at most 3,000 characters in all). */
const QUOTE_MAX = 2_000;

/** A message_action payload's fields used here (https://docs.slack.dev/reference/interaction-payloads/shortcuts-interaction-payload). */
interface MessageActionBody {
  team?: { id?: string } | null;
  user: { id: string; name?: string; username?: string };
  channel: { id: string };
  action_ts: string;
  trigger_id: string;
  message: { ts: string; thread_ts?: string; text?: string; user?: string };
}

/** What the shortcuts need of the Slack ingress: how to queue a message from a place, through the allow-lists. */
export interface ShortcutDeps {
  client: WebClient;
  log: Logger;
  /** Queues the message through the core's command path (allow-lists, thread membership, holding); tells the user if not. */
  queue(place: { workspaceId: string; channelId: string; userId: string; threadTs?: string }, message: () => InboundMessage): Promise<void>;
}

/**
 * Message shortcuts (message_action): "Summarize thread" summarizes the thread the message is in (or that starts
 * with it) in that thread; "Ask Xiaoliu about this" opens a modal for the question and answers it in the message's
 * thread, with the message quoted.
 */
export function listenForShortcuts(app: App, deps: ShortcutDeps): void {
  app.shortcut(SHORTCUT.summarize, async ({ ack, shortcut }) => {
    await ack();
    const s = shortcut as unknown as MessageActionBody;
    const team = s.team?.id ?? 'unknown';
    const thread = s.message.thread_ts ?? s.message.ts;
    const place = { workspaceId: team, channelId: s.channel.id, userId: s.user.id, threadTs: thread };
    void deps
      .queue(place, () => ({
        v: 1,
        id: `${slackDeliveryId(team, s.channel.id, s.action_ts)}#summarize`,
        platform: 'slack',
        kind: 'thread',
        address: { workspaceId: team, channelId: s.channel.id, threadId: thread },
        author: { id: s.user.id, name: s.user.name ?? s.user.username ?? s.user.id, isBot: false },
        text: 'summarize',
        command: { name: 'summarize', args: '' },
        attachments: [],
        sentAt: new Date(Number(s.action_ts) * 1000).toISOString(),
        // The shortcut's own time: after every message of the thread, so all of it is read.
        messageId: s.action_ts,
      }))
      .catch((error: unknown) => deps.log.error({ err: error }, 'could not queue a thread summary'));
  });

  app.shortcut(SHORTCUT.askAbout, async ({ ack, shortcut }) => {
    await ack();
    const s = shortcut as unknown as MessageActionBody;
    const about = { c: s.channel.id, t: s.message.thread_ts ?? s.message.ts, q: (s.message.text ?? '').slice(0, QUOTE_MAX), u: s.message.user ?? '' };
    await deps.client.views
      .open({
        trigger_id: s.trigger_id,
        view: {
          type: 'modal',
          callback_id: ASK_VIEW,
          private_metadata: JSON.stringify(about),
          title: { type: 'plain_text', text: 'Ask Xiaoliu' },
          submit: { type: 'plain_text', text: 'Ask' },
          blocks: [
            { type: 'context', elements: [{ type: 'mrkdwn', text: `About: ${about.q.slice(0, 200) || '(a message)'}` }] },
            { type: 'input', block_id: ASK_BLOCK, label: { type: 'plain_text', text: 'Your question' }, element: { type: 'plain_text_input', action_id: ASK_INPUT, multiline: true, max_length: 2000 } },
          ],
        },
      })
      .catch((error: unknown) => deps.log.warn({ err: error }, 'could not open the question modal'));
  });

  app.view(ASK_VIEW, async ({ ack, body, view }) => {
    await ack();
    const question = view.state.values[ASK_BLOCK]?.[ASK_INPUT]?.value?.trim() ?? '';
    if (!question) return;
    const about = JSON.parse(view.private_metadata) as { c: string; t: string; q: string; u: string };
    const team = body.team?.id ?? 'unknown';
    const quoted = about.q.split('\n').map((line) => `> ${line}`).join('\n');
    const place = { workspaceId: team, channelId: about.c, userId: body.user.id, threadTs: about.t };
    void deps
      .queue(place, () => ({
        v: 1,
        id: `${slackDeliveryId(team, about.c, `${Math.floor(Date.now() / 1000)}.${String(Date.now() % 1000).padStart(3, '0')}000`)}#ask-${body.user.id}`,
        platform: 'slack',
        kind: 'thread',
        address: { workspaceId: team, channelId: about.c, threadId: about.t },
        author: { id: body.user.id, name: body.user.name, isBot: false },
        text: `${question}\n\nAbout this message${about.u ? ` from <@${about.u}>` : ''}:\n${quoted}`,
        attachments: [],
        sentAt: new Date().toISOString(),
      }))
      .catch((error: unknown) => deps.log.error({ err: error }, 'could not queue a question about a message'));
  });
}
