import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FakeAnthropic } from '../fakes/fake-anthropic.js';

/*
 * Memory and schedules through the whole pipeline (gateway, queue, worker, Postgres) on every platform, each through
 * its fake: a person writes the command where they talk to Xiaoliu (a Slack or Discord channel mention, an HTTP API
 * request, a terminal line) and reads the answer there. Differences by design: on the HTTP API and the terminal there
 * are no channels of other people, so "this channel" is the person's own conversation place (an API user's, a
 * terminal session's) and a channel memory reaches only it.
 */

/** How the shared tests talk to Xiaoliu on a platform and read its answer, as the person who asked sees it. */
export interface CommandHarness {
  /** The fake model the app asks, to see what reached its system prompt. */
  model: FakeAnthropic;
  /** Writes `text` to Xiaoliu where the platform talks to it, waits for the whole answer, and returns its text. */
  ask(text: string): Promise<string>;
  close(): Promise<void>;
}

/** The same commands and answers on every platform. */
export function describeMemoryConformance(name: string, makeHarness: () => Promise<CommandHarness>): void {
  describe(`memory conformance: ${name}`, () => {
    let h: CommandHarness;
    beforeAll(async () => {
      h = await makeHarness();
    });
    afterAll(async () => {
      await h?.close();
    });

    it('remembers a fact, lists it, gives it to the next question, and forgets it', async () => {
      const fact = `the release train leaves on Thursday ${randomBytes(3).toString('hex')}`;
      const kept = await h.ask(`remember ${fact}`);
      expect(kept).toMatch(/^Noted for this channel \(#\d+\)/);
      const id = /#(\d+)/.exec(kept)![1]!;
      expect(await h.ask('memories')).toContain(fact);

      await h.ask('when does the train leave?');
      expect(JSON.stringify(h.model.requests.at(-1)!.body.system)).toContain(fact);

      expect(await h.ask(`forget memory ${id}`)).toBe(`Forgotten: memory #${id}.`);
      expect(await h.ask('memories')).not.toContain(fact);
      await h.ask('and now?');
      expect(JSON.stringify(h.model.requests.at(-1)!.body.system)).not.toContain(fact);
    });

    it('keeps a personal memory with `remember for me`', async () => {
      const fact = `I like short answers ${randomBytes(3).toString('hex')}`;
      expect(await h.ask(`remember for me ${fact}`)).toMatch(/^Noted for you \(#\d+\)/);
      expect(await h.ask('memories')).toContain(fact);
    });

    it('lists no schedules where none were made', async () => {
      expect(await h.ask('schedule list')).toMatch(/^No schedules in this channel/);
    });
  });
}
