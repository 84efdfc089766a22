import { estimateTokens } from '../../render/estimate-tokens.js';
import type { StoredMessage } from '../../store/conversations.js';

/**
 * A document `doc` wrote is stored as its answer, whole, behind a first line that marks it and numbers the version:
 * later questions in the thread see it as context, and the next revision starts from the newest one.
 */
const MARKER = /^<!-- xiaoliu:document v(\d+) -->\n/;

/** A version of the thread's document, as stored. */
export interface StoredDocument {
  version: number;
  /** The whole document, `# Title` first. */
  markdown: string;
  title: string;
}

/** The text stored as the answer that wrote this version of the document. */
export function documentAnswerText(version: number, markdown: string): string {
  return `<!-- xiaoliu:document v${version} -->\n${markdown}`;
}

/** The newest document in the thread's history (since its last reset), if `doc` wrote one. */
export function latestDocument(history: readonly StoredMessage[]): StoredDocument | undefined {
  for (let i = history.length - 1; i >= 0; i--) {
    const document = parse(history[i]!);
    if (document) return document;
  }
  return undefined;
}

/**
 * The history with every stored document shortened to a line naming it: a revision is sent the current document
 * once, in full, rather than every version it went through.
 */
export function withDocumentsShortened(history: readonly StoredMessage[]): StoredMessage[] {
  return history.map((message) => {
    const document = parse(message);
    if (!document) return message;
    const text = `[I wrote version ${document.version} of the document "${document.title}" and attached it to the thread.]`;
    return { ...message, text, tokens: estimateTokens(text) };
  });
}

function parse(message: StoredMessage): StoredDocument | undefined {
  if (message.role !== 'assistant') return undefined;
  const marker = MARKER.exec(message.text);
  if (!marker) return undefined;
  const markdown = message.text.slice(marker[0].length);
  const title = /^#\s+(.+)$/m.exec(markdown)?.[1]?.trim() ?? 'Untitled';
  return { version: Number(marker[1]), markdown, title };
}
