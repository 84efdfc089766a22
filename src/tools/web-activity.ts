import type { ServerToolEvent } from '../claude/claude-client.js';
import type { ReplyWriter } from '../render/reply-writer.js';
import { THINKING_STATUS } from '../render/reply-writer.js';

/** What each documented error code of the web tools means, in words for the thread. */
const ERRORS: Record<string, string> = {
  // https://platform.claude.com/docs/en/agents-and-tools/tool-use/web-search-tool ("Errors") and web-fetch-tool.
  max_uses_exceeded: 'the limit for one answer was reached',
  too_many_requests: 'too many requests just now',
  invalid_tool_input: 'the request was malformed',
  query_too_long: 'the query was too long',
  request_too_large: 'the request was too large',
  unavailable: 'the service is unavailable',
  url_not_allowed: 'that site is not allowed here',
  url_not_accessible: 'the page could not be reached',
  url_not_in_prior_context: 'the address did not come from the conversation',
  url_too_long: 'the address was too long',
  unsupported_content_type: 'that kind of content cannot be read',
  content_too_large: 'the page is too large',
};

/**
 * Shows a web search or fetch as it happens, in the thread (src/render/reply-writer.ts `activity`): "Searching the web
 * for “…”", "Reading example.com…", then what it found or why it failed. The activity line goes to clients that show
 * one (console, terminal) or into the placeholder (Discord); the status (Slack's thread status) says the same.
 */
export function showWebWork(reply: ReplyWriter): (event: ServerToolEvent) => void {
  return (event) => {
    const input = (event.input ?? {}) as { query?: unknown; url?: unknown };
    const what = event.name === 'web_search' ? `the web for “${clip(String(input.query ?? ''))}”` : hostOf(String(input.url ?? ''));
    if (event.name !== 'web_search' && event.name !== 'web_fetch') return;
    const searching = event.name === 'web_search';
    if (event.phase === 'start') {
      reply.activity(searching ? `Searching ${what}…` : `Reading ${what}…`, searching ? `is searching ${what}…` : `is reading ${what}…`);
    } else if (event.errorCode) {
      const why = ERRORS[event.errorCode] ?? event.errorCode.replace(/_/g, ' ');
      reply.activity(`${searching ? `Could not search ${what}` : `Could not read ${what}`}: ${why}`, THINKING_STATUS);
    } else {
      reply.activity(searching ? `Searched ${what}` : `Read ${what}`, THINKING_STATUS);
    }
  };
}

function clip(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > 80 ? `${line.slice(0, 79)}…` : line;
}

function hostOf(url: string): string {
  try {
    return new URL(url).hostname || 'a page';
  } catch {
    return 'a page';
  }
}
