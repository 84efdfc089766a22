import { deflateSync } from 'node:zlib';
import { CHAR_ADVANCE, GLYPH_HEIGHT, GLYPH_WIDTH, glyphRows } from './bitmap-font.js';

/** An opaque colour, each channel 0–255. */
export interface Rgb {
  r: number;
  g: number;
  b: number;
}

/** Largest side accepted: a swatch or chart is a few hundred pixels; this stops a bug from allocating gigabytes. */
const MAX_SIDE = 4096;
const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/**
 * A small RGB raster that encodes itself as a PNG: enough to draw swatches and bar charts (rectangles and bitmap
 * text) without an image library. Drawing outside the image is clipped, so callers need not check bounds.
 */
export class PngImage {
  /** Three bytes per pixel, row by row from the top. */
  private readonly pixels: Uint8Array;

  constructor(
    readonly width: number,
    readonly height: number,
    background: Rgb = { r: 255, g: 255, b: 255 },
  ) {
    for (const side of [width, height]) {
      if (!Number.isInteger(side) || side < 1 || side > MAX_SIDE) throw new RangeError(`image sides must be whole numbers from 1 to ${MAX_SIDE}, got ${width}×${height}`);
    }
    this.pixels = new Uint8Array(width * height * 3);
    this.fillRect(0, 0, width, height, background);
  }

  /** Paints a rectangle; whatever falls outside the image is dropped. */
  fillRect(x: number, y: number, width: number, height: number, colour: Rgb): void {
    const left = Math.max(0, Math.round(x));
    const top = Math.max(0, Math.round(y));
    const right = Math.min(this.width, Math.round(x + width));
    const bottom = Math.min(this.height, Math.round(y + height));
    for (let row = top; row < bottom; row++) {
      for (let column = left; column < right; column++) this.write(column, row, colour);
    }
  }

  /** Sets one pixel (ignored outside the image). */
  setPixel(x: number, y: number, colour: Rgb): void {
    if (x < 0 || y < 0 || x >= this.width || y >= this.height || !Number.isInteger(x) || !Number.isInteger(y)) return;
    this.write(x, y, colour);
  }

  /** The colour of one pixel. */
  getPixel(x: number, y: number): Rgb {
    if (x < 0 || y < 0 || x >= this.width || y >= this.height) throw new RangeError(`pixel ${x},${y} is outside the ${this.width}×${this.height} image`);
    const at = (y * this.width + x) * 3;
    return { r: this.pixels[at]!, g: this.pixels[at + 1]!, b: this.pixels[at + 2]! };
  }

  /**
   * Draws `text` with the built-in 5×7 font, its top-left corner at (x, y), each font pixel a `scale`×`scale` square.
   * Characters outside printable ASCII draw as `?` (see bitmap-font.ts). Returns the x just after the text.
   */
  drawText(text: string, x: number, y: number, colour: Rgb, scale = 1): number {
    let left = Math.round(x);
    for (const char of text) {
      const rows = glyphRows(char);
      for (let row = 0; row < GLYPH_HEIGHT; row++) {
        for (let column = 0; column < GLYPH_WIDTH; column++) {
          if (rows[row]! & (1 << (GLYPH_WIDTH - 1 - column))) {
            this.fillRect(left + column * scale, Math.round(y) + row * scale, scale, scale, colour);
          }
        }
      }
      left += CHAR_ADVANCE * scale;
    }
    return left;
  }

  /** The image as a PNG file: 8-bit truecolour, no interlace, each row unfiltered (flat colours deflate well as is). */
  encode(): Buffer {
    const header = Buffer.alloc(13);
    header.writeUInt32BE(this.width, 0);
    header.writeUInt32BE(this.height, 4);
    header[8] = 8; // bits per channel
    header[9] = 2; // colour type: RGB
    // Bytes 10–12 stay 0: deflate compression, adaptive filtering, no interlace.
    const rowBytes = this.width * 3;
    const raw = Buffer.alloc((rowBytes + 1) * this.height);
    for (let row = 0; row < this.height; row++) {
      const start = row * (rowBytes + 1);
      raw[start] = 0; // filter type None
      raw.set(this.pixels.subarray(row * rowBytes, (row + 1) * rowBytes), start + 1);
    }
    return Buffer.concat([SIGNATURE, chunk('IHDR', header), chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
  }

  private write(x: number, y: number, { r, g, b }: Rgb): void {
    const at = (y * this.width + x) * 3;
    this.pixels[at] = r;
    this.pixels[at + 1] = g;
    this.pixels[at + 2] = b;
  }
}

/** A PNG chunk: length, type, data, and the CRC of type and data. */
function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'ascii');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

// CRC-32 as PNG defines it (ISO 3309, polynomial 0xEDB88320 reflected). zlib.crc32 only exists from Node 20.15/22.2.
const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

/** The CRC-32 of `bytes`, as used in PNG chunks. */
export function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const byte of bytes) c = CRC_TABLE[(c ^ byte) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
