// What a person sees of a message in Slack's client, which is not what the Web API returns: blocks are shown in place
// of the text, and a native stream in a channel is live only for the person it is addressed to.

/**
 * What a message showed at one moment (one per change, so a test can replay what each person saw as it happened).
 * `stream` is set while a native stream is open.
 */
export interface Rendering {
  text: string;
  blocks?: unknown[];
  stream?: { recipient?: string; opening: string };
}

/**
 * What someone other than the recipient sees of an open stream that was opened empty. Slack streams to "the user to
 * receive the streaming text" (recipient_user_id, "Required when streaming to channels":
 * https://docs.slack.dev/reference/methods/chat.startStream); everyone else sees the stream's first chunk and then
 * nothing new until chat.stopStream (found against the live API: https://github.com/agentconnect-md/agentconnect/issues/1494;
 * with the wrong recipient "the human saw a blank bubble until stopStream finalized the message":
 * https://github.com/agno-agi/agno/pull/6615). Slack's exact placeholder wording is not documented; "Thinking…" is
 * how it was reported here (issue 14).
 */
export const STREAM_PLACEHOLDER = 'Thinking…';

/** What `userId` sees of a message as `rendering` describes it. */
export function seenBy(rendering: Rendering, userId: string): string {
  const stream = rendering.stream;
  // No recipient: a DM stream, shown to the DM's member (the one person who asked).
  if (stream?.recipient && stream.recipient !== userId) return stream.opening || STREAM_PLACEHOLDER;
  return shown(rendering);
}

/**
 * The visible text: the blocks when there are any, else `text`. "When attachments or blocks are included, text will
 * be used as fallback text for notifications only" (https://docs.slack.dev/reference/methods/chat.update, and
 * likewise chat.postMessage).
 */
function shown({ text, blocks }: Rendering): string {
  if (!blocks?.length) return text;
  return blocks.map(blockText).filter(Boolean).join('\n');
}

/** The text a block shows (buttons, dividers and the like show none that matters here). */
function blockText(block: unknown): string {
  const b = block as { type?: string; text?: unknown; fields?: Array<{ text?: string }>; elements?: unknown[] };
  if (b.type === 'markdown') return typeof b.text === 'string' ? b.text : '';
  if (b.type === 'section' || b.type === 'header') {
    const own = (b.text as { text?: string } | undefined)?.text ?? '';
    return [own, ...(b.fields ?? []).map((f) => f.text ?? '')].filter(Boolean).join('\n');
  }
  if (b.type === 'rich_text' || b.type === 'context') return flatText(b.elements);
  return '';
}

/** The text inside rich_text / context elements, however deeply nested. */
function flatText(elements: unknown): string {
  if (!Array.isArray(elements)) return '';
  return elements
    .map((e: { text?: unknown; elements?: unknown }) => (typeof e.text === 'string' ? e.text : flatText(e.elements)))
    .join('');
}
