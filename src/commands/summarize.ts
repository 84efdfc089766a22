import type { ThreadMessage } from '../domain/egress.js';
import { UserFacingError } from '../domain/errors.js';
import { THINKING_STATUS } from '../render/reply-writer.js';
import { estimateTokens } from '../render/estimate-tokens.js';
import { saveMessage } from '../store/conversations.js';
import { callModel } from '../turn/call-model.js';
import { saveAnswerText } from '../turn/save-answer-text.js';
import type { Command, CommandContext } from './command.js';

/** Hours `summarize` reads of a channel when asked outside a thread without a number. */
const DEFAULT_HOURS = 24;
const MAX_HOURS = 24 * 7;
/** Most characters of transcript sent to the model: the newest are kept (a long thread's end is what it is about now). */
const MAX_TRANSCRIPT_CHARS = 60_000;

const INSTRUCTIONS =
  'You summarize a team chat conversation for someone who missed it. Write in the language most of the messages use. ' +
  'Start with a one-sentence gist, then bullet points: decisions made, open questions, and action items with who owns ' +
  'them (by name). Be brief; do not invent anything that is not in the messages.';

/**
 * `summarize` (总结): the thread it is asked in, read from the platform (what was said before Xiaoliu was there too),
 * or outside a thread the channel's last N hours (`summarize 6h`, default 24), read page by page within the
 * platform's limits. Slack's "Summarize thread" shortcut and Discord's context-menu command of that name queue it.
 */
export const summarizeCommand: Command = {
  name: 'summarize',
  aliases: ['总结', 'summarise', 'tldr'],
  summary: 'Summarizes this thread, or the channel’s last hours (`summarize 6h`).',
  example: 'summarize 6h',
  takesArgs: true,
  async run(context) {
    const { message, egress, reply } = context;
    const hours = parseHours(context.args);
    reply.start();
    let messages: ThreadMessage[];
    let what: string;
    // In a thread, what was said there before the request (a shortcut names a moment after its thread's last message).
    const inThread = message.address.threadId !== undefined && hours === undefined && message.messageId !== undefined;
    if (inThread && egress.readThread) {
      messages = await egress.readThread(message.address, message.messageId!);
      what = 'this thread';
    } else if (egress.readChannel) {
      const h = hours ?? DEFAULT_HOURS;
      messages = await egress.readChannel(message.address, Date.now() - h * 3_600_000);
      what = `this channel's last ${h} hours`;
    } else {
      throw new UserFacingError('I cannot read the history here, so there is nothing to summarize.');
    }
    const said = messages.filter((m) => m.text.trim() && !isCommand(m.text));
    if (said.length === 0) {
      await reply.finish(`There is nothing in ${what} to summarize yet.`);
      return;
    }
    const transcript = transcriptOf(said);
    await saveMessage(context.sql, {
      conversationId: context.conversation.id,
      deliveryId: message.id,
      role: 'user',
      authorId: message.author.id,
      authorName: message.author.name,
      text: `summarize ${what}`,
      tokens: 5,
    });
    const result = await callModel(context, {
      system: [{ type: 'text', text: `${context.settings.systemPrompt}\n\n${INSTRUCTIONS}` }],
      messages: [{ role: 'user', content: [{ type: 'text', text: `Summarize ${what} (${said.length} messages):\n\n${transcript}` }] }],
      onThinking: () => reply.status(THINKING_STATUS),
      onText: (_delta, soFar) => reply.stream(soFar),
      onRetry: () => reply.stream(''),
    });
    await reply.finish(result.text);
    saveAnswerText(context as CommandContext, result.text, result.usage.outputTokens || estimateTokens(result.text));
  },
};

/** `6h`, `6 h`, `6 hours`, `6小时`, `6`: hours; nothing: undefined. A bad number is the asker's to fix. */
export function parseHours(args: string): number | undefined {
  const text = args.trim().toLowerCase();
  if (!text) return undefined;
  const match = /^(?:last\s+)?(\d{1,3})\s*(?:h|hr|hrs|hour|hours|小时)?$/.exec(text);
  if (!match) throw new UserFacingError('Write `summarize` for this thread, or `summarize 6h` for the channel’s last 6 hours.');
  const hours = Number(match[1]);
  if (hours < 1 || hours > MAX_HOURS) throw new UserFacingError(`I can summarize between 1 and ${MAX_HOURS} hours.`);
  return hours;
}

/** The messages as lines "Name: text", newest kept when too long. */
function transcriptOf(messages: ThreadMessage[]): string {
  const lines = messages.map((m) => `${m.authorName}: ${m.text}`);
  let total = 0;
  const kept: string[] = [];
  for (const line of lines.reverse()) {
    total += line.length + 1;
    if (total > MAX_TRANSCRIPT_CHARS) break;
    kept.push(line);
  }
  return kept.reverse().join('\n');
}

/** The request itself ("summarize", "@Xiaoliu 总结") is not part of what is summarized. */
function isCommand(text: string): boolean {
  return /^\s*(?:@\S+\s+)?(?:summarize|summarise|tldr|总结)\b/i.test(text);
}
