import { FILE_LIMITS, PDF_TOKENS_PER_PAGE, API_MAX_PDF_PAGES } from './attachment-limits.js';
import { decodeText, detectFileType } from './detect-file-type.js';
import { FileUnreadable } from './file-unreadable.js';
import { formatBytes } from './format-bytes.js';
import { countPdfPages } from './inspect-pdf.js';
import { docxToMarkdown, pptxToMarkdown, xlsxToMarkdown } from './office-to-text.js';
import { prepareImage } from './prepare-image.js';
import { estimateTokens } from '../render/estimate-tokens.js';

/** An attached file as the model reads it, and as the thread keeps it for follow-ups. */
export interface PreparedFile {
  name: string;
  /** image: an image block; document: a PDF document block; text: the file's text (Office files converted). */
  kind: 'image' | 'document' | 'text';
  /** image/png…, application/pdf, or for text the source's type (text/plain, text/markdown from a docx…). */
  mediaType: string;
  /** The image or PDF bytes; for text, the text as UTF-8. */
  data: Buffer;
  /** Estimated input tokens (documented formulas, see attachment-limits.ts). */
  tokens: number;
  /** PDF pages (0 otherwise). */
  pages: number;
  /** Said alongside the answer: "scaled down from 4000×3000", "only the first 120,000 characters". */
  note?: string;
}

const OFFICE = { docx: docxToMarkdown, xlsx: xlsxToMarkdown, pptx: pptxToMarkdown } as const;

/**
 * One downloaded file, made ready for the model by what its bytes are (detectFileType): images checked and scaled
 * down, PDFs page-counted, Office documents converted to Markdown, text decoded. Throws FileUnreadable with the reason
 * for anything else, or for a file that is damaged, too big in pixels, pages or unpacked size.
 */
export async function prepareFile(name: string, data: Buffer): Promise<PreparedFile> {
  if (data.length === 0) throw new FileUnreadable('it is empty');
  const type = detectFileType(data);
  switch (type.kind) {
    case 'image': {
      const image = await prepareImage(data, type.mediaType);
      return {
        name,
        kind: 'image',
        mediaType: image.mediaType,
        data: image.data,
        tokens: image.tokens,
        pages: 0,
        ...(image.resized ? { note: `scaled down to ${image.width}×${image.height} pixels, as the model reads images no larger` } : {}),
      };
    }
    case 'pdf': {
      const pages = await countPdfPages(data);
      if (pages > API_MAX_PDF_PAGES) throw new FileUnreadable(`it has ${pages} pages, and Claude reads at most ${API_MAX_PDF_PAGES} pages of PDF per request`);
      if (Math.ceil(data.length / 3) * 4 > FILE_LIMITS.requestFileBytes) {
        throw new FileUnreadable(`it is ${formatBytes(data.length)}, more than fits in one request to Claude`);
      }
      return { name, kind: 'document', mediaType: 'application/pdf', data, tokens: pages * PDF_TOKENS_PER_PAGE, pages };
    }
    case 'docx':
    case 'xlsx':
    case 'pptx': {
      return textFile(name, await OFFICE[type.kind](data), 'text/markdown');
    }
    case 'text':
      return textFile(name, decodeText(data), 'text/plain');
    case 'unsupported':
      throw new FileUnreadable(`${type.what} is not supported${type.hint ? ` (${type.hint})` : ''}`);
  }
}

function textFile(name: string, text: string, mediaType: string): PreparedFile {
  let kept = text.replace(/\n+$/, '');
  let note: string | undefined;
  if (kept.length > FILE_LIMITS.textChars) {
    kept = kept.slice(0, FILE_LIMITS.textChars);
    note = `only its first ${FILE_LIMITS.textChars.toLocaleString('en-US')} characters were read`;
  }
  if (!kept.trim()) throw new FileUnreadable('it has no text in it');
  return { name, kind: 'text', mediaType, data: Buffer.from(kept, 'utf8'), tokens: estimateTokens(kept), pages: 0, ...(note ? { note } : {}) };
}
