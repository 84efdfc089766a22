import { inflateRawSync } from 'node:zlib';
import { FileUnreadable } from './file-unreadable.js';

/** Limits on what a zip may unpack to. */
export interface ZipLimits {
  /** All entries read, inflated, together. */
  maxInflatedBytes: number;
  maxEntries: number;
}

/** One entry of a zip's central directory. */
export interface ZipEntry {
  name: string;
  method: number;
  compressedSize: number;
  declaredSize: number;
  localHeaderOffset: number;
}

const END_OF_CENTRAL_DIRECTORY = 0x06054b50;
const CENTRAL_HEADER = 0x02014b50;
const LOCAL_HEADER = 0x04034b50;

/**
 * The entry list of a zip (docx, xlsx and pptx are zips), from its central directory, checked: entries inside the
 * file, a sane count. Reading it inflates nothing, so it is safe on any input.
 */
export function listZip(data: Buffer, limits: Pick<ZipLimits, 'maxEntries'>): ZipEntry[] {
  // The end record is in the last 22 bytes plus a comment of at most 64 KB.
  const floor = Math.max(0, data.length - 22 - 0xffff);
  let end = -1;
  for (let i = data.length - 22; i >= floor; i--) {
    if (data.readUInt32LE(i) === END_OF_CENTRAL_DIRECTORY) {
      end = i;
      break;
    }
  }
  if (end < 0) throw new FileUnreadable('it is a damaged zip file (no central directory)');
  const count = data.readUInt16LE(end + 10);
  const directoryOffset = data.readUInt32LE(end + 16);
  if (count === 0xffff || directoryOffset === 0xffffffff) throw new FileUnreadable('it is a ZIP64 archive, which I do not open');
  if (count > limits.maxEntries) throw new FileUnreadable(`it has ${count} parts inside, more than the ${limits.maxEntries} I open`);
  const entries: ZipEntry[] = [];
  let at = directoryOffset;
  for (let i = 0; i < count; i++) {
    if (at + 46 > data.length || data.readUInt32LE(at) !== CENTRAL_HEADER) throw new FileUnreadable('it is a damaged zip file');
    const nameLength = data.readUInt16LE(at + 28);
    const extraLength = data.readUInt16LE(at + 30);
    const commentLength = data.readUInt16LE(at + 32);
    const entry: ZipEntry = {
      name: data.toString('utf8', at + 46, at + 46 + nameLength),
      method: data.readUInt16LE(at + 10),
      compressedSize: data.readUInt32LE(at + 20),
      declaredSize: data.readUInt32LE(at + 24),
      localHeaderOffset: data.readUInt32LE(at + 42),
    };
    if (entry.localHeaderOffset + 30 > data.length || entry.localHeaderOffset + entry.compressedSize > data.length) {
      throw new FileUnreadable('it is a damaged zip file (a part points outside the file)');
    }
    entries.push(entry);
    at += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}

/**
 * Inflates every entry of a zip, and fails with a FileUnreadable the moment the total passes `maxInflatedBytes`: the
 * sizes a zip declares can lie (a decompression bomb declares small ones), so the real output is what is counted,
 * by zlib's own `maxOutputLength`, which stops inflating there. Only a zip that passed is handed to the Office
 * readers, whose own unzipping then cannot be made to allocate more.
 */
export function checkZip(data: Buffer, limits: ZipLimits): Map<string, ZipEntry> {
  const entries = listZip(data, limits);
  let room = limits.maxInflatedBytes;
  for (const entry of entries) {
    const inflated = readEntry(data, entry, room);
    room -= inflated.length;
  }
  return new Map(entries.map((e) => [e.name, e]));
}

/** One entry's bytes, refusing more than `room` of them. */
export function readEntry(data: Buffer, entry: ZipEntry, room: number): Buffer {
  const at = entry.localHeaderOffset;
  if (data.readUInt32LE(at) !== LOCAL_HEADER) throw new FileUnreadable('it is a damaged zip file');
  const start = at + 30 + data.readUInt16LE(at + 26) + data.readUInt16LE(at + 28);
  const raw = data.subarray(start, start + entry.compressedSize);
  const tooBig = () => new FileUnreadable('it unpacks to far more than its size (a decompression bomb?), so I did not open it');
  if (entry.method === 0) {
    if (raw.length > room) throw tooBig();
    return raw;
  }
  if (entry.method !== 8) throw new FileUnreadable(`it uses a zip compression method (${entry.method}) I do not open`);
  try {
    return inflateRawSync(raw, { maxOutputLength: Math.max(1, room) });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' || error instanceof RangeError) throw tooBig();
    throw new FileUnreadable('it is a damaged zip file (a part does not unpack)');
  }
}
