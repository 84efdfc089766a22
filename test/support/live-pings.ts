/**
 * The broadcasts in a message Xiaoliu wrote that would notify a whole channel. Slack: its `<!everyone>`,
 * `<!channel>`, `<!here>` and user-group `<!subteam^…>` tokens, and plain `@everyone`/`@here`/`@channel`. Discord:
 * `@everyone` and `@here` (its allowed_mentions are checked apart). Defused forms (`@\u200Beveryone`,
 * `&lt;!everyone&gt;`, `＠everyone`) do not match.
 */
export function livePings(text: string | undefined, platform: 'slack' | 'discord'): string[] {
  if (!text) return [];
  if (platform === 'discord') return text.match(/(?<![\w.+-])@(?:everyone|here)\b/gi) ?? [];
  const tokens = text.match(/<!(?:everyone|channel|here|subteam\^)[^>]*>?/gi) ?? [];
  const plain = text.match(/(?<![\w.+-])@(?:everyone|here|channel)\b/gi) ?? [];
  return [...tokens, ...plain];
}
