import type Anthropic from '@anthropic-ai/sdk';
import type { Platform } from '../domain/inbound-message.js';

/** A web page an answer rests on: one it cites (web search) or one it read (web fetch). */
export interface Source {
  url: string;
  title: string;
}

/** Most sources listed under one answer; more would bury the answer under its footnotes. */
const MAX_SOURCES = 10;
const MAX_TITLE = 100;

/**
 * The sources of an answer, from its content blocks: the pages its text cites, in the order first cited
 * (`web_search_result_location` citations on text blocks: "Claude automatically cites sources from search results",
 * https://platform.claude.com/docs/en/agents-and-tools/tool-use/web-search-tool), then the pages web fetch read
 * (`web_fetch_tool_result`, https://platform.claude.com/docs/en/agents-and-tools/tool-use/web-fetch-tool). One entry per
 * address; only http(s) addresses, so a link can never be a script.
 */
export function sourcesOf(content: readonly Anthropic.ContentBlockParam[]): Source[] {
  const found = new Map<string, Source>();
  const add = (url: unknown, title: unknown) => {
    if (typeof url !== 'string' || !isWebUrl(url)) return;
    const key = url.replace(/#.*$/, '');
    const name = cleanTitle(typeof title === 'string' ? title : '') || hostOf(url);
    if (!found.has(key)) found.set(key, { url, title: name });
  };
  for (const block of content) {
    if (block.type !== 'text') continue;
    for (const citation of block.citations ?? []) {
      if (citation.type === 'web_search_result_location') add(citation.url, citation.title);
    }
  }
  for (const block of content) {
    if (block.type !== 'web_fetch_tool_result') continue;
    const result = block.content as { type?: string; url?: string; content?: { title?: string | null } };
    if (result?.type === 'web_fetch_result') add(result.url, result.content?.title);
  }
  return [...found.values()].slice(0, MAX_SOURCES);
}

/**
 * The sources as each platform shows them under the answer: Slack and Discord as numbered links (Markdown, which the
 * Slack egress turns into mrkdwn links and Discord renders; Discord's `<…>` keeps each link from unfurling into an
 * embed), the terminal as a plain list with the addresses. The HTTP API and the web console get them as data
 * (`sources`), the console rendering footnotes, so nothing is added to the text there.
 */
export function sourcesFooter(platform: Platform, sources: readonly Source[]): string {
  if (!sources.length || platform === 'http') return '';
  if (platform === 'shell') return `\n\nSources:\n${sources.map((s, i) => `  [${i + 1}] ${s.title} — ${s.url}`).join('\n')}`;
  const link = (s: Source) => (platform === 'discord' ? `[${markdownText(s.title)}](<${s.url}>)` : `[${markdownText(s.title)}](${s.url})`);
  return `\n\n**Sources**\n${sources.map((s, i) => `${i + 1}. ${link(s)}`).join('\n')}`;
}

function isWebUrl(url: string): boolean {
  try {
    const parsed = new URL(url);
    return (parsed.protocol === 'https:' || parsed.protocol === 'http:') && !/[\s<>]/.test(url);
  } catch {
    return false;
  }
}

function hostOf(url: string): string {
  try {
    return new URL(url).hostname;
  } catch {
    return url;
  }
}

/** A title on one line, without what would end a Markdown link early or break mrkdwn's `<url|title>`. */
function cleanTitle(title: string): string {
  const line = title.replace(/\s+/g, ' ').trim();
  return line.length > MAX_TITLE ? `${line.slice(0, MAX_TITLE - 1)}…` : line;
}

function markdownText(text: string): string {
  return text.replace(/[[\]|<>]/g, (c) => ({ '[': '(', ']': ')', '|': '¦', '<': '‹', '>': '›' })[c]!);
}
