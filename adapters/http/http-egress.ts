import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Egress } from '../../src/domain/egress.js';
import { UserFacingError } from '../../src/domain/errors.js';
import { RelayEgress } from '../../src/relay/relay-egress.js';
import type { Sql } from '../../src/store/database.js';
import { saveHttpFile } from '../../src/store/http-files.js';
import type { HttpApiConfig } from './http-config.js';

/** Answers longer than this are attached as answer.md, with the head in the answer: an API client can page it. */
export const HTTP_MAX_ANSWER_CHARS = 16_000;

/**
 * The pub/sub channel of one delivery's answer: the request waiting for it hears that answer only, whichever worker
 * on whichever machine writes it.
 */
export function httpChannel(prefix: string, deliveryId: string): string {
  return `${prefix}:http:answer:${deliveryId}`;
}

/**
 * The worker's side of the HTTP adapter: the answer streams to the request waiting for it (src/relay/), and attached
 * files are kept in Postgres, so any gateway can serve them after the request has ended. Addresses are
 * { workspaceId: 'api:<user id>', channelId: <user id>, threadId: <conversation id> }.
 */
export function createHttpEgress(config: HttpApiConfig, redis: Redis, sql: Sql, prefix: string): Egress {
  return new RelayEgress({
    platform: 'http',
    redis,
    // A piece costs one Redis publish, so the answer streams at a reading pace rather than a platform's rate limit.
    limits: { maxMessageChars: HTTP_MAX_ANSWER_CHARS, editIntervalMs: 50, appendIntervalMs: 50, maxParts: 1 },
    channel: (_address, deliveryId) => httpChannel(prefix, deliveryId),
    keepFile: async (address, file, deliveryId) => {
      if (file.data.length > config.maxFileBytes) {
        throw new UserFacingError(`The file ${file.filename} is larger than this server keeps (${config.maxFileBytes} bytes).`);
      }
      const kept = { id: randomUUID(), filename: file.filename, mimeType: file.mimeType, size: file.data.length };
      const owner = { userId: address.channelId, conversationId: address.threadId ?? '-', deliveryId };
      await saveHttpFile(sql, { ...kept, ...owner, data: file.data });
      return kept;
    },
  });
}
