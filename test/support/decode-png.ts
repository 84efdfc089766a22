import { inflateSync } from 'node:zlib';

/** A decoded PNG, for tests that check the pixels Xiaoliu actually sent. */
export interface DecodedPng {
  width: number;
  height: number;
  /** The pixel at (x, y) as `#rrggbb` (alpha, if any, is dropped: Xiaoliu draws opaque images). */
  hexAt(x: number, y: number): string;
}

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/**
 * Decodes an 8-bit, non-interlaced RGB or RGBA PNG and checks every chunk's CRC, written independently of the
 * encoder (bitwise CRC, all five filter types) so an encoder bug cannot hide behind a matching decoder bug.
 * Throws on anything else or on a malformed file.
 */
export function decodePng(file: Buffer): DecodedPng {
  if (!SIGNATURE.every((byte, i) => file[i] === byte)) throw new Error('not a PNG: bad signature');
  let offset = 8;
  let header: { width: number; height: number; colourType: number } | undefined;
  const idat: Buffer[] = [];
  let ended = false;
  while (offset < file.length) {
    const length = file.readUInt32BE(offset);
    const type = file.toString('ascii', offset + 4, offset + 8);
    const data = file.subarray(offset + 8, offset + 8 + length);
    const stored = file.readUInt32BE(offset + 8 + length);
    const computed = bitwiseCrc32(file.subarray(offset + 4, offset + 8 + length));
    if (stored !== computed) throw new Error(`bad CRC in ${type} chunk: stored ${stored.toString(16)}, computed ${computed.toString(16)}`);
    offset += 12 + length;
    if (type === 'IHDR') {
      const [depth, colourType, compression, filter, interlace] = [data[8], data[9], data[10], data[11], data[12]];
      if (depth !== 8 || (colourType !== 2 && colourType !== 6) || compression !== 0 || filter !== 0 || interlace !== 0) {
        throw new Error(`unsupported PNG: depth ${depth}, colour type ${colourType}, interlace ${interlace}`);
      }
      header = { width: data.readUInt32BE(0), height: data.readUInt32BE(4), colourType };
    } else if (type === 'IDAT') {
      idat.push(data);
    } else if (type === 'IEND') {
      ended = true;
      break;
    }
  }
  if (!header) throw new Error('PNG has no IHDR chunk');
  if (!ended) throw new Error('PNG has no IEND chunk');
  const { width, height, colourType } = header;
  const channels = colourType === 6 ? 4 : 3;
  const stride = width * channels;
  const raw = inflateSync(Buffer.concat(idat));
  if (raw.length !== (stride + 1) * height) throw new Error(`IDAT holds ${raw.length} bytes, expected ${(stride + 1) * height}`);
  const pixels = Buffer.alloc(stride * height);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)]!;
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    for (let i = 0; i < stride; i++) {
      const left = i >= channels ? pixels[y * stride + i - channels]! : 0;
      const up = y > 0 ? pixels[(y - 1) * stride + i]! : 0;
      const upLeft = y > 0 && i >= channels ? pixels[(y - 1) * stride + i - channels]! : 0;
      const predictor = [0, left, up, (left + up) >> 1, paeth(left, up, upLeft)][filter];
      if (predictor === undefined) throw new Error(`unknown filter type ${filter} on row ${y}`);
      pixels[y * stride + i] = (line[i]! + predictor) & 0xff;
    }
  }
  return {
    width,
    height,
    hexAt(x, y) {
      if (x < 0 || y < 0 || x >= width || y >= height) throw new Error(`pixel ${x},${y} is outside the ${width}×${height} image`);
      const at = y * stride + x * channels;
      return `#${[0, 1, 2].map((c) => pixels[at + c]!.toString(16).padStart(2, '0')).join('')}`;
    },
  };
}

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const [pa, pb, pc] = [Math.abs(p - a), Math.abs(p - b), Math.abs(p - c)];
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

function bitwiseCrc32(bytes: Uint8Array): number {
  let crc = ~0;
  for (const byte of bytes) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = (crc >>> 1) ^ (0xedb88320 & -(crc & 1));
  }
  return ~crc >>> 0;
}
