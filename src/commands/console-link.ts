import { UserFacingError } from '../domain/errors.js';
import { createLinkCode, LINK_CODE_MINUTES } from '../store/console-links.js';
import { chatCommand } from './chat.js';
import type { Command } from './command.js';

const LINK_WORDS = ['link', '关联', '链接'];

/**
 * `console link`: a one-time code that links the asker's chat account (here, in this workspace) to their admin console
 * sign-in. The code goes where only the account's owner can read it — a direct message, or the conversation itself
 * where that is private already (a DM, the terminal, the HTTP API) — so typing it in the console proves the console
 * person controls this chat account. Only a hash of it is stored; it works once, for LINK_CODE_MINUTES.
 */
export const consoleCommand: Command = {
  name: 'console',
  aliases: ['控制台'],
  summary: 'Links you to the admin console (a code by DM).',
  example: 'console link',
  takesArgs: true,
  async run(context) {
    const { message, egress } = context;
    const arg = context.args.trim().toLowerCase();
    if (!LINK_WORDS.includes(arg)) {
      // "console.log prints nothing, why?" is a question; `/console` with other text is a mistyped command.
      if (message.command?.name.toLowerCase() === 'console') throw new UserFacingError('Write `console link` to get a code that links you to the admin console.');
      return chatCommand.run({ ...context, args: (message.command ? message.command.args : message.text).trim() });
    }
    const code = await createLinkCode(context.sql, {
      platform: message.platform,
      workspaceId: message.address.workspaceId,
      userId: message.author.id,
      userName: message.author.name,
    });
    const text = [
      `Your admin console link code: **${code}**`,
      `Type it on the console's “Link a chat account” page within ${LINK_CODE_MINUTES} minutes; it works once.`,
      'If you did not ask for it, ignore this message: without the code nothing is linked.',
    ].join('\n');
    if (message.kind === 'dm' || !egress.openDirect) return context.reply.finish(text);
    const direct = await egress.openDirect(message.address.workspaceId, message.author.id);
    await egress.post(direct, text);
    context.log.info({ platform: message.platform }, 'console link code sent by direct message');
    await context.reply.finish('I sent you a one-time code by direct message: type it in the admin console, on “Link a chat account”.');
  },
};
