import type { Run } from './parallel-runs.js';

const MARK = { pending: '☐', done: '☑', failed: '✗', cancelled: '⊘' } as const;

/** The checklist message of a run: one line per sub-task, then where the run as a whole stands. */
export function renderChecklist(run: Pick<Run, 'meta' | 'states' | 'errors' | 'cancelled' | 'merge'>): string {
  const { plan } = run.meta;
  const lines = plan.subtasks.map((subtask, i) => {
    const state = run.states[i] ?? 'pending';
    const note = state === 'failed' ? ` — failed${run.errors[i] ? `: ${run.errors[i]}` : ''}` : state === 'cancelled' ? ' — cancelled' : '';
    return `${MARK[state]} ${subtask.title}${note}`;
  });
  return [`**Working in parallel:** ${plan.goal}`, '', ...lines, '', `_${footer(run)}_`].join('\n');
}

function footer(run: Pick<Run, 'states' | 'cancelled' | 'merge'>): string {
  const total = run.states.length;
  const done = run.states.filter((s) => s === 'done').length;
  const failed = run.states.filter((s) => s === 'failed').length;
  if (run.cancelled || run.merge === 'cancelled') return 'Cancelled: the sub-tasks not yet started will not run, and nothing will be merged.';
  switch (run.merge) {
    case 'merging':
      return `${done} of ${total} done${failed ? `, ${failed} failed` : ''}: merging the results…`;
    case 'merged':
      return `${done} of ${total} done${failed ? `, ${failed} failed` : ''}: the merged answer is below.`;
    case 'failed':
      return `${done} of ${total} done${failed ? `, ${failed} failed` : ''}: the results could not be merged.`;
    default:
      return `${done} of ${total} done${failed ? `, ${failed} failed` : ''}; I'll merge the results when all have finished.`;
  }
}
