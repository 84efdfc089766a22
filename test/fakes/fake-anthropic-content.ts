// Checks the fake Anthropic makes of image and document blocks, the way the Messages API checks them, so a request
// the real API would refuse with a 400 (or 413) fails in tests too.
import { getDocument } from 'pdfjs-dist/legacy/build/pdf.mjs';

/** A refusal: HTTP status, error type and message. */
export interface ContentProblem {
  status: number;
  type: string;
  message: string;
}

// https://platform.claude.com/docs/en/build-with-claude/vision#general-limits: "100 per request on the API, for
// models with a 200k-token context window"; "The maximal dimensions per image are 8000x8000 px. If you submit more
// than 20 images in one API request, this limit is reduced to 2000x2000 px." Supported formats: "JPEG, PNG, GIF, and
// WebP" (same page, "Image formats").
const MAX_IMAGES = 100;
const MAX_EDGE = 8000;
const MAX_EDGE_MANY = 2000;
const MANY = 20;
const IMAGE_TYPES = ['image/jpeg', 'image/png', 'image/gif', 'image/webp'];
// The API's 400 for a large image reads "image exceeds 5 MB maximum: … bytes > 5242880 bytes", counted on the base64
// text (https://github.com/anthropics/claude-code/issues/14887).
const MAX_IMAGE_BASE64 = 5 * 1024 * 1024;
// https://platform.claude.com/docs/en/build-with-claude/pdf-support: "Maximum pages per request: 100 when the
// request's context window is under 1M tokens"; "Standard PDF (no passwords/encryption)".
const MAX_PDF_PAGES = 100;
// https://platform.claude.com/docs/en/api/overview#request-size-limits: 32 MB for the Messages API; over it, a 413
// `request_too_large`.
export const MAX_REQUEST_BYTES = 32 * 1024 * 1024;

/** Width and height from an image's header (PNG IHDR, GIF screen, JPEG SOFn, WebP VP8/VP8L/VP8X); undefined: unreadable. */
export function imageSize(data: Buffer, mediaType: string): { width: number; height: number } | undefined {
  try {
    if (mediaType === 'image/png' && data.toString('latin1', 1, 4) === 'PNG') return { width: data.readUInt32BE(16), height: data.readUInt32BE(20) };
    if (mediaType === 'image/gif' && data.toString('latin1', 0, 3) === 'GIF') return { width: data.readUInt16LE(6), height: data.readUInt16LE(8) };
    if (mediaType === 'image/webp' && data.toString('latin1', 8, 12) === 'WEBP') {
      const chunk = data.toString('latin1', 12, 16);
      if (chunk === 'VP8 ') return { width: data.readUInt16LE(26) & 0x3fff, height: data.readUInt16LE(28) & 0x3fff };
      if (chunk === 'VP8L') {
        const bits = data.readUInt32LE(21);
        return { width: (bits & 0x3fff) + 1, height: ((bits >> 14) & 0x3fff) + 1 };
      }
      if (chunk === 'VP8X') return { width: data.readUIntLE(24, 3) + 1, height: data.readUIntLE(27, 3) + 1 };
      return undefined;
    }
    if (mediaType === 'image/jpeg' && data[0] === 0xff && data[1] === 0xd8) {
      let at = 2;
      while (at + 9 < data.length) {
        if (data[at] !== 0xff) return undefined;
        const marker = data[at + 1]!;
        const length = data.readUInt16BE(at + 2);
        if (marker >= 0xc0 && marker <= 0xcf && ![0xc4, 0xc8, 0xcc].includes(marker)) return { height: data.readUInt16BE(at + 5), width: data.readUInt16BE(at + 7) };
        at += 2 + length;
      }
    }
  } catch {
    return undefined;
  }
  return undefined;
}

/** The tokens the fake counts for an image: the documented "(width px * height px)/750". */
export function imageTokensOf(block: any): number {
  const data = Buffer.from(String(block?.source?.data ?? ''), 'base64');
  const size = imageSize(data, String(block?.source?.media_type));
  return size ? Math.ceil((size.width * size.height) / 750) : 0;
}

/** The first problem the API would find with the request's image and document blocks, or undefined. */
export async function contentProblem(body: any, rawBytes: number): Promise<ContentProblem | undefined> {
  if (rawBytes > MAX_REQUEST_BYTES) return { status: 413, type: 'request_too_large', message: 'Request exceeds the maximum allowed number of bytes.' };
  const images: { where: string; block: any }[] = [];
  const documents: { where: string; block: any }[] = [];
  (body.messages as any[]).forEach((m, i) => {
    if (!Array.isArray(m?.content)) return;
    m.content.forEach((block: any, j: number) => {
      const where = `messages.${i}.content.${j}`;
      if (block?.type === 'image') images.push({ where, block });
      if (block?.type === 'document') documents.push({ where, block });
    });
  });
  const bad = (message: string): ContentProblem => ({ status: 400, type: 'invalid_request_error', message });
  if (images.length > MAX_IMAGES) return bad(`Too many images in the request: ${images.length} > ${MAX_IMAGES}.`);
  const maxEdge = images.length > MANY ? MAX_EDGE_MANY : MAX_EDGE;
  for (const { where, block } of images) {
    const source = block.source;
    if (source?.type !== 'base64') continue; // url and file sources are fetched by the API; not used here
    if (!IMAGE_TYPES.includes(source.media_type)) return bad(`${where}.image.source.base64.media_type: Input should be ${IMAGE_TYPES.map((t) => `'${t}'`).join(', ')}`);
    const text = String(source.data ?? '');
    if (text.length > MAX_IMAGE_BASE64) return bad(`${where}.image.source.base64: image exceeds 5 MB maximum: ${text.length} bytes > ${MAX_IMAGE_BASE64} bytes`);
    const size = imageSize(Buffer.from(text, 'base64'), source.media_type);
    if (!size) return bad(`${where}.image.source.base64.data: Image does not match the provided media type ${source.media_type}`);
    if (size.width > maxEdge || size.height > maxEdge) return bad(`${where}.image.source.base64.data: At least one of the image dimensions exceed max allowed size: ${maxEdge} pixels`);
  }
  let pages = 0;
  for (const { where, block } of documents) {
    const source = block.source;
    if (source?.type !== 'base64') continue; // text and content documents carry no PDF
    if (source.media_type !== 'application/pdf') return bad(`${where}.document.source.base64.media_type: Input should be 'application/pdf'`);
    const data = Buffer.from(String(source.data ?? ''), 'base64');
    try {
      const task = getDocument({ data: new Uint8Array(data), isEvalSupported: false, verbosity: 0 });
      pages += (await task.promise).numPages;
      await task.destroy();
    } catch {
      return bad(`${where}.document.source.base64.data: The PDF specified was not valid.`);
    }
  }
  if (pages > MAX_PDF_PAGES) return bad(`A maximum of ${MAX_PDF_PAGES} PDF pages may be provided.`);
  return undefined;
}
