/**
 * GFM tables for Slack, which has none: the table becomes a code block whose columns line up in Slack's monospace
 * font. Cells are plain text, since markup inside a code block would show as literal asterisks.
 */
import { convertInline } from './mrkdwn-inline.js';
import { escapeSlack } from './mrkdwn-tokens.js';

type Align = 'left' | 'right' | 'center';

const DELIMITER_ROW = /^\s*\|?\s*:?-+:?\s*(?:\|\s*:?-+:?\s*)*\|?\s*$/;

/** GFM: a header row, then a delimiter row (`--- | :-:`) with as many cells. */
export function isTableStart(lines: readonly string[], i: number): boolean {
  const header = lines[i];
  const delimiter = lines[i + 1];
  // Both rows must have a pipe, or "a | b" over a "---" rule would become a table.
  if (!header?.includes('|') || !delimiter?.includes('|') || !DELIMITER_ROW.test(delimiter)) {
    return false;
  }
  return splitRow(header).length === splitRow(delimiter).length;
}

/**
 * Renders the table starting at `lines[start]` into `out` and returns the index of its last line. The body ends at
 * a blank line or a line without a pipe.
 */
export function renderTable(lines: readonly string[], start: number, out: string[]): number {
  const aligns = splitRow(lines[start + 1]!).map(alignment);
  let end = start + 1;
  while (end + 1 < lines.length && lines[end + 1]!.trim() !== '' && lines[end + 1]!.includes('|')) end++;
  const rows = [lines[start]!, ...lines.slice(start + 2, end + 1)].map((line) => {
    // `<br>` is how Markdown writers break a line inside a cell; a row of a code block cannot, so it is a space.
    const cells = splitRow(line).map((cell) => convertInline(cell.replace(/<br\s*\/?>/gi, ' '), 'plain'));
    // GFM pads short rows with empty cells and drops cells beyond the header's count.
    return aligns.map((_, c) => cells[c] ?? '');
  });
  const widths = aligns.map((_, c) => Math.max(1, ...rows.map((row) => displayWidth(row[c]!))));
  const format = (row: string[]): string =>
    row
      .map((cell, c) => pad(cell, widths[c]!, aligns[c]!))
      .join(' | ')
      .trimEnd();
  const [header, ...body] = rows;
  const separator = widths.map((w) => '-'.repeat(w)).join('-+-');
  // Escaped only after padding: `&lt;` is one column on screen, not four.
  out.push('```', ...[format(header!), separator, ...body.map(format)].map(escapeSlack), '```');
  return end;
}

/** Columns a monospace font gives `text`: East Asian wide characters and emoji take two, combining marks none. */
export function displayWidth(text: string): number {
  let width = 0;
  for (const ch of text) {
    if (/[\p{Mn}\p{Me}\p{Cf}]/u.test(ch)) continue;
    width += isWide(ch.codePointAt(0)!) ? 2 : 1;
  }
  return width;
}

/** Unicode East Asian Width W and F, condensed to the blocks that occur in practice. */
function isWide(cp: number): boolean {
  return (
    (cp >= 0x1100 && cp <= 0x115f) || // Hangul Jamo
    (cp >= 0x2e80 && cp <= 0xa4cf && cp !== 0x303f) || // CJK radicals … Yi, incl. kana and ideographs
    (cp >= 0xac00 && cp <= 0xd7a3) || // Hangul syllables
    (cp >= 0xf900 && cp <= 0xfaff) || // CJK compatibility ideographs
    (cp >= 0xfe30 && cp <= 0xfe4f) || // CJK compatibility forms
    (cp >= 0xff00 && cp <= 0xff60) || // fullwidth forms
    (cp >= 0xffe0 && cp <= 0xffe6) ||
    (cp >= 0x1f300 && cp <= 0x1f64f) || // pictographs and emoticons
    (cp >= 0x1f900 && cp <= 0x1f9ff) ||
    (cp >= 0x20000 && cp <= 0x3fffd) // CJK extension planes
  );
}

/** Cells split at pipes, except escaped ones (`\|`), which GFM uses for a literal pipe in a cell. */
function splitRow(line: string): string[] {
  let row = line.trim();
  if (row.startsWith('|')) row = row.slice(1);
  if (row.endsWith('|') && !row.endsWith('\\|')) row = row.slice(0, -1);
  return row.split(/(?<!\\)\|/).map((cell) => cell.trim().replace(/\\\|/g, '|'));
}

function alignment(delimiterCell: string): Align {
  if (delimiterCell.endsWith(':')) return delimiterCell.startsWith(':') ? 'center' : 'right';
  return 'left';
}

function pad(cell: string, width: number, align: Align): string {
  const room = width - displayWidth(cell);
  if (align === 'right') return ' '.repeat(room) + cell;
  if (align === 'center') return ' '.repeat(Math.floor(room / 2)) + cell + ' '.repeat(Math.ceil(room / 2));
  return cell + ' '.repeat(room);
}
