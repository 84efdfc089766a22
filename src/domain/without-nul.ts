import type { InboundMessage } from './inbound-message.js';

/**
 * Postgres text and jsonb cannot hold U+0000, which a JSON body (the HTTP API's, a platform's) can carry: a job holding
 * one would fail on every attempt, and a held message could not be held. Dropped from every string of the message,
 * where every adapter's messages pass (queueing them, or holding them while Redis is away).
 */
export function withoutNul(message: InboundMessage): InboundMessage {
  if (!JSON.stringify(message).includes('\\u0000')) return message;
  return JSON.parse(JSON.stringify(message), (_key, value: unknown) => (typeof value === 'string' ? value.replaceAll('\0', '') : value)) as InboundMessage;
}
