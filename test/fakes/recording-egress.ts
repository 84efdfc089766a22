import { textOf, type Egress, type EgressLimits, type OutboundFile, type OutboundText, type PostedMessage } from '../../src/domain/egress.js';
import type { Platform, ReplyAddress } from '../../src/domain/inbound-message.js';

/** One call the worker made on the fake platform. */
export type EgressCall =
  | { op: 'post'; address: ReplyAddress; messageId: string; text: string; at: number }
  | { op: 'edit'; address: ReplyAddress; messageId: string; text: string }
  | { op: 'upload'; address: ReplyAddress; messageId: string; file: OutboundFile }
  | { op: 'done'; address: ReplyAddress; deliveryId: string };

/**
 * A chat platform in memory: it keeps every posted message and its current text, records each call in order, and
 * can be told to fail calls the way a real platform's API sometimes does (a 500 on an edit).
 */
export class RecordingEgress implements Egress {
  readonly calls: EgressCall[] = [];
  /** Current text of every message, by id. */
  readonly messages = new Map<string, { address: ReplyAddress; text: string }>();
  private failures: { op: 'post' | 'edit'; when: (text: string) => boolean; times: number }[] = [];
  /** How long a post takes to be answered, as a slow platform API would. */
  postDelayMs = 0;
  private nextId = 1;

  constructor(
    readonly platform: Platform,
    readonly limits: EgressLimits = { maxMessageChars: 4000, editIntervalMs: 20, maxParts: 4 },
  ) {}

  /** Makes the next `times` matching calls throw, as a platform outage would. */
  failNext(op: 'post' | 'edit', times = 1, when: (text: string) => boolean = () => true): void {
    this.failures.push({ op, when, times });
  }

  async post(address: ReplyAddress, outbound: OutboundText): Promise<PostedMessage> {
    // Read as the request goes out: the delay is the platform's slow answer, not a wait before sending.
    const text = textOf(outbound);
    if (this.postDelayMs) await new Promise((resolve) => setTimeout(resolve, this.postDelayMs));
    this.maybeFail('post', text);
    const messageId = `m${this.nextId++}`;
    this.messages.set(messageId, { address, text });
    this.calls.push({ op: 'post', address, messageId, text, at: Date.now() });
    return { messageId };
  }

  async edit(address: ReplyAddress, messageId: string, text: string): Promise<void> {
    this.maybeFail('edit', text);
    const message = this.messages.get(messageId);
    if (!message) throw new Error(`platform: no message ${messageId}`);
    message.text = text;
    this.calls.push({ op: 'edit', address, messageId, text });
  }

  async upload(address: ReplyAddress, file: OutboundFile): Promise<PostedMessage> {
    const messageId = `f${this.nextId++}`;
    this.calls.push({ op: 'upload', address, messageId, file });
    return { messageId };
  }

  async done(address: ReplyAddress, deliveryId: string): Promise<void> {
    this.calls.push({ op: 'done', address, deliveryId });
  }

  /** Posts made in a channel/thread, in order, with their current text. */
  postsIn(channelId: string, threadId?: string): { messageId: string; text: string }[] {
    return this.calls
      .filter((c): c is Extract<EgressCall, { op: 'post' }> => c.op === 'post')
      .filter((c) => c.address.channelId === channelId && c.address.threadId === threadId)
      .map((c) => ({ messageId: c.messageId, text: this.messages.get(c.messageId)!.text }));
  }

  /** Deliveries whose answer is complete. */
  doneDeliveries(): string[] {
    return this.calls.filter((c) => c.op === 'done').map((c) => (c as { deliveryId: string }).deliveryId);
  }

  private maybeFail(op: 'post' | 'edit', text: string): void {
    const failure = this.failures.find((f) => f.op === op && f.times > 0 && f.when(text));
    if (!failure) return;
    failure.times--;
    throw new Error(`platform: ${op} failed (simulated 500)`);
  }
}
