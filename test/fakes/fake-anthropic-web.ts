// Anthropic's web search and web fetch server tools, as the fake Messages API runs them. Written from the
// documentation, not from Xiaoliu's code:
// - https://platform.claude.com/docs/en/agents-and-tools/tool-use/server-tools (server_tool_use blocks with `srvtoolu_`
//   ids, results in the same assistant turn, `pause_turn` and its continuation by sending the paused content back)
// - https://platform.claude.com/docs/en/agents-and-tools/tool-use/web-search-tool (max_uses → max_uses_exceeded,
//   domain filtering with subdomains included and sub-paths, allowed and blocked never together, results with
//   encrypted_content, citations of type web_search_result_location, usage.server_tool_use.web_search_requests, a
//   failed search not billed)
// - https://platform.claude.com/docs/en/agents-and-tools/tool-use/web-fetch-tool (only URLs that appeared in the
//   conversation or in earlier search/fetch results, url_not_allowed for filtered domains, web_fetch_result with a
//   document, usage.server_tool_use.web_fetch_requests)
// - the installed SDK's types (WebSearchTool20260318, WebFetchTool20260318, WebSearchToolResultErrorCode,
//   WebFetchToolResultErrorCode) for the shapes and the error codes.
import { createHash } from 'node:crypto';
import { newId, tokenize, type PlannedBlock } from './fake-anthropic-wire.js';

/** One thing the scripted model does with a web tool. */
export type WebCall =
  /** `error`: the search fails on the API's side with this documented code (WebSearchToolResultErrorCode), unbilled. */
  | { tool: 'web_search'; query: string; results: { url: string; title: string }[]; error?: 'too_many_requests' | 'unavailable' | 'query_too_long' | 'invalid_tool_input' }
  | { tool: 'web_fetch'; url: string; title?: string; text?: string };

/** A scripted answer that uses the web tools: the calls (run as the API would), then the answer, or a pause. */
export interface WebReply {
  kind: 'web';
  calls: WebCall[];
  /** The answer's text blocks after the calls; `cite` names a search result (by URL) the block cites. */
  answer?: { text: string; cite?: string }[];
  /** Stop with `pause_turn` after the calls, as the API does in a long turn; the next reply continues it. */
  pause?: boolean;
  /**
   * After the calls, the stream carries only pings until this settles (the test decides how long the model reads
   * the results), then the answer. The API sends `ping` events "any number" of times while a response is under way
   * (https://platform.claude.com/docs/en/build-with-claude/streaming#event-types).
   */
  hold?: Promise<void>;
}

/** What the API counted: "usage.server_tool_use" (only calls that ran without an error are billed). */
export type ServerToolCounts = {
  web_search_requests: number;
  web_fetch_requests: number;
};

interface ToolSpec {
  type: string;
  max_uses?: number;
  allowed_domains?: string[];
  blocked_domains?: string[];
  citations?: { enabled?: boolean };
}

const toolOf = (body: any, prefix: string): ToolSpec | undefined =>
  (Array.isArray(body.tools) ? body.tools : []).find((t: any) => typeof t?.type === 'string' && t.type.startsWith(prefix));

