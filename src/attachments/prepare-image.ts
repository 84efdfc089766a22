import type { Metadata } from 'sharp';
import { API_MAX_IMAGE_BASE64_BYTES, FILE_LIMITS, imageTokens, TARGET_LONG_EDGE, TARGET_PIXELS } from './attachment-limits.js';
import { FileUnreadable } from './file-unreadable.js';

export type ImageMediaType = 'image/png' | 'image/jpeg' | 'image/gif' | 'image/webp';

/** An image as it goes to the model. */
export interface PreparedImage {
  data: Buffer;
  mediaType: ImageMediaType;
  width: number;
  height: number;
  /** Whether it was scaled down (or re-encoded) to fit the limits. */
  resized: boolean;
  tokens: number;
}

const base64Length = (bytes: number) => Math.ceil(bytes / 3) * 4;

/**
 * Checks an image with sharp (libvips; Apache-2.0, prebuilt binaries from npm) and scales it down when it is larger
 * than the model reads anyway (TARGET_LONG_EDGE, TARGET_PIXELS) or than the API takes (5 MB). An image within both is
 * sent as it came, byte for byte. The pixel count is checked from the header before anything is decoded, so a small
 * file that claims a gigantic canvas (a decompression bomb) is refused without allocating it; a damaged image fails
 * to decode and is named as such.
 */
export async function prepareImage(data: Buffer, mediaType: ImageMediaType): Promise<PreparedImage> {
  // Loaded on first use: libvips is ~25 MB of a worker's memory that questions without images never need.
  const { default: sharp } = await import('sharp');
  const open = () => sharp(data, { limitInputPixels: FILE_LIMITS.inputPixels, failOn: 'error' }).timeout({ seconds: Math.ceil(FILE_LIMITS.readTimeoutMs / 1000) });
  let meta: Metadata;
  try {
    meta = await open().metadata();
  } catch (error) {
    if (/pixel limit/i.test(firstLine(error))) throw tooManyPixels();
    throw new FileUnreadable(`it is a damaged or unreadable image (${firstLine(error)})`);
  }
  const width = meta.width ?? 0;
  const height = meta.pageHeight ?? meta.height ?? 0;
  if (!width || !height) throw new FileUnreadable('it is an image without a size');
  if (width * height > FILE_LIMITS.inputPixels) throw tooManyPixels(width, height);
  const scale = Math.min(1, TARGET_LONG_EDGE / Math.max(width, height), Math.sqrt(TARGET_PIXELS / (width * height)));
  // EXIF orientation other than 1 (a phone photo taken sideways) is applied when re-encoding; within limits and
  // upright, the original bytes go.
  const upright = (meta.orientation ?? 1) === 1;
  if (scale === 1 && upright && base64Length(data.length) <= API_MAX_IMAGE_BASE64_BYTES) {
    try {
      // Decoded once, to refuse a truncated or corrupt file here rather than have the API fail the whole request.
      await open().raw().toBuffer();
    } catch (error) {
      throw new FileUnreadable(`it is a damaged image (${firstLine(error)})`);
    }
    return { data, mediaType, width, height, resized: false, tokens: imageTokens(width, height) };
  }
  const w = Math.max(1, Math.round(width * scale));
  const h = Math.max(1, Math.round(height * scale));
  try {
    const resized = open().autoOrient().resize(w, h, { fit: 'fill' });
    // A GIF becomes a PNG of its first frame; the others keep their format.
    let out: Buffer;
    let type: ImageMediaType;
    if (mediaType === 'image/jpeg') [out, type] = [await resized.jpeg({ quality: 85 }).toBuffer(), 'image/jpeg'];
    else if (mediaType === 'image/webp') [out, type] = [await resized.webp({ quality: 85 }).toBuffer(), 'image/webp'];
    else [out, type] = [await resized.png().toBuffer(), 'image/png'];
    if (base64Length(out.length) > API_MAX_IMAGE_BASE64_BYTES) {
      // Noise-like pixels do not compress losslessly: a JPEG of them does.
      [out, type] = [await open().autoOrient().resize(w, h, { fit: 'fill' }).flatten({ background: '#ffffff' }).jpeg({ quality: 80 }).toBuffer(), 'image/jpeg'];
    }
    const [outW, outH] = upright ? [w, h] : swapIfRotated(meta.orientation ?? 1, w, h);
    return { data: out, mediaType: type, width: outW, height: outH, resized: true, tokens: imageTokens(outW, outH) };
  } catch (error) {
    throw new FileUnreadable(`it is a damaged image (${firstLine(error)})`);
  }
}

function tooManyPixels(width?: number, height?: number): FileUnreadable {
  const size = width && height ? `${width}×${height} pixels` : 'a gigantic image';
  return new FileUnreadable(`it is ${size}, more than the ${FILE_LIMITS.inputPixels / 1_000_000} megapixels I open (a decompression bomb?)`);
}

/** EXIF orientations 5–8 turn the picture a quarter: width and height trade places. */
function swapIfRotated(orientation: number, w: number, h: number): [number, number] {
  return orientation >= 5 ? [h, w] : [w, h];
}

function firstLine(error: unknown): string {
  return String((error as Error)?.message ?? error).split('\n')[0]!.replace(/^Input buffer /, '').slice(0, 100);
}
