import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InboundMessage, ReplyAddress } from '../../src/domain/inbound-message.js';
import { createInboundProducer, type InboundProducer } from '../../src/queue/inbound-queue.js';
import { createRedis } from '../../src/redis/create-redis.js';
import { TEST_REDIS_URL } from '../support/test-app.js';
import { waitFor } from '../support/wait-for.js';

/*
 * Where platforms differ by design (each harness declares it; the shared tests check the fallback, never skip):
 * - Channels: Slack and Discord have channels, mentions, threads, other bots and slash commands. The terminal and
 *   the HTTP API have none of these: every message is someone writing to Xiaoliu directly, queued as a DM.
 * - Slash commands: Slack's /xiaoliu and Discord's /ask are queued as 'slash'; the others have no commands. Slack
 *   posts the question and answers in a thread under it; Discord answers the interaction in place (no thread).
 * - Files: every platform takes a file with a message (Slack's url_private, Discord's CDN attachment, the HTTP API's
 *   upload, the terminal's `/attach`), queued as a reference the worker fetches, never as the bytes themselves.
 * - A message waiting in line: Slack's thread status says where it stands (a top-level DM, with no thread, gets an ⏳
 *   reaction), as do the HTTP API's `queued` event and the terminal's line; Discord's typing indicator cannot.
 */

/** How the shared tests make things happen on a platform, through its fake, and see what its ingress queued. */
export interface IngressHarness {
  /** The gateway's queue prefix (QUEUE_PREFIX), to read what was queued. */
  queuePrefix: string;
  /** Someone writes to Xiaoliu directly (a DM, a terminal line, an API request). */
  dm(text: string): Promise<void>;
  /** The same, with a file attached the platform's own way. */
  dmWithFile(text: string, file: SharedFile): Promise<void>;
  /** Platforms with channels; undefined where every message is a DM (see above). */
  channels?: {
    /** Someone mentions Xiaoliu at the top of a channel. */
    mention(text: string): Promise<void>;
    /** Someone replies, without a mention, in the thread a mention's answer lives in. */
    reply(address: ReplyAddress, text: string): Promise<void>;
    /** Someone writes in a channel without mentioning Xiaoliu. */
    chatter(text: string): Promise<void>;
    /** Another bot writes to Xiaoliu directly, mentioning it. */
    fromBot(text: string): Promise<void>;
    /** Someone runs the platform's slash command in the channel where `mention` writes. */
    slash(text: string): Promise<void>;
    /** Slack answers a command in a thread under the question it posts; Discord answers the interaction in place. */
    slashOpensThread: boolean;
  };
  /**
   * The signs the platform has shown that this queued message waits in line (src/ingress/herald.ts), as text: Slack's
   * thread status or ⏳ reaction, Discord's typing indicator, the HTTP API's `queued` event, the terminal's line.
   */
  queuedSigns(message: InboundMessage): Promise<string[]>;
  /** Whether the sign says where the message stands: Discord's typing indicator cannot. */
  signSaysWhere: boolean;
  close(): Promise<void>;
}

export interface SharedFile {
  name: string;
  mimeType: string;
  data: Buffer;
}

