/**
 * An error whose message is written for the person who asked. The worker posts it in the thread instead of an answer
 * and does not retry the job: retrying would not change the outcome.
 */
export class UserFacingError extends Error {
  override readonly name = 'UserFacingError';
  constructor(
    /** What the user reads in the thread. */
    readonly userMessage: string,
    options?: { cause?: unknown },
  ) {
    super(userMessage, options);
  }
}

/** A configuration value is missing or malformed; the message names the variable and what it should be. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    /** The environment variable to fix. */
    readonly variable: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * A user-facing outcome that no retry can change (a daily budget reached, an answer cut off at its length limit):
 * where other failures are retried (a parallel sub-task's job), this one ends the work at once, at no further cost.
 */
export class FinalError extends UserFacingError {}
