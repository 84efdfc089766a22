import { resetConversation } from '../store/conversations.js';
import type { Command } from './command.js';

/** `reset`: forget this thread's context; later questions start fresh. */
export const resetCommand: Command = {
  name: 'reset',
  aliases: ['重置', '清空'],
  summary: "Forgets this thread's context, so the next question starts fresh.",
  example: 'reset',
  takesArgs: false,
  async run({ sql, conversation, reply }) {
    await resetConversation(sql, conversation.id);
    await reply.finish("Done: I've forgotten what was said here before. Ask me anything.");
  },
};
