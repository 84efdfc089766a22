/**
 * Splits a Markdown answer into parts that each fit one chat message (Discord allows 2000 characters, Slack about
 * 3900). Lengths are JS string lengths: an emoji counts as two, so a platform that counts characters sees less.
 *
 * A code block cut in two is closed at the end of one part and reopened, with its language tag, at the start of the
 * next, so every part renders on its own. Joining the parts without those added fence lines gives back the original,
 * apart from the whitespace at the split points.
 */

/** Below this a part cannot hold a reopened fence, a closing fence and some content. */
const MIN_MAX_CHARS = 64;

interface Fence {
  /** The opening line without indentation, e.g. "```ts", reused to reopen the block in the next part. */
  readonly opener: string;
  /** The shortest line that closes this block. */
  readonly closer: string;
}

interface Line {
  readonly start: number;
  /** Index of the line's '\n', or text.length for the last line. */
  readonly end: number;
  readonly blank: boolean;
  /** Opens or closes a fence; never cut inside such a line. */
  readonly isFence: boolean;
  readonly fenceBefore: Fence | null;
  readonly fenceAfter: Fence | null;
}

/** Kinds of break point, best first; each indexes BREAK_PENALTY. */
const [PARAGRAPH, LINE, SENTENCE, WORD] = [0, 1, 2, 3] as const;
/**
 * The share of a part a kind of break is worth giving up to use a paragraph break instead: a worse kind wins only if
 * it fills the part that much further, so a paragraph break at 45% beats a word break at 51% but not one at 99%.
 */
const BREAK_PENALTY = [0, 0.15, 0.3, 0.5] as const;
/** Splitting a code block costs extra: the reader has to piece the code together across messages. */
const SPLIT_BLOCK_PENALTY = 0.25;

const SENTENCE_END = /[.!?…][)\]"'”’]*$/;
const CJK = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}\u3000-\u303f\u30fc\uff00-\uffef]/u;
const CJK_SENTENCE_END = /[。！？]/;
/** Starting a part with these would orphan the punctuation from its sentence. */
const CJK_NO_LINE_START = /[、。，．：；！？）」』】〉》〕]/;

export function splitMessage(text: string, maxChars: number): string[] {
  if (!(maxChars >= MIN_MAX_CHARS)) {
    throw new RangeError(`maxChars must be at least ${MIN_MAX_CHARS}, got ${maxChars}`);
  }
  if (text.trim() === '') return [];
  if (text.length <= maxChars) return [text];

  const lines = parseLines(text);
  const lineIndexAt = (pos: number): number => {
    let lo = 0;
    let hi = lines.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (lines[mid]!.start <= pos) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  };
  // A cut at the very end of a line includes that line, so a fence line it ends has already taken effect.
  const fenceAt = (pos: number): Fence | null => {
    const line = lines[lineIndexAt(pos)]!;
    return pos === line.end ? line.fenceAfter : line.fenceBefore;
  };
  const isSpace = (pos: number): boolean => /\s/.test(text[pos] ?? '');
  // An info string so long that the added fence lines would take half a part (absurd in practice) is dropped.
  const reopenLine = (fence: Fence): string =>
    fence.opener.length + fence.closer.length + 2 <= maxChars / 2 ? fence.opener : fence.closer;

  const parts: string[] = [];
  let start = 0;
  while (start < text.length) {
    const reopen = fenceAt(start);
    const prefix = reopen ? `${reopenLine(reopen)}\n` : '';
    const contentEnd = (cut: number): number => {
      let end = cut;
      while (end > start && isSpace(end - 1)) end--;
      return end;
    };
    const partLength = (cut: number): number => {
      const close = fenceAt(cut);
      return prefix.length + (contentEnd(cut) - start) + (close ? close.closer.length + 1 : 0);
    };
    const fits = (cut: number): boolean => {
      const end = contentEnd(cut);
      if (end === start || partLength(cut) > maxChars) return false;
      if (!fenceAt(cut)) return true;
      // Inside a block, a part must neither end right after its opener nor leave the next part only its closer.
      if (lines[lineIndexAt(end - 1)]!.isFence) return false;
      const next = skipBreak(text, cut);
      const nextLine = lines[lineIndexAt(next)]!;
      return !(nextLine.isFence && nextLine.start === next);
    };
    const render = (cut: number): string => {
      const close = fenceAt(cut);
      return prefix + text.slice(start, contentEnd(cut)) + (close ? `\n${close.closer}` : '');
    };

    if (partLength(text.length) <= maxChars) {
      parts.push(render(text.length));
      break;
    }

    const limit = Math.min(text.length, start + maxChars - prefix.length);
    let cut = -1;
    let bestScore = -Infinity;
    for (let pos = start + 1; pos <= limit; pos++) {
      const kind = breakKind(text, lines, lineIndexAt(pos), pos);
      if (kind === undefined || !fits(pos)) continue;
      const score = (pos - start) / (limit - start) - BREAK_PENALTY[kind]! - (fenceAt(pos) ? SPLIT_BLOCK_PENALTY : 0);
      if (score >= bestScore) [cut, bestScore] = [pos, score];
    }
    if (cut < 0) cut = hardCut(text, start, limit, fits);
    parts.push(render(cut));
    start = skipBreak(text, cut);
  }
  return parts;
}