/** The same facts on every platform lead to the same queued InboundMessage, or to none. */
export function describeIngressConformance(name: string, makeHarness: () => Promise<IngressHarness>): void {
  describe(`ingress conformance: ${name}`, () => {
    let h: IngressHarness;
    let redis: ReturnType<typeof createRedis>;
    let producer: InboundProducer;
    beforeAll(async () => {
      h = await makeHarness();
      redis = createRedis(TEST_REDIS_URL);
      producer = createInboundProducer({ redis, prefix: h.queuePrefix, jobAttempts: 1 });
    });
    afterAll(async () => {
      await producer?.close();
      await redis?.quit();
      await h?.close();
    });

    const unique = (what: string) => `${what} ${randomBytes(3).toString('hex')}`;
    const queued = async (): Promise<InboundMessage[]> => {
      const jobs = await producer.queue.getJobs(['waiting', 'prioritized', 'delayed', 'active', 'completed', 'failed']);
      return jobs.map((job) => job.data.message);
    };
    const queuedWith = (text: string) => waitFor(`a queued message with "${text}"`, async () => (await queued()).find((m) => m.text.includes(text)));
    /** Nothing queued for `text`: checked once a DM sent after it has been queued, so it was handled by then. */
    const notQueued = async (text: string) => {
      const barrier = unique('barrier');
      await h.dm(barrier);
      await queuedWith(barrier);
      expect((await queued()).filter((m) => m.text.includes(text))).toEqual([]);
    };

    it('queues a DM as a DM, from the person who wrote it', async () => {
      const text = unique('a direct question');
      await h.dm(text);
      const message = await queuedWith(text);
      expect(message).toMatchObject({ v: 1, platform: name, kind: 'dm', author: { isBot: false } });
      expect(message.id.startsWith(`${name}-`)).toBe(true);
    });

    it('queues a file shared with a message as a reference to fetch, with its name and size, not its bytes', async () => {
      const text = unique('what is in this file?');
      const data = Buffer.from(`name,team\n${randomBytes(8).toString('hex')},platform\n`);
      await h.dmWithFile(text, { name: 'roster.csv', mimeType: 'text/csv', data });
      const message = await queuedWith(text);
      expect(message.attachments).toEqual([expect.objectContaining({ name: 'roster.csv', size: data.length })]);
      const [attachment] = message.attachments;
      expect(attachment!.url).toMatch(/\S/);
      // The queue carries where the file is, never what is in it (payloads stay small; retention rules apply to files).
      expect(JSON.stringify(message)).not.toContain(data.toString('base64'));
      expect(JSON.stringify(message)).not.toContain(data.toString('utf8').split('\n')[1]);
    });

    it('queues a mention, then a follow-up in its thread; not chatter, not a bot', async () => {
      if (!h.channels) {
        // The fallback: no channels, so nothing but DMs is ever queued here.
        expect((await queued()).every((m) => m.kind === 'dm' && !m.author.isBot)).toBe(true);
        return;
      }
      const question = unique('a mention');
      await h.channels.mention(question);
      const mention = await queuedWith(question);
      expect(mention).toMatchObject({ platform: name, kind: 'mention', author: { isBot: false } });
      expect(mention.address.threadId).toBeDefined(); // the answer opens (or lives in) a thread

      const followUp = unique('a follow-up');
      await h.channels.reply(mention.address, followUp);
      expect(await queuedWith(followUp)).toMatchObject({ kind: 'thread', address: mention.address });

      const chatter = unique('chatter');
      await h.channels.chatter(chatter);
      const fromBot = unique('a bot asks');
      await h.channels.fromBot(fromBot);
      await notQueued(chatter);
      await notQueued(fromBot);
    });

    // The gateway has no worker here, so nothing is taken: every message waits, and its platform must show it.
    it('shows that a message no worker has taken yet waits in line, and where it stands where the platform can say', async () => {
      const signsOf = async (message: InboundMessage) => {
        const signs = await waitFor(`a sign that "${message.text}" waits in line`, async () => {
          const shown = await h.queuedSigns(message);
          return shown.length > 0 ? shown : undefined;
        });
        if (h.signSaysWhere) expect(signs.join('\n')).toMatch(/in line/);
        return signs;
      };
      const text = unique('waits in line');
      await h.dm(text);
      await signsOf(await queuedWith(text));
      if (!h.channels) return;
      const question = unique('a mention that waits');
      await h.channels.mention(question);
      await signsOf(await queuedWith(question));
    });

    it('queues a slash command where the platform has one', async () => {
      if (!h.channels) {
        expect((await queued()).some((m) => m.kind === 'slash')).toBe(false);
        return;
      }
      const text = unique('a command');
      await h.channels.slash(text);
      const message = await queuedWith(text);
      expect(message).toMatchObject({ platform: name, kind: 'slash', author: { isBot: false } });
      if (h.channels.slashOpensThread) expect(message.address.threadId).toBeDefined();
      else expect(message.address.threadId).toBeUndefined();
    });
  });
}
