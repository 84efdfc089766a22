import type { RelayEvent } from '../../src/relay/relay-events.js';

/** What a client of the relay shows: each message's text as the events build it, by message id, in order of appearance. */
export function relayedTexts(events: readonly RelayEvent[]): Map<string, string> {
  const texts = new Map<string, string>();
  for (const event of events) {
    if (event.type === 'open') texts.set(event.messageId, '');
    else if (event.type === 'append') texts.set(event.messageId, (texts.get(event.messageId) ?? '') + event.text);
    else if (event.type === 'post' || event.type === 'edit') texts.set(event.messageId, event.text);
  }
  return texts;
}
