/**
 * The parts of mrkdwn that Slack itself parses — `&<>` entities, `<…>` links and mentions — and so the parts that
 * decide whether model output can ping people or forge links. Everything here errs towards showing text as text.
 */

const BROADCAST = /(?<![\w.+-])@(channel|here|everyone)\b/gi;
const AUTOLINK = /<([a-z][a-z0-9+.-]{1,31}:[^\s<>]*)>/iy;
const EMAIL_AUTOLINK = /<([^\s<>@|]+@[^\s<>@|]+\.[^\s<>@|]+)>/y;
const BARE_URL = /https?:\/\/[^\s<>]+/iy;
const ABSOLUTE_URL = /^[a-z][a-z0-9+.-]*:\S*$/i;
/** `(dest "title")` after a link's `]`; each alternative starts with a different character, so it cannot backtrack. */
const LINK_TAIL =
  /\(\s*(?:<([^<>\n]*)>|((?:[^\s()\\]|\\.|\((?:[^\s()\\]|\\.)*\))*))(?:\s+(?:"[^"]*"|'[^']*'|\([^)]*\)))?\s*\)/y;
/** A link inside a link's label, e.g. a badge image: only its text is kept, Slack cannot nest them. */
const NESTED_LINK = /!?\[([^[\]]*)\]\([^()\s]*\)/g;

export interface Link {
  readonly label: string;
  readonly url: string;
  /** Index just past the link's closing `)`. */
  readonly end: number;
}

/** Slack's only control characters; it decodes no other entity, so nothing else may be encoded. */
export function escapeSlack(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * Plain `@here`, `@channel` and `@everyone` notify the whole channel when a message is posted with link_names; a
 * zero-width space after the `@` keeps them readable but inert. (`<!here>` needs nothing: its `<` is escaped.)
 */
export function defuseBroadcasts(text: string): string {
  return text.replace(BROADCAST, '@\u200B$1');
}

/** `[label](url)` or, one character later, `![alt](url)` at `open` (the `[`); undefined if it is not a link. */
export function parseLink(text: string, open: number, brackets: ReadonlyMap<number, number>): Link | undefined {
  const close = brackets.get(open);
  const tail = close === undefined ? null : matchAt(LINK_TAIL, text, close + 1);
  if (close === undefined || !tail) return undefined;
  const url = (tail[1] ?? tail[2] ?? '').replace(/\\([!-/:-@[-`{-~])/g, '$1');
  return { label: text.slice(open + 1, close).replace(NESTED_LINK, '$1'), url, end: close + 1 + tail[0].length };
}

/** Each `[` to its matching `]`, found in one pass so that a line of unmatched `[` is not scanned once per `[`. */
export function matchBrackets(text: string): Map<number, number> {
  const pairs = new Map<number, number>();
  const open: number[] = [];
  for (let j = 0; j < text.length; j++) {
    if (text[j] === '\\') j++;
    else if (text[j] === '[') open.push(j);
    else if (text[j] === ']' && open.length > 0) pairs.set(open.pop()!, j);
  }
  return pairs;
}

/**
 * A converted label and its URL as a Slack link. `plain` gives text for a code block. Slack cannot link a relative
 * path, so it is shown next to its label; an anchor into the page means nothing in Slack and is dropped.
 */
export function linkMarkup(label: string, url: string, plain: boolean): string {
  if (label && url.startsWith('#')) return label;
  if (plain) return !label || label === url ? url : `${label} (${url})`;
  if (!ABSOLUTE_URL.test(url)) return label ? `${label} (${escapeSlack(url)})` : escapeSlack(url);
  // Slack ends the URL at the first `|` and the label at the first `>` (escaped already); a `|` in the label is
  // swapped for a look-alike so no label can smuggle in a second field.
  return label ? `<${slackUrl(url)}|${label.replace(/\|/g, '\u2223')}>` : `<${slackUrl(url)}>`;
}

/** `<https://…>` or `<a@b.c>` at `i`: the Slack link and the length consumed, or the bare target for `plain`. */
export function autolinkAt(text: string, i: number, plain: boolean): { out: string; length: number } | undefined {
  const url = matchAt(AUTOLINK, text, i);
  const email = url ? null : matchAt(EMAIL_AUTOLINK, text, i);
  const found = url ?? email;
  if (!found) return undefined;
  const target = found[1]!;
  const link = email ? `<mailto:${slackUrl(target)}|${escapeSlack(target)}>` : `<${slackUrl(target)}>`;
  return { out: plain ? target : link, length: found[0].length };
}

/** A bare http(s) URL at `i`, without the sentence punctuation after it (GFM's extended autolink rule). */
export function bareUrlAt(text: string, i: number): string | undefined {
  if (/[\p{L}\p{N}]/u.test(text[i - 1] ?? '')) return undefined;
  let url = matchAt(BARE_URL, text, i)?.[0];
  while (url) {
    const last = url.at(-1)!;
    const unbalanced = last === ')' && url.split('(').length < url.split(')').length;
    if (!/[?!.,:;*_~'"]/.test(last) && !unbalanced) break;
    url = url.slice(0, -1);
  }
  return url || undefined;
}

/** A URL inside `<…>`: what would end or split the link is percent-encoded, `&` escaped as Slack expects. */
function slackUrl(url: string): string {
  return escapeSlack(url.replace(/[\s<>|]/g, (c) => encodeURIComponent(c)));
}

/** Sticky regexes match exactly at `i`, so no slice of the rest of the line is copied per character. */
function matchAt(re: RegExp, text: string, i: number): RegExpExecArray | null {
  re.lastIndex = i;
  return re.exec(text);
}