function parseLines(text: string): Line[] {
  const lines: Line[] = [];
  let fence: Fence | null = null;
  for (let start = 0; ; ) {
    const newline = text.indexOf('\n', start);
    const end = newline === -1 ? text.length : newline;
    const trimmed = text.slice(start, end).trim();
    const before = fence;
    const marker = /^(`{3,}|~{3,})(.*)$/.exec(trimmed);
    let isFence = false;
    if (marker) {
      const run = marker[1]!;
      const info = marker[2]!;
      if (fence === null && !(run[0] === '`' && info.includes('`'))) {
        fence = { opener: trimmed, closer: run };
        isFence = true;
      } else if (fence !== null && info.trim() === '' && run[0] === fence.closer[0] && run.length >= fence.closer.length) {
        fence = null;
        isFence = true;
      }
    }
    lines.push({ start, end, blank: trimmed === '', isFence, fenceBefore: before, fenceAfter: fence });
    if (newline === -1) return lines;
    start = newline + 1;
  }
}

/** What kind of break ending a part at `pos` would be, or undefined if a part must not end there. */
function breakKind(text: string, lines: Line[], index: number, pos: number): number | undefined {
  const line = lines[index]!;
  if (text[pos - 1] === '\n') {
    const previous = lines[index - 1]!;
    // Inside a run of blank lines every cut is the same as the one at its first line.
    if (previous.blank) return undefined;
    return line.blank ? PARAGRAPH : LINE;
  }
  if (line.isFence || pos >= line.end) return undefined;
  const before = text[pos - 1]!;
  const at = text[pos]!;
  if (at === ' ' || at === '\t') {
    if (/\s/.test(before)) return undefined;
    // Spaces that run to the end of the line are the line break's business.
    let next = pos;
    while (next < line.end && /\s/.test(text[next]!)) next++;
    if (next >= line.end) return undefined;
    return SENTENCE_END.test(text.slice(Math.max(line.start, pos - 4), pos)) ? SENTENCE : WORD;
  }
  if (isLowSurrogate(text.charCodeAt(pos)) || /\s/.test(before + at) || CJK_NO_LINE_START.test(at)) return undefined;
  // CJK is written without spaces, so any gap after a CJK character is a word break.
  const previousChar = String.fromCodePoint(text.codePointAt(isLowSurrogate(text.charCodeAt(pos - 1)) ? pos - 2 : pos - 1)!);
  if (CJK_SENTENCE_END.test(previousChar)) return SENTENCE;
  return CJK.test(previousChar) ? WORD : undefined;
}

/** The last resort: the latest cut that fits, in the middle of a word but never inside a character. */
function hardCut(text: string, start: number, limit: number, fits: (cut: number) => boolean): number {
  const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });
  const boundaries = [...graphemes.segment(text.slice(start, limit + 1))].map((segment) => start + segment.index);
  for (let i = boundaries.length - 1; i >= 0; i--) {
    if (boundaries[i]! <= limit && fits(boundaries[i]!)) return boundaries[i]!;
  }
  // One grapheme longer than a part (e.g. thousands of combining marks): settle for whole code points.
  for (let pos = limit; pos > start; pos--) {
    if (!isLowSurrogate(text.charCodeAt(pos)) && fits(pos)) return pos;
  }
  return start + (isLowSurrogate(text.charCodeAt(start + 1)) ? 2 : 1);
}

/** Where the next part starts: past the whitespace at the cut, keeping the indentation of the next line. */
function skipBreak(text: string, cut: number): number {
  let pos = cut;
  if (pos > 0 && text[pos - 1] !== '\n') {
    while (text[pos] === ' ' || text[pos] === '\t') pos++;
    if (text[pos] === '\r' && text[pos + 1] === '\n') pos++;
    if (text[pos] === '\n') pos++;
  }
  const blank = /(?:[ \t]*\r?\n)*/y;
  blank.lastIndex = pos;
  blank.exec(text);
  pos = blank.lastIndex;
  // Only trailing whitespace left: nothing more to post.
  const content = /\S/g;
  content.lastIndex = pos;
  return content.test(text) ? pos : text.length;
}

function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}
