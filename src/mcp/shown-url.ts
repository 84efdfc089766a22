/** An MCP server's URL as shown and audited: no query (it may hold a token), no credentials. */
export function shownUrl(url: string | null): string {
  if (!url) return '';
  const parsed = new URL(url);
  return `${parsed.origin}${parsed.pathname}${parsed.search ? '?…' : ''}`;
}