/** A request the API refuses for its web tools, with the reason; undefined when it takes it. */
export function webToolProblem(body: any): string | undefined {
  for (const [index, tool] of (Array.isArray(body.tools) ? body.tools : []).entries()) {
    if (typeof tool?.type !== 'string' || !/^web_(search|fetch)_/.test(tool.type)) continue;
    // "You can use either allowed_domains or blocked_domains, but not both in the same request."
    if (tool.allowed_domains?.length && tool.blocked_domains?.length) {
      return `tools.${index}.${tool.type}: allowed_domains and blocked_domains cannot be used together.`;
    }
    // "Domains should not include the HTTP/HTTPS scheme."
    for (const domain of [...(tool.allowed_domains ?? []), ...(tool.blocked_domains ?? [])]) {
      if (/^https?:\/\//i.test(String(domain))) return `tools.${index}.${tool.type}: domain "${String(domain)}" must not include the scheme.`;
    }
  }
  return undefined;
}

/**
 * A paused turn being continued: the request ends with the assistant's own content holding server tool blocks, which
 * is how the API says to continue after `pause_turn`, not a prefill.
 */
export function isContinuation(body: any): boolean {
  const last = body.messages?.at(-1);
  return last?.role === 'assistant' && Array.isArray(last.content) && last.content.some((b: any) => b?.type === 'server_tool_use');
}

/** Subdomains are included automatically (`example.com` covers `docs.example.com`); sub-paths narrow to a path. */
function matches(url: string, domain: string): boolean {
  const parsed = new URL(url);
  const slash = domain.indexOf('/');
  const host = slash < 0 ? domain : domain.slice(0, slash);
  const path = slash < 0 ? '' : domain.slice(slash);
  const hostOk = parsed.hostname === host || parsed.hostname.endsWith(`.${host}`);
  return hostOk && (!path || parsed.pathname.startsWith(path));
}

function permitted(tool: ToolSpec, url: string): boolean {
  if (tool.allowed_domains?.length) return tool.allowed_domains.some((d) => matches(url, d));
  if (tool.blocked_domains?.length) return !tool.blocked_domains.some((d) => matches(url, d));
  return true;
}

const opaque = (text: string) => createHash('sha256').update(text).digest('base64');

/** A block that arrives whole in its start event (a server tool's result): no deltas, no output tokens. */
const wholeBlock = (block: Record<string, unknown>): PlannedBlock => ({ start: block, final: block, delta: 'input_json_delta', pieces: [], tokens: 0 });

/** A server_tool_use block: `input: {}` at the start, the input as input_json_delta, like a tool's. */
function serverToolUse(name: string, input: Record<string, unknown>): PlannedBlock {
  const start = { type: 'server_tool_use', id: newId('srvtoolu_fake_'), name, input: {}, caller: { type: 'direct' } };
  const json = JSON.stringify(input);
  return { start, final: { ...start, input }, delta: 'input_json_delta', pieces: json.match(/[\s\S]{1,8}/gu) ?? [] };
}

/** Server tool blocks of the request's trailing assistant content (a continued turn), for max_uses and prior URLs. */
function continuedBlocks(body: any): any[] {
  return isContinuation(body) ? body.messages.at(-1).content : [];
}

/**
 * The blocks of a web reply, as the API would stream them: for each call a server_tool_use then its result (or an
 * error result), then the answer's text with its citations; and what the API counts and bills.
 */
export function planWeb(reply: WebReply, body: any): { blocks: PlannedBlock[]; stopReason: string; counts: ServerToolCounts } {
  const blocks: PlannedBlock[] = [];
  const counts: ServerToolCounts = { web_search_requests: 0, web_fetch_requests: 0 };
  const earlier = continuedBlocks(body);
  const used = { web_search: earlier.filter((b) => b?.type === 'server_tool_use' && b.name === 'web_search').length, web_fetch: earlier.filter((b) => b?.type === 'server_tool_use' && b.name === 'web_fetch').length };
  // Results the model has seen in this turn: those it may cite and fetch.
  const seen = new Map<string, string>();
  for (const block of earlier) {
    if (block?.type === 'web_search_tool_result' && Array.isArray(block.content)) for (const r of block.content) seen.set(r.url, r.title);
  }
  const conversation = JSON.stringify(body.messages);
  for (const call of reply.calls) {
    const tool = toolOf(body, `${call.tool}_`);
    // A model calls only the tools it was offered: a script that does otherwise is a broken test.
    if (!tool) throw new Error(`fake Anthropic: the script calls ${call.tool}, but the request offers no ${call.tool} tool`);
    const use = serverToolUse(call.tool, call.tool === 'web_search' ? { query: call.query } : { url: call.url });
    blocks.push(use);
    const toolUseId = (use.start as { id: string }).id;
    const over = tool.max_uses !== undefined && used[call.tool] >= tool.max_uses;
    used[call.tool]++;
    if (call.tool === 'web_search') {
      const base = { type: 'web_search_tool_result', tool_use_id: toolUseId, caller: { type: 'direct' } };
      const error = over ? 'max_uses_exceeded' : call.error;
      if (error) {
        blocks.push(wholeBlock({ ...base, content: { type: 'web_search_tool_result_error', error_code: error } }));
        continue;
      }
      // "If provided, only these domains will be included in results" / "these domains will never appear in results".
      const results = call.results.filter((r) => permitted(tool, r.url));
      for (const r of results) seen.set(r.url, r.title);
      blocks.push(wholeBlock({
        ...base,
        content: results.map((r) => ({ type: 'web_search_result', url: r.url, title: r.title, encrypted_content: opaque(`${r.url}\0content`), page_age: null })),
      }));
      counts.web_search_requests++;
    } else {
      const base = { type: 'web_fetch_tool_result', tool_use_id: toolUseId, caller: { type: 'direct' } };
      const error = over
        ? 'max_uses_exceeded'
        : !permitted(tool, call.url)
          ? 'url_not_allowed'
          : !conversation.includes(call.url) && !seen.has(call.url)
            ? 'url_not_in_prior_context'
            : undefined;
      if (error) {
        blocks.push(wholeBlock({ ...base, content: { type: 'web_fetch_tool_result_error', error_code: error } }));
        continue;
      }
      const title = call.title ?? seen.get(call.url) ?? null;
      blocks.push(wholeBlock({
        ...base,
        content: {
          type: 'web_fetch_result',
          url: call.url,
          retrieved_at: new Date().toISOString(),
          content: {
            type: 'document',
            source: { type: 'text', media_type: 'text/plain', data: call.text ?? `The text of ${call.url}.` },
            title,
            citations: tool.citations?.enabled ? { enabled: true } : null,
          },
        },
      }));
      counts.web_fetch_requests++;
    }
  }
  if (reply.pause) return { blocks, stopReason: 'pause_turn', counts };
  for (const part of reply.answer ?? []) {
    const citations = [];
    if (part.cite !== undefined) {
      // Claude cites what its searches returned in this turn; a script citing anything else is a broken test.
      if (!seen.has(part.cite)) throw new Error(`fake Anthropic: the script cites ${part.cite}, which no search of this turn returned`);
      citations.push({ type: 'web_search_result_location', url: part.cite, title: seen.get(part.cite), encrypted_index: opaque(`${part.cite}\0index`), cited_text: part.text.slice(0, 150) });
    }
    blocks.push({
      start: { type: 'text', text: '', citations: null },
      final: { type: 'text', text: part.text, citations: citations.length ? citations : null },
      delta: 'text_delta',
      pieces: tokenize(part.text),
      // A cited text block streams its citation as a citations_delta before its text.
      ...(citations.length ? { startDeltas: citations.map((citation) => ({ type: 'citations_delta', citation })) } : {}),
    });
  }
  return { blocks, stopReason: 'end_turn', counts };
}
