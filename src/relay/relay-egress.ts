import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { textOf, type AnswerControls, type Egress, type EgressLimits, type NativeStream, type OutboundFile, type OutboundText, type PostKey, type PostedMessage, type StartedStream } from '../domain/egress.js';
import type { InboundMessage, Platform, ReplyAddress } from '../domain/inbound-message.js';
import { parseRelayMessageId, relayMessageId, type RelayEvent, type RelayedFile } from './relay-events.js';

export interface RelayOptions {
  platform: Platform;
  /** Publishes; shared with the rest of the worker. */
  redis: Redis;
  limits: EgressLimits;
  /** The pub/sub channel an answer goes to: the terminal's session, or the HTTP request's delivery. */
  channel(address: ReplyAddress, deliveryId: string): string;
  /** Makes a file something the client can have: sent inline, or kept (in Postgres) and named by an id. */
  keepFile(address: ReplyAddress, file: OutboundFile, deliveryId: string): Promise<RelayedFile>;
}

/**
 * The egress of a platform whose client waits on Xiaoliu itself: every call becomes a RelayEvent published to the
 * client's channel. It streams (`nativeStream`), so the client receives each new piece of the answer as it is
 * written, with no placeholder to recognize and nothing to diff.
 */
export class RelayEgress implements Egress {
  readonly platform: Platform;
  readonly limits: EgressLimits;
  readonly nativeStream: NativeStream;
  /** The client hears one delivery's answer, so a regenerated one comes as a new answer it shows in the old one's place. */
  readonly regeneratesAsNew = true;

  constructor(private readonly options: RelayOptions) {
    this.platform = options.platform;
    this.limits = options.limits;
    this.nativeStream = {
      start: (address, _recipientId, key) => this.open(address, key),
      append: async (address, messageId, markdown) => {
        if (markdown) await this.publish(address, messageId, { type: 'append', messageId, text: markdown });
        return true;
      },
      stop: async (address, messageId, markdown) => {
        if (markdown) await this.publish(address, messageId, { type: 'append', messageId, text: markdown });
      },
    };
  }

  async post(address: ReplyAddress, text: OutboundText, key?: PostKey, options?: { controls?: AnswerControls | undefined }): Promise<PostedMessage> {
    const messageId = relayMessageId(key?.deliveryId ?? `unkeyed-${randomUUID()}`, key?.part ?? 0);
    // A relay has no rate limit to wait for: the text is read now. A tool call's approval request says which it is,
    // so a client can offer its own Approve and Deny (the console; POST /v1/approvals/{id}/approve).
    const approval = options?.controls?.state === 'approval' ? { approval: options.controls.answerId } : {};
    await this.publish(address, messageId, { type: 'post', messageId, text: textOf(text), ...approval });
    return { messageId };
  }

  async edit(address: ReplyAddress, messageId: string, text: string): Promise<void> {
    await this.publish(address, messageId, { type: 'edit', messageId, text });
  }

  async upload(address: ReplyAddress, file: OutboundFile, key?: PostKey): Promise<PostedMessage> {
    const deliveryId = key?.deliveryId ?? `unkeyed-${randomUUID()}`;
    const messageId = relayMessageId(deliveryId, key?.part ?? 1);
    const kept = await this.options.keepFile(address, file, deliveryId);
    await this.publish(address, messageId, { type: 'file', messageId, file: kept });
    return { messageId };
  }

  async done(address: ReplyAddress, deliveryId: string): Promise<void> {
    await this.options.redis.publish(this.options.channel(address, deliveryId), JSON.stringify({ type: 'done', deliveryId } satisfies RelayEvent));
  }

  async activity(address: ReplyAddress, deliveryId: string, text: string): Promise<void> {
    await this.options.redis.publish(this.options.channel(address, deliveryId), JSON.stringify({ type: 'activity', deliveryId, text } satisfies RelayEvent));
  }

  /** The client hears that its message is in line, and where (src/ingress/herald.ts). */
  async showQueued(message: InboundMessage, ahead: number | undefined): Promise<void> {
    const event: RelayEvent = { type: 'queued', deliveryId: message.id, ahead: ahead ?? null };
    await this.options.redis.publish(this.options.channel(message.address, message.id), JSON.stringify(event));
  }

  /** A stream is only a message id the client hears of: a retry opening it again starts it afresh. */
  private async open(address: ReplyAddress, key: PostKey): Promise<StartedStream> {
    const messageId = relayMessageId(key.deliveryId, key.part);
    await this.publish(address, messageId, { type: 'open', messageId });
    return { messageId, open: true };
  }

  private async publish(address: ReplyAddress, messageId: string, event: RelayEvent): Promise<void> {
    const channel = this.options.channel(address, parseRelayMessageId(messageId).deliveryId);
    await this.options.redis.publish(channel, JSON.stringify(event));
  }
}
