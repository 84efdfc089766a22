import { resetConversation } from '../store/conversations.js';
import { cancelParallelRuns } from '../skills/parallel/cancel-runs.js';
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
    // Parallel work still running in the thread stops too; a run waiting for confirmation is dropped.
    const stopped = await cancelParallelRuns(context);
    const also = stopped ? ' and stopped the parallel work still running here' : '';
    await reply.finish(`Done: I've forgotten what was said here before${also}. Ask me anything.`);
  },
};
