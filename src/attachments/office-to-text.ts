import type ExcelJS from 'exceljs';
import { FILE_LIMITS } from './attachment-limits.js';
import { FileUnreadable } from './file-unreadable.js';
import { checkZip, readEntry } from './read-zip.js';
import { decodeXml } from './decode-xml.js';
import { htmlToMarkdown } from './html-to-markdown.js';

const ZIP_LIMITS = { maxInflatedBytes: FILE_LIMITS.zipInflatedBytes, maxEntries: FILE_LIMITS.zipEntries };

/**
 * A Word document as Markdown: mammoth (BSD-2, the established docx reader for JavaScript) turns it into its plain,
 * semantic HTML (headings, lists, tables, emphasis, links; styles dropped), which becomes Markdown here. Mammoth's
 * own Markdown output is deprecated by its author in favour of exactly this. The zip is checked for bombs first.
 */
export async function docxToMarkdown(data: Buffer): Promise<string> {
  checkZip(data, ZIP_LIMITS);
  try {
    // Loaded on first use, as exceljs below: together ~45 MB of a worker's memory that a team sharing no Office
    // document never needs.
    const { default: mammoth } = await import('mammoth');
    const { value } = await mammoth.convertToHtml({ buffer: data }, { ignoreEmptyParagraphs: true });
    return htmlToMarkdown(value);
  } catch (error) {
    throw new FileUnreadable(`it is not a Word document I can read (${shortReason(error)})`);
  }
}

/**
 * A workbook as one Markdown table per sheet, values as Excel shows them (formulas by their last computed result),
 * read with exceljs (MIT, the most used xlsx reader on npm that is published there and maintained).
 */
export async function xlsxToMarkdown(data: Buffer): Promise<string> {
  checkZip(data, ZIP_LIMITS);
  const { default: Excel } = await import('exceljs');
  const workbook = new Excel.Workbook();
  try {
    await workbook.xlsx.load(data as unknown as ArrayBuffer);
  } catch (error) {
    throw new FileUnreadable(`it is not a spreadsheet I can read (${shortReason(error)})`);
  }
  const parts: string[] = [];
  workbook.eachSheet((sheet) => {
    const rows: string[][] = [];
    sheet.eachRow({ includeEmpty: false }, (row) => {
      const cells: string[] = [];
      for (let c = 1; c <= sheet.columnCount; c++) cells.push(cellText(row.getCell(c)));
      rows.push(cells);
    });
    const width = Math.max(0, ...rows.map((r) => r.findLastIndex((c) => c !== '') + 1));
    parts.push(`## Sheet: ${sheet.name}`);
    if (rows.length === 0 || width === 0) {
      parts.push('_(empty)_');
      return;
    }
    const line = (cells: string[]) => `| ${cells.slice(0, width).map((c) => c.replace(/\|/g, '\\|').replace(/\n/g, ' ')).join(' | ')} |`;
    parts.push([line(rows[0]!), `|${' --- |'.repeat(width)}`, ...rows.slice(1).map(line)].join('\n'));
  });
  return parts.join('\n\n');
}

function cellText(cell: ExcelJS.Cell): string {
  const value = cell.value;
  if (value === null || value === undefined) return '';
  if (value instanceof Date) return value.toISOString().replace(/T00:00:00\.000Z$/, '');
  if (typeof value === 'object') {
    if ('result' in value) return value.result === undefined || value.result === null ? '' : String(value.result instanceof Date ? value.result.toISOString() : value.result);
    if ('richText' in value) return value.richText.map((r) => r.text).join('');
    if ('text' in value) return String(value.text);
    if ('error' in value) return String(value.error);
  }
  return String(value);
}

/**
 * A presentation as text, slide by slide: a pptx is a zip of XML parts, and a slide's text is its `<a:t>` runs,
 * paragraph by paragraph (`<a:p>`), with speaker notes after. Read with the same bomb-checked zip reader as the
 * rest; no library reads pptx text better than this without pulling in a renderer.
 */
export async function pptxToMarkdown(data: Buffer): Promise<string> {
  const entries = checkZip(data, ZIP_LIMITS);
  const number = (name: string) => Number(/(\d+)\.xml$/.exec(name)?.[1] ?? 0);
  const slides = [...entries.keys()].filter((n) => /^ppt\/slides\/slide\d+\.xml$/.test(n)).sort((a, b) => number(a) - number(b));
  const read = (name: string) => {
    const entry = entries.get(name);
    return entry ? readEntry(data, entry, FILE_LIMITS.zipInflatedBytes).toString('utf8') : '';
  };
  const parts = slides.map((slide) => {
    const n = number(slide);
    const text = paragraphs(read(slide));
    const notes = paragraphs(read(`ppt/notesSlides/notesSlide${n}.xml`)).filter((p) => !/^\d+$/.test(p));
    return [`## Slide ${n}`, text.join('\n') || '_(no text)_', ...(notes.length ? [`Notes: ${notes.join(' ')}`] : [])].join('\n\n');
  });
  if (parts.length === 0) throw new FileUnreadable('it is a presentation with no slides');
  return parts.join('\n\n');
}

function paragraphs(xml: string): string[] {
  const out: string[] = [];
  for (const p of xml.matchAll(/<a:p\b[^>]*>([\s\S]*?)<\/a:p>/g)) {
    const text = [...p[1]!.matchAll(/<a:t(?:\s[^>]*)?>([\s\S]*?)<\/a:t>/g)].map((t) => decodeXml(t[1]!)).join('');
    if (text.trim()) out.push(text.trim());
  }
  return out;
}

function shortReason(error: unknown): string {
  return String((error as Error)?.message ?? error).split('\n')[0]!.slice(0, 120);
}
