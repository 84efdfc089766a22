import type Anthropic from '@anthropic-ai/sdk';
import type { Command } from '../commands/command.js';
import { isSkill, type Skill } from './skill.js';

/** The tool name under which Claude can hand a request to a skill. */
export function skillToolName(skill: Skill): string {
  return `use_${skill.name}_skill`;
}

/**
 * One tool per skill enabled in the channel. Claude calls one only when the request clearly calls for the skill; its
 * only input is the request restated, which becomes the skill's args.
 */
export function skillTools(commands: readonly Command[], enabled: readonly string[]): Anthropic.Tool[] {
  return commands
    .filter(isSkill)
    .filter((skill) => enabled.includes(skill.name))
    .map((skill) => ({
      name: skillToolName(skill),
      description: skill.toolDescription,
      input_schema: {
        type: 'object',
        properties: { request: { type: 'string', description: "The user's request, restated completely for the skill." } },
        required: ['request'],
      },
    }));
}
