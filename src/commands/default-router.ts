import { ALL_SKILLS } from '../skills/all-skills.js';
import { auditCommand } from './audit.js';
import { chatCommand } from './chat.js';
import { configCommand } from './config.js';
import { consoleCommand } from './console-link.js';
import { forgetMeCommand } from './forget-me.js';
import { helpCommand } from './help.js';
import { mcpCommand } from './mcp.js';
import { resetCommand } from './reset.js';
import { rememberCommand, memoriesCommand } from './remember.js';
import { roleCommand } from './role.js';
import { scheduleCommand } from './schedule.js';
import { createRouter, type Router } from './router.js';
import { usageCommand } from './usage.js';
import { summarizeCommand } from './summarize.js';

/**
 * Every command Xiaoliu knows, the skills last (from their registry), with chat as the fallback. The worker routes with
 * it and `npm run discord:register` registers a slash command for each, so a command added here (or a skill added to
 * ALL_SKILLS) reaches Discord with the next registration.
 */
export function createDefaultRouter(): Router {
  return createRouter([helpCommand, resetCommand, forgetMeCommand, configCommand, usageCommand, roleCommand, auditCommand, scheduleCommand, mcpCommand, rememberCommand, memoriesCommand, summarizeCommand, consoleCommand, ...ALL_SKILLS], chatCommand);
}
