import type { Redis } from 'ioredis';
import type { Egress } from '../../src/domain/egress.js';
import { RelayEgress } from '../../src/relay/relay-egress.js';
import type { ShellConfig } from './shell-config.js';

/** The pub/sub channel of one terminal session: every answer of the session goes there. */
export function shellChannel(prefix: string, workspaceId: string, channelId: string): string {
  return `${prefix}:shell:${workspaceId}:${channelId}`;
}

/**
 * The worker's side of the terminal: the answer streams to the session's channel (src/relay/), and files travel
 * inline for the terminal to save. Any worker on any machine can answer a terminal this way.
 */
export function createShellEgress(config: ShellConfig, redis: Redis, prefix: string): Egress {
  return new RelayEgress({
    platform: 'shell',
    redis,
    // A terminal has no message size limit: long answers just scroll.
    limits: { maxMessageChars: 100_000, editIntervalMs: config.editIntervalMs, appendIntervalMs: config.editIntervalMs, maxParts: 1 },
    channel: (address) => shellChannel(prefix, address.workspaceId, address.channelId),
    keepFile: async (_address, file) => ({
      filename: file.filename,
      mimeType: file.mimeType,
      size: file.data.length,
      dataBase64: file.data.toString('base64'),
      ...(file.comment ? { comment: file.comment } : {}),
    }),
  });
}
