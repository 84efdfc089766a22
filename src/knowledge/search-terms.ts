/**
 * A search query as the index's terms (migration 0010's xiaoliu_search_vector): words lower-cased as Postgres'
 * 'simple' configuration reads them, and each run of CJK characters as its overlapping bigrams (a lone character as
 * itself), so "部署日" finds "我们的部署日是星期二" without a Chinese dictionary. Returns a to_tsquery('simple', …)
 * text whose terms must all appear; undefined when the query has no searchable term.
 */
const CJK = /[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af]+/gu;

export function searchQueryOf(query: string): string | undefined {
  const terms = new Set<string>();
  for (const run of query.match(CJK) ?? []) {
    const chars = [...run];
    if (chars.length === 1) terms.add(chars[0]!);
    for (let i = 0; i + 1 < chars.length; i++) terms.add(chars[i]! + chars[i + 1]!);
  }
  for (const word of query.replace(CJK, ' ').toLowerCase().match(/[\p{L}\p{N}_]+/gu) ?? []) terms.add(word);
  if (!terms.size) return undefined;
  // Quoted, so nothing in them is read as tsquery syntax; Postgres runs each through the same parser as the index.
  return [...terms].map((term) => `'${term.replaceAll("'", "''").replaceAll('\\', '\\\\')}'`).join(' & ');
}
