import type { App } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import type { AnswerAction, AnswerActions } from '../../src/interactions/answer-actions.js';
import type { Logger } from '../../src/log/create-logger.js';
import { SLACK_ACTION } from './answer-blocks.js';

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
  ]);
  app.action(/^xiaoliu_(stop|regenerate|good|bad|feedback)$/, async ({ ack, body, action }) => {
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
