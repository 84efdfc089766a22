/**
 * Takes out what a channel message may carry that must never be searchable: an admin who registers an MCP server in a
 * channel types its header (`mcp add tracker https://… --header "Authorization: Bearer …"`), and a channel with
 * knowledge on would otherwise index the token and hand it to any search, and so to a prompt. The header's name stays
 * (it says what was set), its value goes. The same for a URL's query, which may hold a token.
 */
export function hideCredentials(text: string): string {
  return text
    .replace(/--header\s+(?:"([^"]*)"|'([^']*)'|“([^”]*)”|(\S+))/gi, (_all, dq?: string, sq?: string, cq?: string, bare?: string) => {
      const name = (dq ?? sq ?? cq ?? bare ?? '').split(':')[0]!.trim();
      const hidden = `${name}: [hidden]`;
      return dq !== undefined ? `--header "${hidden}"` : sq !== undefined ? `--header '${hidden}'` : cq !== undefined ? `--header “${hidden}”` : `--header ${hidden}`;
    })
    .replace(/(\bmcp\s+add\s+\S+\s+<?https?:\/\/[^\s?>|]+)\?[^\s>|]*/gi, '$1?[hidden]');
}
