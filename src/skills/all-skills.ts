import { analyzeSkill } from './analyze/analyze-skill.js';
import { docSkill } from './doc/doc-skill.js';
import { paletteSkill } from './palette/palette-skill.js';
import { parallelSkill } from './parallel/parallel-skill.js';
import type { Skill } from './skill.js';

/**
 * Every skill Xiaoliu has, in the order `help` lists them: the one place a skill is registered. The router, chat's
 * hand-over tools, `reset` and the worker processes all find skills here (through the router's commands).
 */
export const ALL_SKILLS: readonly Skill[] = [docSkill, analyzeSkill, paletteSkill, parallelSkill];
