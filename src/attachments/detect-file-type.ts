import { listZip } from './read-zip.js';
import { FILE_LIMITS } from './attachment-limits.js';

/** What a file is, by its bytes. */
export type FileType =
  | { kind: 'image'; mediaType: 'image/png' | 'image/jpeg' | 'image/gif' | 'image/webp' }
  | { kind: 'pdf' }
  | { kind: 'docx' | 'xlsx' | 'pptx' }
  | { kind: 'text' }
  /** Not read: `what` finishes "… is not supported" ("video", "a zip archive"). */
  | { kind: 'unsupported'; what: string; hint?: string };

const startsWith = (data: Buffer, bytes: number[] | string, at = 0): boolean =>
  typeof bytes === 'string'
    ? data.length >= at + bytes.length && data.toString('latin1', at, at + bytes.length) === bytes
    : data.length >= at + bytes.length && bytes.every((b, i) => data[at + i] === b);

/**
 * The file's type from its magic numbers, never from its name or the type the platform declared (both are whatever
 * the sender's computer said): a PNG renamed .txt is an image, a .png that is really an executable is refused.
 * Office files are zips, told apart by the part each must have. Text is what is left when the bytes are valid UTF-8
 * (or UTF-16 with its mark) with no NUL in them.
 */
export function detectFileType(data: Buffer): FileType {
  if (startsWith(data, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return { kind: 'image', mediaType: 'image/png' };
  if (startsWith(data, [0xff, 0xd8, 0xff])) return { kind: 'image', mediaType: 'image/jpeg' };
  if (startsWith(data, 'GIF87a') || startsWith(data, 'GIF89a')) return { kind: 'image', mediaType: 'image/gif' };
  if (startsWith(data, 'RIFF') && startsWith(data, 'WEBP', 8)) return { kind: 'image', mediaType: 'image/webp' };
  // The PDF header may follow a little junk (ISO 32000-1, 7.5.2; readers look in the first 1024 bytes).
  if (data.subarray(0, 1024).includes('%PDF-')) return { kind: 'pdf' };
  if (startsWith(data, [0x50, 0x4b, 0x03, 0x04]) || startsWith(data, [0x50, 0x4b, 0x05, 0x06])) return officeKind(data);
  const other = otherBinary(data);
  if (other) return other;
  return isText(data) ? { kind: 'text' } : { kind: 'unsupported', what: 'this kind of file', hint: 'I read images, PDFs, text and Office documents' };
}

function officeKind(data: Buffer): FileType {
  let names: Set<string>;
  try {
    names = new Set(listZip(data, { maxEntries: FILE_LIMITS.zipEntries }).map((e) => e.name));
  } catch {
    return { kind: 'unsupported', what: 'a damaged zip file' };
  }
  if (names.has('[Content_Types].xml')) {
    if (names.has('word/document.xml')) return { kind: 'docx' };
    if (names.has('xl/workbook.xml')) return { kind: 'xlsx' };
    if (names.has('ppt/presentation.xml')) return { kind: 'pptx' };
  }
  if (names.has('mimetype') && [...names].some((n) => n === 'content.xml')) {
    return { kind: 'unsupported', what: 'an OpenDocument file', hint: 'save it as .docx, .xlsx or .pptx' };
  }
  return { kind: 'unsupported', what: 'a zip archive', hint: 'attach the files inside it instead' };
}

/** Well-known binary formats, named so the answer can say what the file was. */
function otherBinary(data: Buffer): FileType | undefined {
  const no = (what: string, hint?: string): FileType => ({ kind: 'unsupported', what, ...(hint ? { hint } : {}) });
  // ISO base media (MP4, MOV, HEIC, M4A): a box size, then "ftyp" and the brand.
  if (startsWith(data, 'ftyp', 4)) {
    const brand = data.toString('latin1', 8, 12);
    if (/^(heic|heix|heim|heis|mif1|msf1|avif)$/.test(brand)) return no('this image format (HEIC/AVIF)', 'send it as PNG, JPEG, GIF or WebP');
    if (/^M4A|^M4B/.test(brand)) return no('audio');
    return no('video');
  }
  if (startsWith(data, [0x1a, 0x45, 0xdf, 0xa3])) return no('video');
  if (startsWith(data, 'RIFF') && startsWith(data, 'AVI ', 8)) return no('video');
  if (startsWith(data, 'RIFF') && startsWith(data, 'WAVE', 8)) return no('audio');
  if (startsWith(data, 'ID3') || startsWith(data, 'fLaC') || startsWith(data, 'OggS') || (data[0] === 0xff && ((data[1] ?? 0) & 0xe0) === 0xe0 && data.length > 2 && data[1] !== 0xff)) {
    return no('audio');
  }
  if (startsWith(data, 'BM') && data.length > 14 && data.readUInt32LE(2) === data.length) return no('this image format (BMP)', 'send it as PNG, JPEG, GIF or WebP');
  if (startsWith(data, [0x49, 0x49, 0x2a, 0x00]) || startsWith(data, [0x4d, 0x4d, 0x00, 0x2a])) return no('this image format (TIFF)', 'send it as PNG, JPEG, GIF or WebP');
  if (startsWith(data, [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1])) return no('the old Office format (.doc, .xls, .ppt)', 'save it as .docx, .xlsx or .pptx');
  if (startsWith(data, [0x1f, 0x8b]) || startsWith(data, "7z\xbc\xaf'\x1c") || startsWith(data, 'Rar!')) return no('a compressed archive', 'attach the files inside it instead');
  if (startsWith(data, [0x7f, 0x45, 0x4c, 0x46]) || startsWith(data, 'MZ') || startsWith(data, [0xcf, 0xfa, 0xed, 0xfe])) return no('a program');
  return undefined;
}

/** Valid UTF-8 (or UTF-16 with a byte order mark) without NUL bytes. */
function isText(data: Buffer): boolean {
  if (startsWith(data, [0xff, 0xfe]) || startsWith(data, [0xfe, 0xff])) return true;
  if (data.includes(0)) return false;
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(data);
    return true;
  } catch {
    return false;
  }
}

/** A text file's characters: UTF-16 by its mark, otherwise UTF-8 (a BOM dropped), with Windows line ends made plain. */
export function decodeText(data: Buffer): string {
  let text: string;
  if (startsWith(data, [0xff, 0xfe])) text = new TextDecoder('utf-16le').decode(data.subarray(2));
  else if (startsWith(data, [0xfe, 0xff])) text = new TextDecoder('utf-16be').decode(data.subarray(2));
  else text = data.toString('utf8').replace(/^\uFEFF/, '');
  return text.replace(/\r\n/g, '\n');
}
