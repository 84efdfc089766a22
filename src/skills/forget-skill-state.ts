import { ALL_SKILLS } from './all-skills.js';
import type { ForgetTarget, SkillStoreDeps } from './skill.js';

/** Deletion: what every skill keeps in Redis about these deliveries and conversations (Skill.forget). */
export async function forgetSkillState(deps: SkillStoreDeps, target: ForgetTarget): Promise<void> {
  for (const skill of ALL_SKILLS) await skill.forget?.(deps, target);
}

/** Data retention: what every skill keeps in Redis that was last changed before `cutoffMs` (Skill.expire). */
export async function expireSkillState(deps: SkillStoreDeps, cutoffMs: number): Promise<number> {
  let deleted = 0;
  for (const skill of ALL_SKILLS) deleted += (await skill.expire?.(deps, cutoffMs)) ?? 0;
  return deleted;
}
