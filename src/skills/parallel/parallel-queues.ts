import type { JobsOptions } from 'bullmq';

/** Each sub-task of a run is a job here: any worker in the worker role, on any machine, may take it. */
export const SUBTASK_QUEUE = 'parallel-subtasks';
/** The parent of a run's sub-task jobs: it runs once they have all finished (or failed for good). */
export const MERGE_QUEUE = 'parallel-merge';

/** A sub-task job: which run, which part. The rest is in the run's state in Redis. */
export interface SubtaskJobData {
  runId: string;
  index: number;
}

/**
 * What a sub-task job returns. Its answer is kept in the run's hash (`r<i>`), not here: BullMQ copies a return value
 * into the parent and into the queue's event stream, where deleting the run could not reach it.
 */
export interface SubtaskResult {
  index: number;
  /** Only from sub-tasks finished before results moved to the run's hash (read by a merge after an upgrade). */
  text?: string;
}

export interface MergeJobData {
  runId: string;
}

/** Attempts per sub-task: a retry or two for failures the model client does not retry itself (database, network). */
export const SUBTASK_ATTEMPTS = 3;

// Deterministic ids: adding a run's flow again (a retried launch) finds the jobs already there.
export const subtaskJobId = (runId: string, index: number) => `${runId}-s${index}`;
export const mergeJobId = (runId: string) => `${runId}-merge`;

const DAY = 24 * 3600;

/** Finished jobs are kept a day, so a flow added again in that time is a no-op rather than a second run. */
export const SUBTASK_JOB_OPTIONS: JobsOptions = {
  attempts: SUBTASK_ATTEMPTS,
  backoff: { type: 'exponential', delay: 500 },
  // A sub-task that fails for good leaves its place to the others: the merge still runs, with what there is.
  ignoreDependencyOnFailure: true,
  removeOnComplete: { age: DAY },
  removeOnFail: { age: 7 * DAY },
};

export const MERGE_JOB_OPTIONS: JobsOptions = {
  attempts: 3,
  backoff: { type: 'exponential', delay: 1000 },
  removeOnComplete: { age: DAY },
  removeOnFail: { age: 7 * DAY },
};
