import type { InboundMessage } from '../domain/inbound-message.js';
import type { Conversation } from '../store/conversations.js';
import { chatCommand } from './chat.js';
import type { Route, Router } from './router.js';

/**
 * In a thread a skill owns (once `doc` has written a document there, follow-ups revise it), a message that would
 * otherwise be chat goes to that skill instead. Chat asked for by name (`ask …`, `/ask`) stays chat, and so does
 * everything when the skill has since been turned off in the channel.
 */
export function followUpRoute(
  route: Route,
  message: Pick<InboundMessage, 'text' | 'command'>,
  conversation: Conversation,
  router: Router,
  enabledSkills: readonly string[],
): Route {
  const owner = conversation.activeSkill;
  if (route.command !== chatCommand || !owner || !enabledSkills.includes(owner)) return route;
  const chatWords = [chatCommand.name, ...(chatCommand.aliases ?? [])];
  const firstWord = /^[/!]?(\S+)/.exec((message.command?.args ?? message.text).trim())?.[1]?.toLowerCase();
  const named = [message.command?.name.toLowerCase(), firstWord].some((word) => word !== undefined && chatWords.includes(word));
  if (named) return route;
  const skill = router.commands.find((c) => c.name === owner);
  return skill ? { command: skill, args: route.args } : route;
}
