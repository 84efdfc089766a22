import { deflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { decodePng } from '../../test/support/decode-png.js';
import { CHAR_ADVANCE, fitText, glyphRows, textWidth } from './bitmap-font.js';
import { PngImage, crc32 } from './png-image.js';

const RED = { r: 255, g: 0, b: 0 };
const BLUE = { r: 0x12, g: 0x34, b: 0xab };
const BLACK = { r: 0, g: 0, b: 0 };
const WHITE = { r: 255, g: 255, b: 255 };

describe('PngImage', () => {
  it('computes the CRC-32 PNG chunks use (the standard check value)', () => {
    expect(crc32(Buffer.from('123456789', 'ascii'))).toBe(0xcbf43926);
    expect(crc32(Buffer.from('IEND', 'ascii'))).toBe(0xae426082);
  });

  it('encodes a PNG that decodes to the same size and pixels', () => {
    const image = new PngImage(7, 5, WHITE);
    image.fillRect(1, 1, 3, 2, RED);
    image.setPixel(6, 4, BLUE);
    const file = image.encode();
    expect(file.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    const png = decodePng(file);
    expect([png.width, png.height]).toEqual([7, 5]);
    const rows = Array.from({ length: 5 }, (_, y) => Array.from({ length: 7 }, (_, x) => png.hexAt(x, y)));
    const w = '#ffffff';
    const r = '#ff0000';
    expect(rows).toEqual([
      [w, w, w, w, w, w, w],
      [w, r, r, r, w, w, w],
      [w, r, r, r, w, w, w],
      [w, w, w, w, w, w, w],
      [w, w, w, w, w, w, '#1234ab'],
    ]);
  });

  it('clips drawing outside the image instead of failing or wrapping to the next row', () => {
    const image = new PngImage(4, 3, WHITE);
    image.fillRect(-10, -10, 12, 11, RED); // covers (0,0)–(1,0) only
    image.fillRect(3, 1, 50, 1, BLUE); // must not spill into row 2
    image.setPixel(9, 9, BLUE);
    const png = decodePng(image.encode());
    expect([png.hexAt(0, 0), png.hexAt(1, 0), png.hexAt(2, 0), png.hexAt(0, 1)]).toEqual(['#ff0000', '#ff0000', '#ffffff', '#ffffff']);
    expect([png.hexAt(3, 1), png.hexAt(0, 2)]).toEqual(['#1234ab', '#ffffff']);
  });

  it('refuses sizes that are not whole positive numbers or absurdly large', () => {
    expect(() => new PngImage(0, 10)).toThrow(RangeError);
    expect(() => new PngImage(10, 2.5)).toThrow(RangeError);
    expect(() => new PngImage(100_000, 100_000)).toThrow(RangeError);
  });

  it('draws text with the bitmap font, scaled by whole pixels', () => {
    const image = new PngImage(20, 20, WHITE);
    const end = image.drawText('T', 2, 3, BLACK, 2);
    expect(end).toBe(2 + CHAR_ADVANCE * 2);
    const png = decodePng(image.encode());
    // 'T' is a full top bar and a centre stem: at scale 2, font pixel (c, r) covers image pixels (2+2c…, 3+2r…).
    for (const x of [2, 3, 6, 7, 11]) expect(png.hexAt(x, 3)).toBe('#000000');
    expect(png.hexAt(12, 3)).toBe('#ffffff'); // right of the bar
    expect([png.hexAt(6, 15), png.hexAt(7, 16)]).toEqual(['#000000', '#000000']); // stem, bottom row
    expect([png.hexAt(2, 16), png.hexAt(10, 10)]).toEqual(['#ffffff', '#ffffff']); // beside the stem
    expect(png.hexAt(6, 17)).toBe('#ffffff'); // below the glyph
  });

  it('draws a character outside ASCII as "?"', () => {
    const a = new PngImage(12, 10, WHITE);
    a.drawText('中', 1, 1, BLACK);
    const b = new PngImage(12, 10, WHITE);
    b.drawText('?', 1, 1, BLACK);
    expect(a.encode()).toEqual(b.encode());
  });

  it('decodes every PNG row filter (the test decoder is trusted by the other tests)', () => {
    // Two RGB pixels per row, one row per filter type, each encoded by hand from the same pixels.
    const pixels = [
      [10, 20, 30, 40, 50, 60],
      [70, 80, 90, 100, 110, 120],
      [130, 140, 150, 160, 170, 180],
      [190, 200, 210, 220, 230, 240],
      [5, 250, 15, 245, 25, 235],
    ];
    const raw: number[] = [];
    for (const [y, row] of pixels.entries()) {
      const filter = y; // rows use filters 0 (None), 1 (Sub), 2 (Up), 3 (Average), 4 (Paeth)
      raw.push(filter);
      for (const [i, value] of row.entries()) {
        const left = i >= 3 ? row[i - 3]! : 0;
        const up = y > 0 ? pixels[y - 1]![i]! : 0;
        const upLeft = y > 0 && i >= 3 ? pixels[y - 1]![i - 3]! : 0;
        // Paeth (PNG spec 9.4): whichever of left, up, up-left is nearest to left + up - upLeft, ties in that order.
        const p = left + up - upLeft;
        const paeth = [left, up, upLeft].reduce((best, c) => (Math.abs(p - c) < Math.abs(p - best) ? c : best));
        const predictor = [0, left, up, (left + up) >> 1, paeth][filter]!;
        raw.push((value - predictor) & 0xff);
      }
    }
    const header = Buffer.alloc(13);
    header.writeUInt32BE(2, 0);
    header.writeUInt32BE(5, 4);
    header[8] = 8;
    header[9] = 2;
    const chunk = (type: string, data: Buffer) => {
      const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
      const out = Buffer.alloc(12 + data.length);
      out.writeUInt32BE(data.length, 0);
      body.copy(out, 4);
      out.writeUInt32BE(crc32(body), 8 + data.length);
      return out;
    };
    const file = Buffer.concat([
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
      chunk('IHDR', header),
      chunk('IDAT', deflateSync(Buffer.from(raw))),
      chunk('IEND', Buffer.alloc(0)),
    ]);
    const png = decodePng(file);
    const hex = (row: number[], x: number) => `#${row.slice(x * 3, x * 3 + 3).map((v) => v.toString(16).padStart(2, '0')).join('')}`;
    for (const [y, row] of pixels.entries()) expect([png.hexAt(0, y), png.hexAt(1, y)]).toEqual([hex(row, 0), hex(row, 1)]);
    file.writeUInt8(file.readUInt8(file.length - 1) ^ 1, file.length - 1); // corrupt IEND's CRC
    expect(() => decodePng(file)).toThrow(/bad CRC in IEND/);
  });
});

describe('bitmap font', () => {
  it('has an 8-row, 5-pixel glyph for every printable ASCII character, all distinct', () => {
    const glyphs = Array.from({ length: 95 }, (_, i) => glyphRows(String.fromCharCode(0x20 + i)));
    for (const rows of glyphs) {
      expect(rows).toHaveLength(8);
      for (const row of rows) expect(row).toBeLessThan(32);
    }
    expect(new Set(glyphs.map((rows) => rows.join(','))).size).toBe(95);
  });

  it('measures and fits text', () => {
    expect(textWidth('')).toBe(0);
    expect(textWidth('#1a2b3c')).toBe(7 * 6 - 1);
    expect(textWidth('ab', 3)).toBe(33);
    expect(fitText('background', 100)).toBe('background');
    expect(fitText('surface-variant-extra', 59)).toBe('surface-..');
    expect(textWidth(fitText('surface-variant-extra', 59))).toBeLessThanOrEqual(59);
  });
});
