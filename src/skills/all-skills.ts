import { analyzeSkill } from './analyze/analyze-skill.js';
import { docSkill } from './doc/doc-skill.js';
import { paletteSkill } from './palette/palette-skill.js';
import { parallelSkill } from './parallel/parallel-skill.js';
import type { Skill } from './skill.js';

/**
 * Every skill Xiaoliu has, in the order `help` lists them: the one place a skill is registered. The default router
 * appends them to its commands (where chat, `reset` and Discord's registration find them) and startSkillWorkers starts
 * their workers; nothing else names a skill.
 */
export const ALL_SKILLS: readonly Skill[] = [docSkill, analyzeSkill, paletteSkill, parallelSkill];
