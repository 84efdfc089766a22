import type Anthropic from '@anthropic-ai/sdk';
import type { Command } from './command.js';

/** The tool name under which Claude can hand a request to a skill. */
export function skillToolName(skill: Command): string {
  return `use_${skill.name}_skill`;
}

/**
 * One tool per skill enabled in the channel. Claude calls one only when the request clearly calls for the skill; its
 * only input is the request restated, which becomes the skill's args.
 */
export function skillTools(commands: readonly Command[], enabled: readonly string[]): Anthropic.Tool[] {
  return commands
    .filter((c) => c.toolDescription && enabled.includes(c.name))
    .map((c) => ({
      name: skillToolName(c),
      description: c.toolDescription!,
      input_schema: {
        type: 'object',
        properties: { request: { type: 'string', description: "The user's request, restated completely for the skill." } },
        required: ['request'],
      },
    }));
}
