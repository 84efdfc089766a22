/**
 * Inline Markdown (one line: emphasis, code spans, links) to Slack mrkdwn. The line is cut into pieces first — text,
 * finished tokens (code spans, links, URLs) and runs of `*`, `_` or `~` — and the runs are then paired with the
 * CommonMark delimiter algorithm, so an unpaired `*` stays a literal `*` instead of swallowing the rest of the line.
 */
import {
  autolinkAt,
  bareUrlAt,
  defuseBroadcasts,
  escapeSlack,
  linkMarkup,
  matchBrackets,
  parseLink,
} from './mrkdwn-tokens.js';

/**
 * `mrkdwn`: Slack markup. `heading`: the same inside a line that is already bold, so bold is dropped. `plain`: no
 * markup and no escaping, for table cells shown in a code block (the caller escapes after padding).
 */
export type InlineMode = 'mrkdwn' | 'heading' | 'plain';

interface Delim {
  readonly kind: 'delim';
  readonly char: string;
  readonly length: number;
  /** Characters of the run not yet used by a pair. */
  left: number;
  readonly canOpen: boolean;
  readonly canClose: boolean;
  /** False once inside a matched pair: CommonMark forbids it to pair with anything outside. */
  active: boolean;
  readonly before: string | undefined;
  readonly after: string | undefined;
  readonly opens: string[];
  readonly closes: string[];
}
type Piece = { kind: 'text'; text: string } | { kind: 'done'; text: string } | Delim;

const ASCII_PUNCT = /[!-/:-@[-`{-~]/;
const PUNCT = /[\p{P}\p{S}]/u;
/**
 * CJK is written without spaces, so for `*` and `~` its characters are classed with punctuation: `这是**重要**的`
 * then pairs like `this is **important**.` does, while ASCII intraword runs (`2*3*4`) never pair. `_` keeps
 * CommonMark's strict rule, as intraword underscores (`用户_id`, snake_case_names) are names, not emphasis.
 */
const CJK = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]/u;

export function convertInline(text: string, mode: InlineMode = 'mrkdwn'): string {
  return convert(text, mode, false);
}

/** `inLabel`: inside a link's label, where a nested link (a badge image, say) can only be text. */
function convert(text: string, mode: InlineMode, inLabel: boolean): string {
  const pieces = scan(text, mode, inLabel);
  pairDelimiters(pieces, mode);
  return pieces.map((piece) => render(piece, mode)).join('');
}

function scan(text: string, mode: InlineMode, inLabel: boolean): Piece[] {
  const pieces: Piece[] = [];
  let buffer = '';
  const flush = (): void => {
    if (buffer) pieces.push({ kind: 'text', text: buffer });
    buffer = '';
  };
  const done = (out: string): void => {
    flush();
    pieces.push({ kind: 'done', text: out });
  };
  // Slack cannot nest links, so inside a label they are text.
  const brackets = inLabel ? new Map<number, number>() : matchBrackets(text);
  let i = 0;
  while (i < text.length) {
    const ch = text[i]!;
    const bang = ch === '!' && text[i + 1] === '[' ? 1 : 0;
    const link = ch === '[' || bang ? parseLink(text, i + bang, brackets) : undefined;
    const autolink = ch === '<' ? autolinkAt(text, i, mode === 'plain' || inLabel) : undefined;
    const url = ch === 'h' || ch === 'H' ? bareUrlAt(text, i) : undefined;
    if (ch === '\\' && ASCII_PUNCT.test(text[i + 1] ?? '')) {
      buffer += text[i + 1]; // an escaped character is literal and never a delimiter
      i += 2;
    } else if (ch === '`') {
      const run = runAt(text, i);
      const close = findRun(text, i + run.length, run);
      if (close < 0) {
        buffer += run;
        i += run.length;
        continue;
      }
      let code = text.slice(i + run.length, close);
      if (/^ .*[^ ].* $/.test(code)) code = code.slice(1, -1); // CommonMark strips one padding space each side
      const end = close + run.length;
      const marked = `${gap(charBefore(text, i))}\`${escapeSlack(code)}\`${gap(charAt(text, end))}`;
      done(mode === 'plain' ? code : marked);
      i = end;
    } else if (link) {
      done(linkMarkup(convert(link.label, mode, true), link.url, mode === 'plain'));
      i = link.end;
    } else if (autolink) {
      done(autolink.out);
      i += autolink.length;
    } else if (url) {
      done(mode === 'plain' ? url : escapeSlack(url)); // kept whole so `_` or `*` in it is never emphasis
      i += url.length;
    } else if (ch === '*' || ch === '_' || ch === '~') {
      const run = runAt(text, i);
      const delim = makeDelim(ch, run.length, charBefore(text, i), charAt(text, i + run.length));
      const after = text.slice(i + run.length, i + run.length + 2);
      // Only `~~` is strikethrough: a single `~` is far more often "about" (~5 min) or a home directory. A run
      // touching `/`, or a `*` before an extension, is a path or glob (src/**/*.ts, *.log), never emphasis.
      const pathLike = text[i - 1] === '/' || after.startsWith('/') || (ch === '*' && /^\.\w/.test(after));
      const literal = (ch === '~' && run.length !== 2) || pathLike || !(delim.canOpen || delim.canClose);
      if (literal) buffer += run;
      else {
        flush();
        pieces.push(delim);
      }
      i += run.length;
    } else {
      buffer += ch;
      i += 1;
    }
  }
  flush();
  return pieces;
}

