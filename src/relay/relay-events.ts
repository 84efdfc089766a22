/**
 * What a worker tells a client that waits on Xiaoliu itself (the terminal, an HTTP request) about an answer, over
 * Redis pub/sub: the streaming contract's calls (src/domain/egress.ts) as messages, so any worker on any machine can
 * answer. A streamed message is opened, then grows by appended pieces; a post or an edit gives a message's whole
 * text (an error, a command's answer, a retried attempt rewriting the text); `done` ends the answer.
 */
export type RelayEvent =
  | { type: 'open'; messageId: string }
  | { type: 'append'; messageId: string; text: string }
  /** `approval`: the message asks its asker to approve a tool call (src/tools/tool-approval.ts); its id. */
  | { type: 'post'; messageId: string; text: string; approval?: string }
  | { type: 'edit'; messageId: string; text: string }
  | { type: 'file'; messageId: string; file: RelayedFile }
  | { type: 'done'; deliveryId: string }
  /** What Xiaoliu is doing on the way to the answer (searching the web, reading a page): shown until the text comes. */
  | { type: 'activity'; deliveryId: string; text: string }
  /** The message waits in line, `ahead` messages before it (null: unknown); sent by the gateway's herald. */
  | { type: 'queued'; deliveryId: string; ahead: number | null };

/** A file an answer attached, as the client gets it: inline (the terminal), or by id from Postgres (the HTTP API). */
export interface RelayedFile {
  filename: string;
  mimeType: string;
  size: number;
  /** A line of text shown with the file. */
  comment?: string;
  /** Where the client fetches it, when it is kept rather than sent. */
  id?: string;
  /** The bytes, when they travel with the event. */
  dataBase64?: string;
}

/**
 * Message ids name the delivery and the part (`<deliveryId>#<part>`): an append or an edit is given only the message
 * id, and must know which delivery's channel to publish on. The id is stored in `replies`, so a retry on another
 * worker can too.
 */
export function relayMessageId(deliveryId: string, part: number): string {
  return `${deliveryId}#${part}`;
}

export function parseRelayMessageId(messageId: string): { deliveryId: string; part: number } {
  const at = messageId.lastIndexOf('#');
  return { deliveryId: messageId.slice(0, at), part: Number(messageId.slice(at + 1)) };
}
