import {
  ApplicationCommandOptionType,
  ApplicationIntegrationType,
  InteractionContextType,
  type RESTPostAPIChatInputApplicationCommandsJSONBody,
} from 'discord.js';
import { chatCommand } from '../../src/commands/chat.js';
import type { Command } from '../../src/commands/command.js';

/** The one text option of every command that takes text: `/ask prompt:…`. */
export const PROMPT_OPTION = 'prompt';
/**
 * The optional file of every command that takes text (`/ask prompt:… file:…`): an attachment option, type 11
 * (https://discord.com/developers/docs/interactions/application-commands#application-command-object-application-command-option-type).
 */
export const FILE_OPTION = 'file';

// Discord: names are 1–32 lowercase letters, digits, - or _; descriptions 1–100 characters.
const NAME = /^[-_\p{Ll}\p{N}]{1,32}$/u;
const clip = (text: string, max = 100) => (text.length <= max ? text : `${text.slice(0, max - 1)}…`);

/**
 * One slash command per router command, so a skill command added to the router is registered with the rest. Those
 * that take text get a `prompt` option (required for /ask, which is nothing without a question). Global commands are
 * usable in servers and in DMs with the bot. `contexts` and `integration_types` apply to global commands only, and
 * guild commands never appear in DMs, so a guild's commands go without them
 * (https://discord.com/developers/docs/interactions/application-commands#registering-a-command).
 */
export function slashCommands(commands: readonly Command[], scope: 'global' | 'guild' = 'global'): RESTPostAPIChatInputApplicationCommandsJSONBody[] {
  return commands
    .filter((command) => NAME.test(command.name))
    .map((command) => ({
      name: command.name,
      description: clip(command.summary),
      ...(scope === 'global'
        ? { contexts: [InteractionContextType.Guild, InteractionContextType.BotDM], integration_types: [ApplicationIntegrationType.GuildInstall] }
        : {}),
      ...(command.takesArgs
        ? {
            options: [
              {
                type: ApplicationCommandOptionType.String,
                name: PROMPT_OPTION,
                description: command.name === chatCommand.name ? 'Your question' : clip(`Text for ${command.name}, e.g. ${command.example}`),
                required: command.name === chatCommand.name,
              },
              { type: ApplicationCommandOptionType.Attachment, name: FILE_OPTION, description: 'A file to read with it: an image, a PDF, a document or code', required: false },
            ],
          }
        : {}),
    }));
}
