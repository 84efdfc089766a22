/**
 * What a worker tells the gateway's HTTP handler about one answer, over Redis pub/sub: the HTTP adapter's
 * equivalent of a platform's post and edit calls. One channel per delivery, so the handler waiting for a request's
 * answer hears that answer only, whichever worker on whichever machine writes it.
 */
export type HttpEvent =
  | { type: 'post'; part: number; text: string }
  | { type: 'edit'; part: number; text: string }
  | { type: 'file'; part: number; id: string; filename: string; mimeType: string; size: number }
  | { type: 'done' };

/** The pub/sub channel of one delivery's answer. */
export function httpChannel(prefix: string, deliveryId: string): string {
  return `${prefix}:http:answer:${deliveryId}`;
}

/**
 * Message ids name the delivery and part (`<deliveryId>#<part>`): `edit` is given only the message id, and must
 * know which request's channel to publish on. The id is stored in `replies`, so a retry on another worker can too.
 */
export function httpMessageId(deliveryId: string, part: number): string {
  return `${deliveryId}#${part}`;
}

export function parseHttpMessageId(messageId: string): { deliveryId: string; part: number } {
  const at = messageId.lastIndexOf('#');
  return { deliveryId: messageId.slice(0, at), part: Number(messageId.slice(at + 1)) };
}
