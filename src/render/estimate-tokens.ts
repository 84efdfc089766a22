/**
 * A cheap token estimate for trimming conversation history to a budget without a round trip to the API. It leans
 * high: going over the real context window fails the request, while trimming a little too much costs only a little
 * context.
 */

/**
 * CJK ideographs, kana and hangul are roughly a token each, as are the fullwidth punctuation and symbols written
 * between them, so counting these at a quarter token like Latin text would badly undercount Chinese or Japanese.
 */
const CJK_CHAR =
  /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}\u3000-\u303f\u30fc\uff00-\uffef]/gu;

/** Roughly how many characters of English-like text make one token. */
const CHARS_PER_TOKEN = 4;

export function estimateTokens(text: string): number {
  if (text === '') return 0;
  let cjk = 0;
  let cjkLength = 0;
  for (const match of text.matchAll(CJK_CHAR)) {
    cjk += 1;
    cjkLength += match[0].length; // ideographs outside the BMP are two UTF-16 units
  }
  return cjk + Math.ceil((text.length - cjkLength) / CHARS_PER_TOKEN);
}
