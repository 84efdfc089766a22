import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Egress } from '../../src/domain/egress.js';
import type { ReplyAddress } from '../../src/domain/inbound-message.js';
import { ReplyWriter } from '../../src/render/reply-writer.js';
import { claimDelivery } from '../../src/store/claim-delivery.js';
import type { Sql } from '../../src/store/database.js';
import { silentLogger } from '../support/silent-logger.js';

/*
 * Where platforms differ by design (each harness declares it; the shared tests check the fallback, never skip):
 * - Native stream: Slack (chat.startStream, in DMs and assistant threads), the terminal and the HTTP API (relayed
 *   deltas) stream natively; Discord has no streaming API: it edits one message at most once per editIntervalMs.
 * - Splitting: Slack (3,500 chars) and Discord (2,000) split a long answer into up to 4 messages; the terminal and the
 *   HTTP API take one message per answer (maxParts 1): past maxMessageChars the answer's head stays in the message
 *   and the whole text is attached as a file (the terminal's limit is 100,000 characters, the API's 16,000).
 * - Pings: Slack defuses <!channel>-style tokens and plain @channel/@here/@everyone; Discord defuses @everyone/@here
 *   and sends allowed_mentions { parse: [] } so no mention notifies; a terminal or an API client notifies no one,
 *   so their text goes out verbatim.
 * - Exactly once: Slack finds a post of a dead attempt by its message metadata, Discord by its enforced nonce, the
 *   relays by the message id (`<delivery>#<part>`), which is the same on every attempt.
 * - Status: Slack shows "is thinking…" (assistant.threads.setStatus) and clears it on done; Discord shows typing,
 *   which Discord ends by itself; the relays have no status. Done: the relays tell their client the answer is
 *   complete; Slack and Discord have nobody waiting to tell.
 */

/** What the shared tests need to know about a platform, and how they read back what a person there sees. */
export interface EgressHarness {
  egress: Egress;
  /** A migrated test database, for the reply writer's records. */
  sql: Sql;
  /** Who asked (native streams are addressed to them). */
  recipientId: string;
  /** Differences by design (see above). */
  capabilities: {
    /** Answers stream as deltas rather than as edits of one message. */
    nativeStream: boolean;
    /** The platform can notify people from text, so the egress must defuse pings. */
    pings: boolean;
    /** A status ("is thinking…") that `done` clears. */
    clearableStatus: boolean;
    /** `done` tells a waiting client that the answer is complete. */
    doneSignal: boolean;
  };
  /** A fresh thread where someone asked a question: every test writes in its own. */
  newAddress(): Promise<ReplyAddress>;
  /** Xiaoliu's messages in the thread (for the relays: of the delivery), oldest first, as a viewer sees them now. */
  seen(address: ReplyAddress, deliveryId: string): Promise<string[]>;
  /** Files attached there, as a viewer gets them. */
  files(address: ReplyAddress, deliveryId: string): Promise<{ filename: string; size: number }[]>;
  /** Whatever in Xiaoliu's messages there would notify someone (a live @channel, a mention allowed to ping). */
  pings(address: ReplyAddress, deliveryId: string): Promise<string[]>;
  /** Whether the answer streamed natively there (a stream opened) rather than by editing. */
  streamedNatively(address: ReplyAddress, deliveryId: string): Promise<boolean>;
  /** The status shown there, if any. */
  status(address: ReplyAddress): Promise<string | undefined>;
  /** Whether the client waiting there was told the delivery's answer is complete. */
  doneSignalled(address: ReplyAddress, deliveryId: string): Promise<boolean>;
  close(): Promise<void>;
}

let deliveries = 0;

