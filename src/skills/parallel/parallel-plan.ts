import type { StructuredAnswer } from '../../claude/shape-request.js';
import { UserFacingError } from '../../domain/errors.js';

/** One independent piece of the work, done by its own job. */
export interface Subtask {
  /** Short, for the checklist. */
  title: string;
  /** Self-contained: the worker doing it sees only these, the goal and the original request. */
  instructions: string;
}

/** How Claude split a request: the goal of the whole and its independent parts. */
export interface ParallelPlan {
  goal: string;
  subtasks: Subtask[];
}

export const PLAN_TOOL_NAME = 'plan_subtasks';

const MAX_TITLE = 80;
const MAX_GOAL = 200;

/** The answer Claude gives when planning; `max` is also stated in the description, so it rarely needs cutting. */
export function planAnswer(max: number): StructuredAnswer {
  return {
    name: PLAN_TOOL_NAME,
    description:
      `Split the request into at most ${max} independent sub-tasks that different workers can do at the same time, ` +
      'without seeing each other. Their results will be merged into one answer afterwards.',
    schema: {
      type: 'object',
      additionalProperties: false,
      properties: {
        goal: { type: 'string', description: 'The goal of the whole request, in one sentence.' },
        subtasks: {
          type: 'array',
          minItems: 1,
          maxItems: max,
          items: {
            type: 'object',
            additionalProperties: false,
            properties: {
              title: { type: 'string', description: 'A few words, shown in a checklist.' },
              instructions: { type: 'string', description: 'Complete, self-contained instructions for this part.' },
            },
            required: ['title', 'instructions'],
          },
        },
      },
      required: ['goal', 'subtasks'],
    },
  };
}

const GARBLED = 'Claude did not come back with a usable plan for splitting this up. Please try again, or rephrase the request.';

/** Checks the model's plan (unvalidated JSON) and keeps at most `max` sub-tasks. */
export function parsePlan(input: unknown, max: number): ParallelPlan {
  if (!input || typeof input !== 'object') throw new UserFacingError(GARBLED);
  const { goal, subtasks } = input as { goal?: unknown; subtasks?: unknown };
  if (typeof goal !== 'string' || !goal.trim() || !Array.isArray(subtasks)) throw new UserFacingError(GARBLED);
  const parsed: Subtask[] = [];
  for (const item of subtasks) {
    const { title, instructions } = (item ?? {}) as { title?: unknown; instructions?: unknown };
    if (typeof title !== 'string' || typeof instructions !== 'string' || !title.trim() || !instructions.trim()) {
      throw new UserFacingError(GARBLED);
    }
    parsed.push({ title: clip(oneLine(title), MAX_TITLE), instructions: instructions.trim() });
  }
  if (parsed.length === 0) throw new UserFacingError(GARBLED);
  return { goal: clip(oneLine(goal), MAX_GOAL), subtasks: parsed.slice(0, max) };
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
