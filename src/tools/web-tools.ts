import type Anthropic from '@anthropic-ai/sdk';
import type { ChannelSettings } from '../domain/channel-settings.js';

/**
 * Anthropic's web tools, as server tools: the API runs them inside the model call, so Xiaoliu only offers them and
 * reads what comes back (https://platform.claude.com/docs/en/agents-and-tools/tool-use/server-tools). The versions
 * are the newest in the installed SDK (@anthropic-ai/sdk 1.13: WebSearchTool20260318, WebFetchTool20260318).
 */
export const WEB_SEARCH_TYPE = 'web_search_20260318';
export const WEB_FETCH_TYPE = 'web_fetch_20260318';

/**
 * Most searches and fetches one model call may make. "If Claude attempts more searches than allowed, the
 * web_search_tool_result will be an error with the max_uses_exceeded error code"
 * (https://platform.claude.com/docs/en/agents-and-tools/tool-use/web-search-tool, "Max uses"): a bound on the
 * price of one answer, which the budget holds before the call (src/budget/worst-case.ts).
 */
export const WEB_SEARCH_MAX_USES = 5;
export const WEB_FETCH_MAX_USES = 5;
/**
 * Most tokens one fetched page adds to the prompt: "Maximum number of tokens used by including web page text content
 * in the context. The limit is approximate" (`max_content_tokens`, WebFetchTool20260318 in the SDK).
 */
export const WEB_FETCH_MAX_CONTENT_TOKENS = 20_000;
/**
 * What one search's results add to the prompt, for the worst case: Anthropic documents no figure (results are
 * "search-generated content", billed as input tokens), so this is our own allowance, on the high side.
 */
export const WEB_SEARCH_RESULT_TOKENS = 10_000;

export type WebTool = Anthropic.WebSearchTool20260318 | Anthropic.WebFetchTool20260318;

/** The web tools a channel's settings switch on (none by default), with its allowed or blocked domains. */
export function webToolsFor(settings: Pick<ChannelSettings, 'webSearch' | 'webFetch' | 'webAllowedDomains' | 'webBlockedDomains'>): WebTool[] {
  // One list or the other: the API refuses both in one tool (`config web` never stores both).
  const domains = settings.webAllowedDomains.length
    ? { allowed_domains: settings.webAllowedDomains }
    : settings.webBlockedDomains.length
      ? { blocked_domains: settings.webBlockedDomains }
      : {};
  const tools: WebTool[] = [];
  if (settings.webSearch) tools.push({ type: WEB_SEARCH_TYPE, name: 'web_search', max_uses: WEB_SEARCH_MAX_USES, ...domains });
  if (settings.webFetch) {
    tools.push({
      type: WEB_FETCH_TYPE,
      name: 'web_fetch',
      max_uses: WEB_FETCH_MAX_USES,
      max_content_tokens: WEB_FETCH_MAX_CONTENT_TOKENS,
      // "Citations are disabled by default" for fetched documents: on, so answers can point at what they read.
      citations: { enabled: true },
      ...domains,
    });
  }
  return tools;
}

/** What the web tools of a request can add at most: searches (each priced) and the prompt tokens of what they read. */
export function webWorstCase(tools: readonly Anthropic.ToolUnion[] | undefined): { searches: number; inputTokens: number } {
  let searches = 0;
  let inputTokens = 0;
  for (const tool of tools ?? []) {
    const type = 'type' in tool ? String(tool.type) : '';
    const uses = 'max_uses' in tool && typeof tool.max_uses === 'number' ? tool.max_uses : undefined;
    if (type.startsWith('web_search_')) {
      // Without max_uses a call could search without bound; Xiaoliu always sets it, and assumes the default of 5 here.
      const n = uses ?? WEB_SEARCH_MAX_USES;
      searches += n;
      inputTokens += n * WEB_SEARCH_RESULT_TOKENS;
    } else if (type.startsWith('web_fetch_')) {
      const perPage = 'max_content_tokens' in tool && typeof tool.max_content_tokens === 'number' ? tool.max_content_tokens : WEB_FETCH_MAX_CONTENT_TOKENS;
      inputTokens += (uses ?? WEB_FETCH_MAX_USES) * perPage;
    }
  }
  return { searches, inputTokens };
}
