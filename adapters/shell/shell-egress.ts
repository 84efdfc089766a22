import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Egress, EgressLimits, OutboundFile, PostedMessage } from '../../src/domain/egress.js';
import type { ReplyAddress } from '../../src/domain/inbound-message.js';
import { shellChannel, type ShellEvent } from './shell-events.js';

/** The worker's side of the shell adapter: publishes posts and edits to the session's terminal. */
export class ShellEgress implements Egress {
  readonly platform = 'shell' as const;
  readonly limits: EgressLimits;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    editIntervalMs: number,
  ) {
    // A terminal has no message size limit; long answers just scroll.
    this.limits = { maxMessageChars: 100_000, editIntervalMs, maxParts: 1 };
  }

  async post(address: ReplyAddress, text: string): Promise<PostedMessage> {
    const messageId = randomUUID();
    await this.publish(address, { type: 'post', messageId, text });
    return { messageId };
  }

  async edit(address: ReplyAddress, messageId: string, text: string): Promise<void> {
    await this.publish(address, { type: 'edit', messageId, text });
  }

  async upload(address: ReplyAddress, file: OutboundFile): Promise<PostedMessage> {
    const messageId = randomUUID();
    await this.publish(address, {
      type: 'upload',
      messageId,
      filename: file.filename,
      mimeType: file.mimeType,
      dataBase64: file.data.toString('base64'),
      ...(file.comment ? { comment: file.comment } : {}),
    });
    return { messageId };
  }

  async done(address: ReplyAddress, deliveryId: string): Promise<void> {
    await this.publish(address, { type: 'done', deliveryId });
  }

  private async publish(address: ReplyAddress, event: ShellEvent): Promise<void> {
    await this.redis.publish(shellChannel(this.prefix, address.workspaceId, address.channelId), JSON.stringify(event));
  }
}
