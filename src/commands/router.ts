import type { InboundMessage } from '../domain/inbound-message.js';
import { isSkill } from '../skills/skill.js';
import type { Command } from './command.js';

/** The command a message invokes and the text it gets. */
export interface Route {
  command: Command;
  args: string;
}

/** Picks the command for a message; anything that is not a command is a question for the fallback (chat). */
export interface Router {
  route(message: Pick<InboundMessage, 'text' | 'command'>): Route;
  readonly commands: readonly Command[];
}

export function createRouter(commands: readonly Command[], fallback: Command): Router {
  const byWord = new Map<string, Command>();
  for (const command of [...commands, fallback]) {
    for (const word of [command.name, ...(command.aliases ?? [])]) byWord.set(word.toLowerCase(), command);
  }
  const skills = commands.filter(isSkill).filter((s) => s.triggers?.length);
  return {
    commands: [...commands, fallback],
    route(message) {
      // Slash commands arrive already split by the platform; `/ask` and the like map to chat.
      if (message.command) {
        const named = byWord.get(message.command.name.toLowerCase());
        if (named) return { command: named, args: message.command.args.trim() };
      }
      const text = message.command ? `${message.command.args}` : message.text;
      const trimmed = text.trim();
      const match = /^[/!]?(\S+)(?:\s+([\s\S]*))?$/.exec(trimmed);
      const command = match ? byWord.get(match[1]!.toLowerCase()) : undefined;
      const args = match?.[2]?.trim() ?? '';
      // Chat asked for by name (`ask …`) stays chat, even when its words name a skill.
      if (command === fallback) return { command, args };
      if (command && (command.takesArgs || args === '')) return { command, args };
      // A request in plain words ("帮我生成文档…", "can you analyze this code") goes to the skill it names.
      const skill = skills.find((s) => s.triggers!.some((trigger) => trigger.test(trimmed)));
      if (skill) return { command: skill, args: trimmed };
      return { command: fallback, args: trimmed };
    },
  };
}
