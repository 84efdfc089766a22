import { analyzeCommand } from './analyze.js';
import { chatCommand } from './chat.js';
import { configCommand } from './config.js';
import { docCommand } from './doc.js';
import { forgetMeCommand } from './forget-me.js';
import { helpCommand } from './help.js';
import { paletteCommand } from './palette.js';
import { parallelCommand } from './parallel.js';
import { resetCommand } from './reset.js';
import { roleCommand } from './role.js';
import { createRouter, type Router } from './router.js';
import { usageCommand } from './usage.js';

/**
 * Every command Xiaoliu knows, with chat as the fallback. The worker routes with it and `npm run discord:register`
 * registers a slash command for each, so a command added here reaches Discord with the next registration.
 */
export function createDefaultRouter(): Router {
  return createRouter([helpCommand, resetCommand, forgetMeCommand, configCommand, usageCommand, roleCommand, docCommand, analyzeCommand, paletteCommand, parallelCommand], chatCommand);
}
