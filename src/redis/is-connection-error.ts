import { ReplyError } from 'ioredis';
import { UnconfirmedWriteError } from './replica-confirm.js';

/**
 * Whether a failed Redis command failed for want of a connection (refused, reset, closed, or not yet back), rather
 * than because Redis answered with an error of its own (out of memory, read-only, wrong type). ioredis reports a lost
 * connection as a plain Error: a socket error code, "Connection is closed.", or, on a connection without an offline
 * queue, "Stream isn't writeable"; a reply from Redis is a ReplyError. A write whose connection closed before a replica
 * confirmed it counts too: the primary that took it is gone.
 */
export function isConnectionError(error: unknown): boolean {
  if (!(error instanceof Error) || error instanceof ReplyError) return false;
  const code = (error as { code?: unknown }).code;
  return (
    error.name === 'MaxRetriesPerRequestError' ||
    error instanceof UnconfirmedWriteError ||
    (typeof code === 'string' && /^E[A-Z]+$/.test(code)) ||
    /Connection is closed|Stream isn't writeable/.test(error.message)
  );
}