function makeDelim(char: string, length: number, before: string | undefined, after: string | undefined): Delim {
  const b = classify(before, char !== '_');
  const a = classify(after, char !== '_');
  const leftFlanking = a !== 'space' && (a !== 'punct' || b !== 'word');
  const rightFlanking = b !== 'space' && (b !== 'punct' || a !== 'word');
  // CommonMark's stricter `_` rule, applied to `*` as well: Slack cannot render intraword emphasis anyway.
  const canOpen = leftFlanking && (!rightFlanking || b === 'punct');
  const canClose = rightFlanking && (!leftFlanking || a === 'punct');
  const flags = { canOpen, canClose, active: true };
  return { kind: 'delim', char, length, left: length, ...flags, before, after, opens: [], closes: [] };
}

/** CommonMark's "process emphasis": each closer pairs with the nearest compatible opener before it. */
function pairDelimiters(pieces: Piece[], mode: InlineMode): void {
  const delims = pieces.filter((p): p is Delim => p.kind === 'delim');
  // CommonMark's openers_bottom: once no opener fits a kind of closer, later ones of that kind need not look back
  // past it again, which keeps a line of many unmatched `*` linear.
  const bottom = new Map<string, number>();
  delims.forEach((closer, c) => {
    const kind = `${closer.char}${closer.length % 3}${closer.canOpen}`;
    while (closer.canClose && closer.left > 0) {
      let o = c - 1;
      while (o > (bottom.get(kind) ?? -1) && !fits(delims[o]!, closer)) o--;
      const opener = o > (bottom.get(kind) ?? -1) ? delims[o] : undefined;
      if (!opener) {
        bottom.set(kind, c - 1);
        return;
      }
      const used = closer.char === '~' ? 2 : Math.min(opener.left, closer.left, 3);
      const strike = closer.char === '~';
      const strong = used >= 2 && !strike && mode === 'mrkdwn' ? '*' : '';
      const em = strike ? '~' : used === 2 ? '' : '_';
      opener.left -= used;
      closer.left -= used;
      // Pairs are found inside out, so each new mark goes outside the ones already there: `***x***` → `*_x_*`.
      opener.opens.unshift(mode === 'plain' ? '' : strong + em);
      closer.closes.push(mode === 'plain' ? '' : em + strong);
      for (let k = o + 1; k < c; k++) delims[k]!.active = false;
    }
  });
}

function fits(opener: Delim, closer: Delim): boolean {
  if (!opener.active || !opener.canOpen || opener.char !== closer.char || opener.left === 0) return false;
  if (closer.char === '~') return opener.left === 2 && closer.left === 2;
  // CommonMark's "rule of three" keeps `**a*` and `*a**b*` from pairing runs of different lengths wrongly.
  const bothFlanking = opener.canClose || closer.canOpen;
  const sum = opener.length + closer.length;
  return !(bothFlanking && sum % 3 === 0 && (opener.length % 3 !== 0 || closer.length % 3 !== 0));
}

function render(piece: Piece, mode: InlineMode): string {
  if (piece.kind === 'done') return piece.text;
  if (piece.kind === 'text') return mode === 'plain' ? piece.text : defuseBroadcasts(escapeSlack(piece.text));
  const closes = piece.closes.join('');
  const opens = piece.opens.join('');
  const literal = piece.char.repeat(piece.left);
  return `${opens ? gap(piece.before) : ''}${closes}${literal}${opens}${closes ? gap(piece.after) : ''}`;
}

/**
 * Slack only sees `*`, `_`, `~` and `` ` `` as markup next to a space or ASCII punctuation, so `这是*重要*的` shows
 * its asterisks. A space is the one separator known to work there; it is added only where Slack needs it.
 */
function gap(neighbour: string | undefined): string {
  return neighbour === undefined || /\s/u.test(neighbour) || ASCII_PUNCT.test(neighbour) ? '' : ' ';
}

/** The run of one repeated character starting at `i`, e.g. "**" or "```". */
function runAt(text: string, i: number): string {
  let j = i;
  while (text[j] === text[i]) j++;
  return text.slice(i, j);
}

/** Where the closing run of exactly as many backticks starts, or -1: a code span closes only on an equal run. */
function findRun(text: string, from: number, run: string): number {
  for (let k = text.indexOf(run, from); k >= 0; k = text.indexOf(run, k + 1)) {
    const end = k + run.length;
    if (text[k - 1] !== '`' && text[end] !== '`') return k;
    while (text[k + 1] === '`') k++; // skip a longer run as a whole
  }
  return -1;
}

function classify(ch: string | undefined, cjkAsPunct: boolean): 'space' | 'punct' | 'word' {
  if (ch === undefined || /\s/u.test(ch)) return 'space';
  return PUNCT.test(ch) || (cjkAsPunct && CJK.test(ch)) ? 'punct' : 'word';
}

/** The whole code point before `i`, so an emoji before a delimiter is classed as a symbol, not a lone surrogate. */
function charBefore(text: string, i: number): string | undefined {
  if (i <= 0) return undefined;
  const low = text.charCodeAt(i - 1);
  return low >= 0xdc00 && low <= 0xdfff && i >= 2 ? text.slice(i - 2, i) : text[i - 1];
}

function charAt(text: string, i: number): string | undefined {
  const cp = text.codePointAt(i);
  return cp === undefined ? undefined : String.fromCodePoint(cp);
}