/** The same tests for every platform's egress, each against its fake, read back as a person there would see it. */
export function describeEgressConformance(name: string, makeHarness: () => Promise<EgressHarness>): void {
  describe(`egress conformance: ${name}`, () => {
    let h: EgressHarness;
    beforeAll(async () => {
      h = await makeHarness();
    });
    afterAll(async () => {
      await h?.close();
    });

    /** A new delivery in a new thread, claimed as the worker claims it, and its reply writer. */
    async function attempt(firstTime = true, given?: { address: ReplyAddress; deliveryId: string }) {
      const address = given?.address ?? (await h.newAddress());
      const deliveryId = given?.deliveryId ?? `conf-${name}-${process.pid}-${++deliveries}`;
      if (!given) await claimDelivery(h.sql, h.egress.platform, address, deliveryId, h.recipientId);
      const writer = new ReplyWriter(h.egress, address, deliveryId, h.sql, silentLogger(), firstTime, h.recipientId);
      return { address, deliveryId, writer };
    }

    it('posts a message and edits it in place', async () => {
      const address = await h.newAddress();
      const deliveryId = `conf-${name}-${process.pid}-${++deliveries}`;
      const { messageId } = await h.egress.post(address, 'Hello', { deliveryId, part: 0 });
      await h.egress.edit(address, messageId, 'Hello, world');
      expect(await h.seen(address, deliveryId)).toEqual(['Hello, world']);
    });

    it('streams an answer into one message: natively where the platform can, else by edits', async () => {
      const { address, deliveryId, writer } = await attempt();
      await writer.start();
      writer.stream('Once');
      writer.stream('Once upon');
      await writer.finish('Once upon a time.');
      expect(await h.seen(address, deliveryId)).toEqual(['Once upon a time.']);
      expect(h.egress.nativeStream !== undefined).toBe(h.capabilities.nativeStream);
      expect(await h.streamedNatively(address, deliveryId)).toBe(h.capabilities.nativeStream);
    });

    it('splits a long answer into messages within the limit, or attaches it whole where one message is all', async () => {
      const { maxMessageChars, maxParts } = h.egress.limits;
      const paragraph = `${'word '.repeat(59)}end.`; // 300 characters
      const count = Math.ceil((maxMessageChars * 1.5) / 302);
      const answer = Array.from({ length: count }, (_, i) => `${i}: ${paragraph}`).join('\n\n');
      const { address, deliveryId, writer } = await attempt();
      await writer.start();
      await writer.finish(answer);
      const seen = await h.seen(address, deliveryId);
      for (const text of seen) expect(text.length).toBeLessThanOrEqual(maxMessageChars);
      if (maxParts > 1) {
        expect(seen.length).toBeGreaterThan(1);
        expect(seen.length).toBeLessThanOrEqual(maxParts);
        // Every paragraph arrives, in order, each in one piece.
        const shown = seen.join('\n\n');
        let at = -1;
        for (let i = 0; i < count; i++) {
          const next = shown.indexOf(`${i}: ${paragraph}`, at + 1);
          expect(next, `paragraph ${i}`).toBeGreaterThan(at);
          at = next;
        }
      } else {
        // The documented fallback: the head in the one message, the whole answer as a file.
        expect(seen).toHaveLength(1);
        expect(answer.startsWith(seen[0]!.replace(/…[^]*$/, '').trimEnd().slice(0, 200))).toBe(true);
        const files = await h.files(address, deliveryId);
        expect(files).toHaveLength(1);
        expect(files[0]!.size).toBeGreaterThanOrEqual(answer.length);
      }
    });

    it('attaches a file', async () => {
      const { address, deliveryId, writer } = await attempt();
      await writer.start();
      await writer.finish('Here is the report.');
      const data = Buffer.from('# Report\n\nAll fine.\n');
      await writer.attach({ filename: 'report.md', mimeType: 'text/markdown', data, comment: 'The report' }, 1);
      const files = await h.files(address, deliveryId);
      expect(files.map((f) => [f.filename, f.size])).toEqual([['report.md', data.length]]);
    });

    it('never pings: @channel, @everyone, @here and mentions written by the model notify no one', async () => {
      const text = 'Hey @everyone, @here and @channel, <!channel> <!here> <@U0123> <@123456789012345678>!';
      const { address, deliveryId, writer } = await attempt();
      await writer.start();
      writer.stream('Hey @every');
      await writer.finish(text);
      expect(await h.pings(address, deliveryId)).toEqual([]);
      const seen = await h.seen(address, deliveryId);
      expect(seen).toHaveLength(1);
      if (h.capabilities.pings) expect(seen[0]).not.toBe(text);
      // Where nothing can notify anyone, the text goes out as written.
      else expect(seen[0]).toBe(text);
    });

    it('posts exactly once: a retried post and a retried attempt do not post twice', async () => {
      // The same post sent again (a lost response, a retry that does not know whether the first arrived).
      const address = await h.newAddress();
      const deliveryId = `conf-${name}-${process.pid}-${++deliveries}`;
      const first = await h.egress.post(address, 'Only once', { deliveryId, part: 0 });
      const again = await h.egress.post(address, 'Only once', { deliveryId, part: 0, retry: true });
      expect(again.messageId).toBe(first.messageId);
      expect(await h.seen(address, deliveryId)).toEqual(['Only once']);

      // A retried post with other text (an apology replacing a dead attempt's placeholder): the one message says it.
      const changed = await h.egress.post(address, 'Now this', { deliveryId, part: 0, retry: true });
      expect(changed.messageId).toBe(first.messageId);
      expect(await h.seen(address, deliveryId)).toEqual(['Now this']);

      // An attempt that posted (or opened its stream) and died before recording it: the next attempt finds that
      // message and writes the answer into it. (A recorded message is found by its record: no window to test there.)
      const dead = await attempt();
      await dead.writer.start();
      await h.sql`delete from replies where delivery_id = ${dead.deliveryId}`;
      const retry = await attempt(false, dead);
      await retry.writer.start();
      await retry.writer.finish('The whole answer, again.');
      expect(await h.seen(dead.address, dead.deliveryId)).toEqual(['The whole answer, again.']);
    });

    it('ends the answer with done: clears the status, or tells the waiting client', async () => {
      const { address, deliveryId, writer } = await attempt();
      await writer.start();
      writer.status('is thinking…');
      await writer.finish('Done.');
      await h.egress.setStatus?.(address, 'is thinking…');
      await h.egress.done?.(address, deliveryId);
      if (h.capabilities.clearableStatus) expect(h.egress.setStatus).toBeDefined();
      expect(await h.status(address)).toBeUndefined();
      expect(await h.doneSignalled(address, deliveryId)).toBe(h.capabilities.doneSignal);
      expect(await h.seen(address, deliveryId)).toEqual(['Done.']);
    });
  });
}
