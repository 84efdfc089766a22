import { describe, expect, it } from 'vitest';
import { splitMessage } from './split-message.js';

// A fence reader written independently of the one under test, so the two must agree rather than share a bug.
type Open = { opener: string; char: string; length: number } | null;
function step(open: Open, line: string): Open {
  const m = /^(`{3,}|~{3,})(.*)$/.exec(line.trim());
  if (!m) return open;
  const [, run = '', info = ''] = m;
  if (!open) return run[0] === '`' && info.includes('`') ? null : { opener: line.trim(), char: run[0]!, length: run.length };
  return run[0] === open.char && run.length >= open.length && info.trim() === '' ? null : open;
}
const squeeze = (s: string): string => s.replace(/\s+/g, '');
const balanced = (part: string): boolean => part.split('\n').reduce<Open>(step, null) === null;

/**
 * The parts' own content: drops the fence lines the splitter added, checking that each reopening repeats the opener
 * of the block it continues. A part's last fence line looks the same whether it was added or written by the author;
 * it was added if the original goes on with the block's content instead of that fence.
 */
function withoutAddedFences(parts: string[], original: string): string {
  const rest = squeeze(original);
  let consumed = 0;
  let open: Open = null;
  const kept = parts.map((part) => {
    let lines = part.split('\n');
    if (open) {
      expect(lines[0]).toBe(open.opener);
      lines = lines.slice(1);
    }
    const last = lines.at(-1) ?? '';
    const beforeLast = lines.slice(0, -1).reduce<Open>(step, open);
    const at = consumed + squeeze(lines.slice(0, -1).join('')).length;
    if (beforeLast && step(beforeLast, last) === null && !rest.startsWith(squeeze(last), at)) {
      lines = lines.slice(0, -1);
      open = beforeLast;
    } else {
      open = step(beforeLast, last);
    }
    consumed += squeeze(lines.join('')).length;
    return lines.join('\n');
  });
  return kept.join('\n');
}
/** An empty code block in a part means a split landed right next to a fence line. */
function hasEmptyBlock(part: string): boolean {
  let open: Open = null;
  let content = 0;
  for (const line of part.split('\n')) {
    const next = step(open, line);
    if (open && !next && content === 0) return true;
    content = next && open ? content + (line.trim() === '' ? 0 : 1) : 0;
    open = next;
  }
  return false;
}
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function expectValidSplit(text: string, maxChars: number): string[] {
  const parts = splitMessage(text, maxChars);
  for (const part of parts) {
    expect(part.length).toBeLessThanOrEqual(maxChars);
    expect(part.trim()).not.toBe('');
    expect(balanced(part), part).toBe(true);
    expect(part).not.toMatch(LONE_SURROGATE);
    expect(hasEmptyBlock(part), part).toBe(false);
  }
  expect(squeeze(withoutAddedFences(parts, text))).toBe(squeeze(text));
  return parts;
}

const sentence = (i: number): string => `Sentence number ${i} talks about the weather for a while.`;
const paragraph = (i: number): string => Array.from({ length: 5 }, (_, j) => sentence(i * 10 + j)).join(' ');

describe('splitMessage', () => {
  it('returns text that fits unchanged, and nothing for blank text', () => {
    expect(splitMessage('Hello **world**\n\n```ts\nconst a = 1;\n```\n', 2000)).toEqual([
      'Hello **world**\n\n```ts\nconst a = 1;\n```\n',
    ]);
    expect(splitMessage('', 2000)).toEqual([]);
    expect(splitMessage(' \n\t\n ', 2000)).toEqual([]);
  });

  it('rejects limits too small to hold fences', () => {
    expect(() => splitMessage('hi', 63)).toThrow(RangeError);
    expect(() => splitMessage('hi', Number.NaN)).toThrow(RangeError);
    expect(splitMessage('hi', 64)).toEqual(['hi']);
  });

  it('splits long prose at paragraph breaks', () => {
    const paragraphs = Array.from({ length: 12 }, (_, i) => paragraph(i));
    const text = paragraphs.join('\n\n');
    const parts = expectValidSplit(text, 1000);
    expect(parts.length).toBeGreaterThan(3);
    expect(parts.join('\n\n')).toBe(text);
  });

  it('falls back to line breaks, then sentence ends, then spaces', () => {
    const lines = Array.from({ length: 40 }, (_, i) => `- item ${i}: ${sentence(i)}`).join('\n');
    for (const part of expectValidSplit(lines, 500)) expect(part).toMatch(/weather for a while\.$/);
    const prose = Array.from({ length: 40 }, (_, i) => sentence(i)).join(' ');
    for (const part of expectValidSplit(prose, 500)) expect(part).toMatch(/^Sentence .*\.$/);
    const words = Array.from({ length: 400 }, (_, i) => `word${i}`).join(' ');
    const parts = expectValidSplit(words, 300);
    expect(parts.join(' ')).toBe(words);
  });

  it('splits a long code block into three parts, reopening ```ts in each', () => {
    const code = Array.from({ length: 100 }, (_, i) => `  const value${String(i).padStart(3, '0')} = compute(${i}); // step`);
    const text = `Here is the file:\n\n\`\`\`ts\n${code.join('\n')}\n\`\`\`\n\nThat is all.`;
    const parts = expectValidSplit(text, 2000);
    expect(parts).toHaveLength(3);
    expect(parts[0]).toMatch(/^Here is the file:\n\n```ts\n {2}const value000/);
    expect(parts[1]).toMatch(/^```ts\n {2}const/);
    expect(parts[2]).toMatch(/^```ts\n {2}const[^]*\n```\n\nThat is all\.$/);
    expect(parts[0]).toMatch(/\n```$/);
    expect(parts[1]).toMatch(/\n```$/);
    // Whole lines, indentation included, each in exactly one part.
    for (const line of code) expect(parts.filter((p) => p.split('\n').includes(line))).toHaveLength(1);
  });

  it('splits right before an opening fence rather than opening a block it cannot finish', () => {
    const block = `\`\`\`py\n${Array.from({ length: 20 }, (_, i) => `print(${i})`).join('\n')}\n\`\`\``;
    const text = `${paragraph(1)}\n\n${block}\n\n${paragraph(2)}`;
    const parts = expectValidSplit(text, paragraph(1).length + 80);
    expect(parts[0]).toBe(paragraph(1));
    expect(parts[1]).toMatch(/^```py\nprint\(0\)/);
  });

  it('ends a part with the closing fence when the block exactly fills it', () => {
    const block = `\`\`\`\n${'x'.repeat(194)}\n\`\`\``;
    expect(block).toHaveLength(202);
    expect(splitMessage(`${block}\n\n${paragraph(3)}`, 202)).toEqual([block, ...splitMessage(paragraph(3), 202)]);
  });

  it('handles ~~~ fences, with ``` lines inside them as plain content', () => {
    const body = Array.from({ length: 60 }, (_, i) => (i % 10 === 5 ? '```' : `line ${i} of the ~~~ block`));
    const text = `~~~python\n${body.join('\n')}\n~~~\nafter`;
    const parts = expectValidSplit(text, 300);
    expect(parts.length).toBeGreaterThan(2);
    for (const part of parts.slice(1)) expect(part.startsWith('~~~python\n') || part === 'after').toBe(true);
    for (const part of parts.slice(0, -1)) expect(part.endsWith('\n~~~')).toBe(true);
  });

  it('cuts a single huge word only because it must', () => {
    const url = `https://example.com/${'a1b2c3'.repeat(833)}`;
    const parts = expectValidSplit(`See ${url} for details.`, 2000);
    expect(parts).toEqual(['See', url.slice(0, 2000), url.slice(2000, 4000), `${url.slice(4000)} for details.`]);
  });

  it('splits Chinese text written without spaces, preferring sentence ends', () => {
    const text = '小柳是一个团队聊天助手，它会回答问题。'.repeat(200);
    const parts = expectValidSplit(text, 500);
    expect(parts.join('')).toBe(text);
    for (const part of parts) expect(part.endsWith('。')).toBe(true);
    const run = '中文没有空格'.repeat(500);
    expect(expectValidSplit(run, 2000).join('')).toBe(run);
  });

  it('never cuts a surrogate pair or an emoji sequence', () => {
    const emoji = '😀'.repeat(3000);
    const parts = expectValidSplit(emoji, 101);
    expect(parts.join('')).toBe(emoji);
    const family = '👨‍👩‍👧‍👦'.repeat(300);
    const familyParts = expectValidSplit(family, 100);
    expect(familyParts.join('')).toBe(family);
    for (const part of familyParts) expect(part.replaceAll('👨‍👩‍👧‍👦', '')).toBe('');
  });

  it('keeps the splitting invariants on random documents', () => {
    let seed = 42;
    const random = (): number => {
      // mulberry32: deterministic so that a failure can be reproduced
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
    const int = (n: number): number => Math.floor(random() * n);
    const pick = <T>(items: readonly T[]): T => items[int(items.length)]!;
    const words = ['the', 'answer', 'is', 'Claude.', 'queue?', '中文', '句子。', '😀', 'naïve', '`code`', '**bold**', 'x'];
    const languages = ['', 'ts', 'python', 'c++', 'json', 'shell-session', 'diff'];
    const prose = (n: number): string => Array.from({ length: n }, () => pick(words)).join(' ');
    const block = (): string[] => {
      const fence = pick(['```', '~~~', '````']);
      const indent = pick(['', '', '  ']);
      const body = Array.from({ length: 1 + int(40) }, () => ' '.repeat(int(8)) + prose(1 + int(12)));
      if (random() < 0.3) body.splice(int(body.length), 0, '', '');
      if (random() < 0.1) body.splice(int(body.length), 0, `  data = "${'z'.repeat(int(3000))}"`);
      return [`${indent}${fence}${pick(languages)}`, ...body, `${indent}${fence}`];
    };
    const pieces: Record<string, () => string[]> = {
      paragraph: () => [prose(5 + int(120))],
      list: () => Array.from({ length: 1 + int(8) }, (_, i) => `${pick(['-', `${i + 1}.`])} ${prose(3 + int(20))}`),
      code: block,
      longLine: () => [`https://example.com/${'q'.repeat(int(3000))}`],
      blank: () => ['', ''],
    };
    for (let doc = 0; doc < 300; doc++) {
      const lines = Array.from({ length: 1 + int(25) }, () => pieces[pick(Object.keys(pieces))]!()).flat();
      const maxChars = pick([64, 100, 250, 2000, 3900]);
      expectValidSplit(pick(['', '\n\n']) + lines.join(pick(['\n', '\n\n', '\r\n'])), maxChars);
    }
  });
});
