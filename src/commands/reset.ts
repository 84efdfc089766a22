import { isSkill } from '../skills/skill.js';
import { resetConversation } from '../store/conversations.js';
import type { Command } from './command.js';

/** `reset`: forget this thread's context; later questions start fresh. */
export const resetCommand: Command = {
  name: 'reset',
  aliases: ['重置', '清空'],
  summary: "Forgets this thread's context, so the next question starts fresh.",
  example: 'reset',
  takesArgs: false,
  async run(context) {
    const { sql, conversation, reply } = context;
    await resetConversation(sql, conversation.id);
    // What a skill still does in the thread stops too (work still running, a plan waiting for confirmation).
    let also = '';
    for (const skill of context.commands.filter(isSkill)) {
      const stopped = await skill.onReset?.(context);
      if (stopped) also += ` and ${stopped}`;
    }
    await reply.finish(`Done: I've forgotten what was said here before${also}. Ask me anything.`);
  },
};
