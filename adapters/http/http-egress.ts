import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Egress, EgressLimits, OutboundFile, PostKey, PostedMessage } from '../../src/domain/egress.js';
import { UserFacingError } from '../../src/domain/errors.js';
import type { ReplyAddress } from '../../src/domain/inbound-message.js';
import type { Sql } from '../../src/store/database.js';
import { httpChannel, httpMessageId, parseHttpMessageId, type HttpEvent } from './http-events.js';

/** Answers longer than this are attached as answer.md, with the head in the answer: an API client can page it. */
export const HTTP_MAX_ANSWER_CHARS = 16_000;

/**
 * The worker's side of the HTTP adapter: publishes the answer's posts and edits to the request waiting for it, and
 * keeps attached files in Postgres (any gateway can then serve them, after the request has ended).
 * Addresses are { workspaceId: 'api', channelId: <user id>, threadId: <conversation id> }.
 */
export class HttpEgress implements Egress {
  readonly platform = 'http' as const;
  // Edits cost one Redis publish, so the answer streams at a reading pace rather than a platform's rate limit.
  readonly limits: EgressLimits = { maxMessageChars: HTTP_MAX_ANSWER_CHARS, editIntervalMs: 50, maxParts: 1 };

  constructor(
    private readonly redis: Redis,
    private readonly sql: Sql,
    private readonly prefix: string,
    private readonly maxFileBytes: number,
  ) {}

  async post(_address: ReplyAddress, text: string, key?: PostKey): Promise<PostedMessage> {
    const deliveryId = key?.deliveryId ?? `unkeyed-${randomUUID()}`;
    const part = key?.part ?? 0;
    await this.publish(deliveryId, { type: 'post', part, text });
    return { messageId: httpMessageId(deliveryId, part) };
  }

  async edit(_address: ReplyAddress, messageId: string, text: string): Promise<void> {
    const { deliveryId, part } = parseHttpMessageId(messageId);
    await this.publish(deliveryId, { type: 'edit', part, text });
  }

  async upload(address: ReplyAddress, file: OutboundFile, key?: PostKey): Promise<PostedMessage> {
    if (file.data.length > this.maxFileBytes) {
      throw new UserFacingError(`The file ${file.filename} is larger than this server keeps (${this.maxFileBytes} bytes).`);
    }
    const deliveryId = key?.deliveryId ?? `unkeyed-${randomUUID()}`;
    const part = key?.part ?? 1;
    const id = randomUUID();
    await this.sql`
      insert into http_files (id, user_id, conversation_id, delivery_id, filename, mime_type, size, data)
      values (${id}, ${address.channelId}, ${address.threadId ?? '-'}, ${deliveryId}, ${file.filename},
        ${file.mimeType}, ${file.data.length}, ${file.data})`;
    const event: HttpEvent = { type: 'file', part, id, filename: file.filename, mimeType: file.mimeType, size: file.data.length };
    await this.publish(deliveryId, event);
    return { messageId: httpMessageId(deliveryId, part) };
  }

  async done(_address: ReplyAddress, deliveryId: string): Promise<void> {
    await this.publish(deliveryId, { type: 'done' });
  }

  private async publish(deliveryId: string, event: HttpEvent): Promise<void> {
    await this.redis.publish(httpChannel(this.prefix, deliveryId), JSON.stringify(event));
  }
}
