import { int, type Env } from '../../src/config/env-readers.js';

export interface ShellConfig {
  /** Least time between two screen updates while an answer streams in the terminal. */
  editIntervalMs: number;
  /** Largest file `/attach` sends (ATTACHMENT_MAX_BYTES, the limit on every platform). */
  maxFileBytes: number;
}

/** The terminal adapter's settings. Always on: any worker may be asked to answer a terminal (`npm run shell`). */
export function readShellConfig(env: Env): ShellConfig {
  return {
    editIntervalMs: int(env, 'SHELL_EDIT_INTERVAL_MS', 100, 0, 60_000),
    maxFileBytes: int(env, 'ATTACHMENT_MAX_BYTES', 20_971_520, 1024, 33_554_432),
  };
}
