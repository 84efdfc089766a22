/**
 * Claude answers in CommonMark/GFM; Slack's `text` field speaks mrkdwn. This converts line by line: block structure
 * (fences, tables, headings, lists, quotes, rules) here, everything inside a line in mrkdwn-inline.ts.
 *
 * Safety first: `&`, `<` and `>` are escaped everywhere, code included, so nothing the model writes can become a
 * Slack control sequence — `<!channel>` and `<@U123>` arrive as harmless text — and `@here`-style words get a
 * zero-width space. The only `<…>` in the output are links built here from URLs with a scheme.
 */
import { convertInline } from './mrkdwn-inline.js';
import { escapeSlack } from './mrkdwn-tokens.js';
import { isTableStart, renderTable } from './mrkdwn-table.js';

const FENCE = /^([ \t]*)(`{3,}|~{3,})(.*)$/;
const HEADING = /^ {0,3}#{1,6}(?:[ \t]+(.*?))?[ \t]*$/;
const SETEXT_UNDERLINE = /^ {0,3}(?:=+|-+)[ \t]*$/;
const RULE = /^ {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$/;
const QUOTE = /^ {0,3}>/;
const QUOTES = /^(?: {0,3}> ?)+/;
const BULLET = /^([ \t]*)[-*+][ \t]+(.*)$/;
const ORDERED = /^([ \t]*)(\d{1,9}[.)])[ \t]+(.*)$/;
const TASK = /^\[([ xX])\][ \t]+/;
/** Slack has no lists, so items are drawn with these, one per nesting level (deeper levels reuse the last). */
const BULLETS = ['•', '◦', '▪'] as const;
const RULE_LINE = '──────────';

export function toMrkdwn(markdown: string): string {
  const lines = markdown.replace(/\r\n?/g, '\n').split('\n');
  const out: string[] = [];
  /** Indents of the open list levels, outermost first; an item's level is its position here. */
  let listIndents: number[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const fence = FENCE.exec(line);
    const bullet = BULLET.exec(line);
    const ordered = ORDERED.exec(line);
    if (fence && !(fence[2]!.startsWith('`') && fence[3]!.includes('`'))) {
      i = codeBlock(lines, i, fence[1]!.length, fence[2]!, out);
    } else if (isTableStart(lines, i)) {
      i = renderTable(lines, i, out);
    } else if (QUOTE.test(line)) {
      const start = i;
      while (i + 1 < lines.length && QUOTE.test(lines[i + 1]!)) i++;
      // A quote holds blocks of its own (lists, code), so its content is converted as a document. Slack cannot nest
      // quotes, so all levels' markers go at once, which also keeps `>>>>…` from recursing once per `>`.
      const inner = lines.slice(start, i + 1).map((l) => l.replace(QUOTES, ''));
      out.push(...toMrkdwn(inner.join('\n')).split('\n').map((l) => (l ? `> ${l}` : '>')));
    } else if (RULE.test(line)) {
      out.push(RULE_LINE);
    } else if (bullet || ordered) {
      const indent = indentWidth((bullet ?? ordered)![1]!);
      listIndents = listIndents.filter((open) => open < indent);
      const level = listIndents.push(indent) - 1;
      if (bullet) {
        const body = bullet[2]!.replace(TASK, (_, mark: string) => (mark === ' ' ? '☐ ' : '☑ '));
        out.push(`${bullet[1]}${BULLETS[Math.min(level, BULLETS.length - 1)]} ${convertInline(body)}`);
      } else {
        out.push(`${ordered![1]}${ordered![2]} ${convertInline(ordered![3]!)}`);
      }
      continue; // keeps listIndents
    } else if (HEADING.test(line)) {
      out.push(heading(HEADING.exec(line)![1] ?? ''));
    } else if (/^\S/.test(line) && SETEXT_UNDERLINE.test(lines[i + 1] ?? '')) {
      // "Title" over "===" or "---" is a heading in CommonMark, not a paragraph followed by a rule.
      out.push(heading(line.trim()));
      i++;
    } else {
      out.push(convertInline(line));
    }
    // Blank lines and indented lines (an item's continuation or code) stay inside the list; anything else ends it.
    if (/^\S/.test(line)) listIndents = [];
  }
  return out.join('\n');
}

/** A heading becomes a bold line; markup inside that would be bold anyway is dropped, `*x*` inside `*…*` breaks. */
function heading(text: string): string {
  const content = text.replace(/(?:^|[ \t]+)#+$/, '').trim(); // the optional closing `##`
  return content ? `*${convertInline(content, 'heading')}*` : '';
}

/**
 * Copies a fenced block into `out` and returns the index of its closing fence. The language tag is dropped (Slack
 * would show it as the first line of code) and the content is only escaped, never converted.
 */
function codeBlock(lines: readonly string[], start: number, indent: number, marker: string, out: string[]): number {
  const closing = new RegExp(`^[ \\t]*[${marker[0]}]{${marker.length},}[ \\t]*$`);
  const body: string[] = [];
  let i = start + 1;
  for (; i < lines.length && !closing.test(lines[i]!); i++) {
    // Content lines lose the fence's own indentation, as in CommonMark, so code inside a list item is not shifted.
    body.push(lines[i]!.replace(new RegExp(`^[ \\t]{0,${indent}}`), ''));
  }
  out.push('```', ...body.map(escapeSlack), '```');
  return i;
}

function indentWidth(whitespace: string): number {
  return whitespace.replace(/\t/g, '    ').length;
}
