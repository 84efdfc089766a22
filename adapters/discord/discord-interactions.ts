import { MessageFlags, type ButtonInteraction, type MessageContextMenuCommandInteraction, type ModalSubmitInteraction } from 'discord.js';
import type { AnswerAction, AnswerActions } from '../../src/interactions/answer-actions.js';
import type { Logger } from '../../src/log/create-logger.js';
import { CUSTOM_ID_PREFIX, parseCustomId } from './outbound-message.js';

const REASON_INPUT = 'reason';
const EPHEMERAL = { flags: MessageFlags.Ephemeral, allowedMentions: { parse: [] } } as const;

/** The workspace a DM's interaction belongs to, as for its messages (discord-ingress.ts). */
const workspaceOf = (i: { guildId: string | null; channelId: string | null }) => i.guildId ?? `@dm:${i.channelId ?? ''}`;

/**
 * A button on an answer (MESSAGE_COMPONENT, https://discord.com/developers/docs/interactions/message-components):
 * Discord delivers it over the gateway, where the bot's own session vouches for it, and wants an answer within 3 s.
 * Stop, Regenerate and 👍 are acknowledged with a deferred update (type 6: the message stays as it is, the worker edits
 * it); 👎 is answered with a modal asking why (type 9), which is itself an acknowledgement. A refusal is an ephemeral
 * follow-up only the clicker sees.
 */
export async function onAnswerButton(interaction: ButtonInteraction, answers: AnswerActions, log: Logger): Promise<void> {
  const parsed = parseCustomId(interaction.customId);
  if (!parsed || parsed.verb === 'reason') return;
  const { verb, answerId } = parsed;
  if (verb === 'bad') {
    await interaction.showModal({
      custom_id: `${CUSTOM_ID_PREFIX}:reason:${answerId}`,
      title: 'Not helpful?',
      components: [
        {
          type: 1,
          components: [{ type: 4, custom_id: REASON_INPUT, label: 'What was wrong? (optional)', style: 2, required: false, max_length: 500 }],
        },
      ],
    });
  } else {
    await interaction.deferUpdate();
  }
  const base = { answerId, platform: 'discord', workspaceId: workspaceOf(interaction), user: { id: interaction.user.id, name: interaction.user.username } };
  const action: AnswerAction =
    verb === 'good' || verb === 'bad' ? { ...base, kind: 'feedback', rating: verb } : { ...base, kind: verb as 'stop' | 'regenerate' | 'remember' | 'approve' | 'deny' };
  const result = await answers.handle(action);
  if (result.notice && !(verb === 'bad' && result.done)) await interaction.followUp({ content: result.notice, ...EPHEMERAL }).catch((error: unknown) => log.warn({ err: error }, 'could not tell the clicker'));
}

/** The 👎 modal submitted: the reason is added to the rating (MODAL_SUBMIT, type 5), acknowledged with a quiet thanks. */
export async function onReasonSubmitted(interaction: ModalSubmitInteraction, answers: AnswerActions): Promise<void> {
  const parsed = parseCustomId(interaction.customId);
  if (parsed?.verb !== 'reason') return;
  await interaction.reply({ content: 'Thanks for the feedback!', ...EPHEMERAL });
  const reason = interaction.fields.getTextInputValue(REASON_INPUT);
  if (!reason.trim()) return;
  await answers.handle({
    kind: 'feedback',
    rating: 'bad',
    reason,
    answerId: parsed.answerId,
    platform: 'discord',
    workspaceId: workspaceOf(interaction),
    user: { id: interaction.user.id, name: interaction.user.username },
  });
}

/** The message context-menu commands (application commands of type 3), registered with the slash commands. */
export const MESSAGE_COMMANDS = { summarize: 'Summarize thread', askAbout: 'Ask Xiaoliu about this' } as const;
const QUESTION_INPUT = 'question';

/** Their registration bodies: names may hold spaces and capitals (1–32 characters); message commands have no description. */
export function messageCommands(scope: 'global' | 'guild'): Record<string, unknown>[] {
  // Same contexts as the slash commands (slash-commands.ts): servers and DMs with the bot, global commands only.
  const contexts = scope === 'global' ? { contexts: [0, 1], integration_types: [0] } : {};
  return Object.values(MESSAGE_COMMANDS).map((name) => ({ name, type: 3, ...contexts }));
}

/**
 * "Ask Xiaoliu about this" on a message: a modal asks the question (type 9, which acknowledges the interaction); its
 * submission is answered in place, like a slash command, with the message quoted (onAskSubmitted).
 */
export async function onAskAbout(interaction: MessageContextMenuCommandInteraction): Promise<void> {
  await interaction.showModal({
    custom_id: `${CUSTOM_ID_PREFIX}:ask:${interaction.targetId}`,
    title: 'Ask Xiaoliu',
    components: [
      { type: 1, components: [{ type: 4, custom_id: QUESTION_INPUT, label: 'Your question about this message', style: 2, required: true, max_length: 2000 }] },
    ],
  });
}

/** The message asked about, and the question, from a submitted "Ask Xiaoliu about this" modal; undefined otherwise. */
export function askedAbout(interaction: ModalSubmitInteraction): { messageId: string; question: string } | undefined {
  const match = /^xl:ask:(\d+)$/.exec(interaction.customId);
  if (!match) return undefined;
  return { messageId: match[1]!, question: interaction.fields.getTextInputValue(QUESTION_INPUT).trim() };
}
