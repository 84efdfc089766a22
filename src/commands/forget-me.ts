import type { InboundMessage } from '../domain/inbound-message.js';
import { forgetPersonInRedis } from '../delivery/forget-in-redis.js';
import { forgetUser } from '../store/forget-user.js';
import { forgetPersonalMemories } from '../store/memories.js';
import { forgetMemory } from './remember.js';
import { chatCommand } from './chat.js';
import type { Command } from './command.js';
import { recordAudit } from './record-audit.js';

/** Words that name the command by themselves; `forget` and `忘记` need `me` / `我` after them. */
const WHOLE_WORDS = ['forget-me', '忘记我'];
const ME = ['me', '我'];

const HINT =
  "To delete everything you've said to me on this platform, in every thread, and my answers to it, send `forget me`.";

/**
 * `forget me` (`forget-me`, `忘记我`): deletes the asker's messages in every thread on this platform, Xiaoliu's
 * answers to them, and (HTTP API) their files. The router matches the first word, so `forget` takes args: anything
 * but "me" after it is a question for chat ("forget the last part, what is X?"), and `forget` alone gets a hint.
 */
export const forgetMeCommand: Command = {
  name: 'forget',
  aliases: ['forget-me', '忘记我', '忘记'],
  summary: "Deletes everything you've said to me on this platform, and my answers.",
  example: 'forget me',
  takesArgs: true,
  async run(context) {
    const { message, args, reply, sql, log } = context;
    const word = invokedWord(message);
    // `forget memory 3` (忘记 记忆 3): one memory, not the person.
    const memory = /^(?:memory|记忆)\s*#?(\S*)$/i.exec(args);
    if (memory) return forgetMemory(context, memory[1]!);
    const target = args.toLowerCase().replace(/[.!。！]+$/, '');
    if (!(ME.includes(target) || (args === '' && WHOLE_WORDS.includes(word)))) {
      if (args === '') return reply.finish(HINT);
      return chatCommand.run({ ...context, args: questionText(message, word, args) });
    }
    const forgotten = await forgetUser(sql, message.platform, message.author.id);
    // Their own memories too; the channel facts they told stay, no longer saying who told them.
    await forgetPersonalMemories(sql, message.platform, message.author.id);
    // Their copies in Redis too: queued jobs kept after answering, a parallel run's request and results.
    await forgetPersonInRedis({ redis: context.redis, prefix: context.config.queuePrefix, log }, { platform: message.platform, authorId: message.author.id, ...forgotten });
    // Counts only: who asked is already in the job's log context, and what they said is gone.
    log.info({ messages: forgotten.messages, answers: forgotten.answers, files: forgotten.files }, 'forget me: deleted a person\'s messages');
    // Counts only, like the log line; the entry outlives what it records (see the README's *Audit log*).
    await recordAudit(context, { action: 'forget-me', target: message.author.id, detail: `deleted ${forgotten.messages} messages, ${forgotten.answers} answers and ${forgotten.files} files on ${message.platform}` });
    if (forgotten.messages === 0 && forgotten.files === 0 && forgotten.indexedPosts === 0) {
      return reply.finish('Done: I had nothing from you to delete here.');
    }
    const files = forgotten.files ? `, and ${forgotten.files} attached file${forgotten.files === 1 ? '' : 's'}` : '';
    const indexed = forgotten.indexedPosts
      ? ` I also removed ${forgotten.indexedPosts} of your channel message${forgotten.indexedPosts === 1 ? '' : 's'} from the search index.`
      : '';
    await reply.finish(
      `Done: I deleted ${forgotten.messages} of your messages (and ${forgotten.answers} of my answers to them) across all threads${files}.${indexed}`,
    );
  },
};

/** The word the command was invoked by: a slash command's name, or the first word of the text. */
function invokedWord(message: InboundMessage): string {
  const slash = message.command?.name.toLowerCase();
  if (slash && (slash === forgetMeCommand.name || forgetMeCommand.aliases!.includes(slash))) return slash;
  const text = message.command ? message.command.args : message.text;
  return /^[/!]?(\S+)/.exec(text.trim())?.[1]?.toLowerCase() ?? '';
}

/** The question as the person wrote it, command word included, for chat. */
function questionText(message: InboundMessage, word: string, args: string): string {
  if (message.command?.name.toLowerCase() === word) return `${word} ${args}`;
  return (message.command ? message.command.args : message.text).trim();
}
