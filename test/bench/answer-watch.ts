/*
 * What a person who asked sees, as the fake platforms observe it: the first sign that Xiaoliu is on it (a thread
 * status, a placeholder, a stream opening; on Discord a thread, "typing…" or a message) and the moment the whole
 * answer is on screen. Every bench answer ends with `end-<question token>`, so the first call to the platform
 * carrying that marker (a post, an edit, a stream append or stop) is when the asker can read all of it, however the
 * answer got there: edited in a channel, streamed in a DM, split into parts.
 */
import { percentiles } from './percentiles.js';

/** One thing the fake platforms saw: a sign in a thread (by thread key), or a complete answer (by question token). */
export interface Seen {
  kind: 'sign' | 'done';
  key: string;
  at: number;
}

/** What every bench answer ends with, naming the question's token. */
export const answerEnd = (token: string) => `end-${token}`;
export const END_MARKER = /\bend-(bq-[a-z0-9-]+)/;
/** A Slack thread (channel and the ts of its parent) as sign keys name it. */
export const slackKey = (channel: string, threadTs: string) => `slack ${channel} ${threadTs}`;
/** A Discord thread, which takes the id of the message it was started from. */
export const discordKey = (threadId: string) => `discord ${threadId}`;

/** A question as the driver sent it: its token, the thread its answer shows in, when it was sent (epoch ms). */
export interface Asked {
  token: string;
  key: string;
  at: number;
}

export type Feel = {
  asked: number;
  /** Questions whose whole answer was seen. */
  complete: number;
  firstSignMs: ReturnType<typeof percentiles>;
  completeMs: ReturnType<typeof percentiles>;
};

/** Collects what the platforms saw (polling `take`) and turns it into what each asker felt. */
export class AnswerWatch {
  private readonly signs = new Map<string, number[]>();
  private readonly done = new Map<string, number>();
  private readonly waiters = new Map<string, () => void>();
  private timer: NodeJS.Timeout | undefined;
  private polling = false;

  constructor(private readonly take: () => Promise<Seen[]>) {}

  /** Forgets everything seen so far, then polls every 10 ms. */
  async start(): Promise<void> {
    await this.take();
    this.signs.clear();
    this.done.clear();
    this.timer = setInterval(() => void this.poll(), 10);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** Resolves once the answer to `token` is complete (callers race it with a time limit). */
  answered(token: string): Promise<void> {
    if (this.done.has(token)) return Promise.resolve();
    return new Promise((resolve) => this.waiters.set(token, resolve));
  }

  /** Waits, at most `timeoutMs`, until every answer in `tokens` is complete. */
  async settle(tokens: readonly string[], timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline && tokens.some((t) => !this.done.has(t))) await new Promise((r) => setTimeout(r, 50));
    await this.poll();
  }

  /** When the answer to `token` was complete, if it was. */
  doneAt(token: string): number | undefined {
    return this.done.get(token);
  }

  /** Time to the first sign and to the complete answer, from sending the question, over the questions asked. */
  feel(asked: readonly Asked[]): Feel {
    const firstSign: number[] = [];
    const complete: number[] = [];
    for (const { token, key, at } of asked) {
      const doneAt = this.done.get(token);
      if (doneAt !== undefined) complete.push(doneAt - at);
      // The earliest sign in the thread after the question and no later than its answer: a follow-up in the same
      // thread is asked only after the answer before it, so earlier signs belong to earlier questions.
      const sign = this.signs.get(key)?.filter((s) => s >= at && (doneAt === undefined || s <= doneAt));
      const first = sign?.length ? Math.min(...sign) : doneAt;
      if (first !== undefined) firstSign.push(first - at);
    }
    return { asked: asked.length, complete: complete.length, firstSignMs: percentiles(firstSign), completeMs: percentiles(complete) };
  }

  private async poll(): Promise<void> {
    if (this.polling) return;
    this.polling = true;
    try {
      for (const { kind, key, at } of await this.take()) {
        if (kind === 'sign') {
          const list = this.signs.get(key);
          if (list) list.push(at);
          else this.signs.set(key, [at]);
        } else if (!this.done.has(key)) {
          this.done.set(key, at);
          this.waiters.get(key)?.();
          this.waiters.delete(key);
        }
      }
    } finally {
      this.polling = false;
    }
  }
}
