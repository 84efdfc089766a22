import { chatCommand } from './chat.js';
import { helpCommand } from './help.js';
import { resetCommand } from './reset.js';
import { createRouter, type Router } from './router.js';

/**
 * Every command Xiaoliu knows, with chat as the fallback. The worker routes with it and `npm run discord:register`
 * registers a slash command for each, so a command added here reaches Discord with the next registration.
 */
export function createDefaultRouter(): Router {
  return createRouter([helpCommand, resetCommand], chatCommand);
}
