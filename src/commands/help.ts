import type { Command } from './command.js';

/** `help`: what Xiaoliu can do, one line and one example per command. */
export const helpCommand: Command = {
  name: 'help',
  aliases: ['帮助', '?'],
  summary: 'Shows what I can do.',
  example: 'help',
  takesArgs: false,
  async run({ reply, commands }) {
    const lines = commands.map((c) => `• *${c.name}* — ${c.summary}  e.g. \`${c.example}\``);
    await reply.finish(
      [
        '*Xiaoliu (小柳)* — ask me anything in this thread; I remember what was said here.',
        '',
        ...lines,
      ].join('\n'),
    );
  },
};
