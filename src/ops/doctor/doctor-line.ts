/** How one check went: fine, worth a look (does not fail the run), broken, or not applicable here. */
export type DoctorStatus = 'ok' | 'warn' | 'fail' | 'skip';

/** One line of `npm run doctor`: which check, how it went, and, when it did not go well, what to change. */
export interface DoctorLine {
  status: DoctorStatus;
  check: string;
  text: string;
}

export const ok = (check: string, text: string): DoctorLine => ({ status: 'ok', check, text });
export const warn = (check: string, text: string): DoctorLine => ({ status: 'warn', check, text });
export const fail = (check: string, text: string): DoctorLine => ({ status: 'fail', check, text });
export const skip = (check: string, text: string): DoctorLine => ({ status: 'skip', check, text });

const MARKS: Record<DoctorStatus, string> = { ok: '✓', warn: '!', fail: '✗', skip: '-' };

export function formatLine(line: DoctorLine): string {
  return `${MARKS[line.status]} ${line.check}: ${line.text}`;
}

/** A check that got no answer in time. */
export class DeadlineError extends Error {
  constructor(readonly ms: number) {
    super(`no answer within ${ms >= 1000 ? `${ms / 1000} s` : `${ms} ms`}`);
  }
}

/**
 * Runs one call with a deadline: its signal aborts at the deadline (for clients that take one), and the call is
 * given up then even if it ignores the signal, so the whole report takes a bounded time.
 */
export async function withDeadline<T>(ms: number, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const error = new DeadlineError(ms);
      controller.abort(error);
      reject(error);
    }, ms);
  });
  try {
    return await Promise.race([work(controller.signal), deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** The host (and port) of a URL, never its user or password: what the report may show of DATABASE_URL and the like. */
export function hostOf(url: string): string {
  try {
    return new URL(url).host || url;
  } catch {
    return 'an invalid URL';
  }
}

/** Why a call failed, in a few words that carry no secret: a code or status when there is one, else the message. */
export function reasonOf(error: unknown): string {
  if (error instanceof DeadlineError) return error.message;
  const e = error as { code?: unknown; cause?: { code?: unknown }; message?: unknown };
  const code = typeof e?.code === 'string' ? e.code : typeof e?.cause?.code === 'string' ? e.cause.code : undefined;
  return code ?? (typeof e?.message === 'string' ? e.message : String(error));
}
