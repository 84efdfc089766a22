import type Anthropic from '@anthropic-ai/sdk';
import { API_MAX_IMAGE_BASE64_BYTES, FILE_LIMITS } from './attachment-limits.js';
import type { PreparedFile } from './prepare-file.js';

export type FileBlock = Anthropic.ImageBlockParam | Anthropic.DocumentBlockParam | Anthropic.TextBlockParam;

/**
 * Estimated tokens of each file block's content, by its `source` (or text block) object, for the budgets
 * (src/budget/worst-case.ts) and the usage rows: base64 says nothing about tokens. Copies of a block made to add a
 * cache breakpoint keep the same `source` object, so they are still found.
 */
const tokensBySource = new WeakMap<object, number>();

/**
 * The most an image costs once the API has scaled it down ("more than ~1,600 tokens, it will first be scaled down",
 * https://platform.claude.com/docs/en/build-with-claude/vision#evaluate-image-size): for an image block not made here.
 */
export const MAX_IMAGE_TOKENS = 1_600;

/**
 * A file as the model reads it: an image block, a PDF document block (titled with the file name), or for text a text
 * block that names the file and fences its content (a fence longer than any backtick run inside, so the content
 * cannot close it).
 */
export function fileBlock(file: PreparedFile): FileBlock {
  if (file.kind === 'image') {
    const source = { type: 'base64' as const, media_type: file.mediaType as Anthropic.Base64ImageSource['media_type'], data: file.data.toString('base64') };
    tokensBySource.set(source, file.tokens);
    return { type: 'image', source };
  }
  if (file.kind === 'document') {
    const source = { type: 'base64' as const, media_type: 'application/pdf' as const, data: file.data.toString('base64') };
    tokensBySource.set(source, file.tokens);
    return { type: 'document', source, title: file.name.slice(0, 500) };
  }
  const text = file.data.toString('utf8');
  const fence = '`'.repeat(Math.max(3, ...[...text.matchAll(/`+/g)].map((m) => m[0].length + 1)));
  const block = { type: 'text' as const, text: `Attached file \`${file.name}\`:\n${fence}\n${text}\n${fence}` };
  tokensBySource.set(block, file.tokens);
  return block;
}

/** Estimated tokens of a file block made by fileBlock (and of an image or PDF from elsewhere); undefined: not a file. */
export function fileTokensOf(block: unknown): number | undefined {
  if (!block || typeof block !== 'object') return undefined;
  const b = block as { type?: string; source?: object; text?: string };
  const known = tokensBySource.get(b.source ?? block) ?? (b.type === 'text' ? tokensBySource.get(block) : undefined);
  if (known !== undefined) return known;
  if (b.type === 'image') return MAX_IMAGE_TOKENS;
  return undefined;
}

/** The estimated tokens of every file block in a conversation. */
export function fileTokensIn(messages: readonly Anthropic.MessageParam[]): number {
  let total = 0;
  for (const message of messages) {
    if (!Array.isArray(message.content)) continue;
    for (const block of message.content) total += fileTokensOf(block) ?? 0;
  }
  return total;
}

/**
 * Decides which files of a conversation one request carries, newest first, within the per-request limits: images
 * (FILE_LIMITS.imagesPerRequest, under the API's 20 that keeps the 8000 px rule), PDF pages (the API's 100), bytes
 * (well under the 32 MB request) and text files' tokens. An older file left out is named to the model instead, so it knows it was there.
 */
export function fitFiles<T extends { files?: readonly PreparedFile[] }>(items: readonly T[]): Map<T, { sent: PreparedFile[]; left: PreparedFile[] }> {
  const out = new Map<T, { sent: PreparedFile[]; left: PreparedFile[] }>();
  let images = 0;
  let pages = 0;
  let bytes = 0;
  let textTokens = 0;
  for (let i = items.length - 1; i >= 0; i--) {
    const item = items[i]!;
    if (!item.files?.length) continue;
    const sent: PreparedFile[] = [];
    const left: PreparedFile[] = [];
    for (const file of item.files) {
      const size = file.kind === 'text' ? 0 : Math.ceil(file.data.length / 3) * 4;
      const fits =
        file.kind === 'text' ? textTokens + file.tokens <= FILE_LIMITS.textTokensPerRequest :
        ((file.kind !== 'image' || (images < FILE_LIMITS.imagesPerRequest && size <= API_MAX_IMAGE_BASE64_BYTES)) &&
          pages + file.pages <= FILE_LIMITS.pdfPagesPerRequest &&
          bytes + size <= FILE_LIMITS.requestFileBytes);
      if (!fits) {
        left.push(file);
        continue;
      }
      sent.push(file);
      if (file.kind === 'image') images++;
      if (file.kind === 'text') textTokens += file.tokens;
      pages += file.pages;
      bytes += size;
    }
    out.set(item, { sent, left });
  }
  return out;
}
