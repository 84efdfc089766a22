import { ALL_SKILLS } from './all-skills.js';
import type { SkillWorkerDeps, SkillWorkers } from './skill.js';

/** Starts the workers of every skill that has its own queues (parallel's sub-tasks and merges), as one to close. */
export function startSkillWorkers(deps: SkillWorkerDeps): SkillWorkers {
  const started = ALL_SKILLS.flatMap((skill) => (skill.startWorkers ? [skill.startWorkers(deps)] : []));
  return {
    // One shutdown allowance for all of them, in parallel.
    async close(timeoutMs) {
      await Promise.all(started.map((workers) => workers.close(timeoutMs)));
    },
  };
}
