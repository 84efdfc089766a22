// Real files of every kind Xiaoliu reads, made on the spot for tests and the bench: nothing binary is checked in.
import ExcelJS from 'exceljs';
import JSZip from 'jszip';
import sharp from 'sharp';

/** A PNG of the given size: a gradient, or noise (which does not compress, for byte-size limits). */
export async function makePng(width: number, height: number, options: { noise?: boolean } = {}): Promise<Buffer> {
  // Noise from a hash-quality generator (xorshift32, top byte): a weak one repeats, and a PNG of it compresses.
  const pixels = Buffer.alloc(width * height * 3);
  let state = 2463534242;
  for (let i = 0; i < pixels.length; i += 3) {
    if (options.noise) {
      for (let c = 0; c < 3; c++) {
        state ^= state << 13;
        state ^= state >>> 17;
        state ^= state << 5;
        pixels[i + c] = (state >>> 24) & 0xff;
      }
    } else {
      const p = i / 3;
      pixels[i] = (p % width) & 0xff;
      pixels[i + 1] = Math.floor(p / width) & 0xff;
      pixels[i + 2] = 128;
    }
  }
  return sharp(pixels, { raw: { width, height, channels: 3 } }).png().toBuffer();
}

export async function makeJpeg(width: number, height: number): Promise<Buffer> {
  return sharp(await makePng(width, height)).jpeg({ quality: 90 }).toBuffer();
}

/**
 * A valid PDF of `pages` pages, each with a line of text, written object by object with a correct cross-reference
 * table (ISO 32000-1, 7.5). `filler` adds that many bytes of an uncompressed stream per page, to reach a size.
 */
export function makePdf(pages: number, options: { filler?: number } = {}): Buffer {
  const objects: string[] = [];
  const add = (body: string) => objects.push(body) ;
  add('<< /Type /Catalog /Pages 2 0 R >>');
  const kids = Array.from({ length: pages }, (_, i) => `${4 + i * 2} 0 R`).join(' ');
  add(`<< /Type /Pages /Kids [${kids}] /Count ${pages} >>`);
  add('<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>');
  for (let i = 0; i < pages; i++) {
    add(`<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> /Contents ${5 + i * 2} 0 R >>`);
    const text = `BT /F1 24 Tf 72 700 Td (Page ${i + 1} of the quarterly report) Tj ET`;
    const filler = options.filler ? `\n% ${'x'.repeat(options.filler)}` : '';
    const stream = `${text}${filler}`;
    add(`<< /Length ${Buffer.byteLength(stream, 'latin1')} >>\nstream\n${stream}\nendstream`);
  }
  let out = '%PDF-1.7\n';
  const offsets: number[] = [];
  objects.forEach((body, i) => {
    offsets.push(Buffer.byteLength(out, 'latin1'));
    out += `${i + 1} 0 obj\n${body}\nendobj\n`;
  });
  const xref = Buffer.byteLength(out, 'latin1');
  out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n${offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('')}`;
  out += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(out, 'latin1');
}

const CONTENT_TYPES = (main: string, type: string) =>
  `<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
  `<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>` +
  `<Default Extension="xml" ContentType="application/xml"/><Override PartName="/${main}" ContentType="${type}"/></Types>`;
const RELS = (target: string, rel: string) =>
  `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
  `<Relationship Id="rId1" Type="${rel}" Target="${target}"/></Relationships>`;
const OFFICE_DOC = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument';

/** A Word document with a heading, a paragraph with bold text, a list and a table. */
export async function makeDocx(): Promise<Buffer> {
  const w = (inner: string) => `<w:p>${inner}</w:p>`;
  const run = (text: string, bold = false) => `<w:r>${bold ? '<w:rPr><w:b/></w:rPr>' : ''}<w:t xml:space="preserve">${text}</w:t></w:r>`;
  const cell = (text: string) => `<w:tc>${w(run(text))}</w:tc>`;
  const body = [
    w(`<w:pPr><w:pStyle w:val="Heading1"/></w:pPr>${run('Launch plan')}`),
    w(`${run('The launch is on ')}${run('March 3', true)}${run('.')}`),
    `<w:tbl><w:tr>${cell('Owner')}${cell('Task')}</w:tr><w:tr>${cell('Mei')}${cell('Press release')}</w:tr></w:tbl>`,
  ].join('');
  const zip = new JSZip();
  zip.file('[Content_Types].xml', CONTENT_TYPES('word/document.xml', 'application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml'));
  zip.file('_rels/.rels', RELS('word/document.xml', OFFICE_DOC));
  zip.file(
    'word/document.xml',
    `<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>${body}</w:body></w:document>`,
  );
  return zip.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE' });
}

/** A workbook with one sheet of a header and two rows, one value a formula. */
export async function makeXlsx(): Promise<Buffer> {
  const workbook = new ExcelJS.Workbook();
  const sheet = workbook.addWorksheet('Sales');
  sheet.addRow(['Region', 'Q1', 'Q2']);
  sheet.addRow(['North', 120, 135]);
  sheet.addRow(['South', 90, { formula: 'B3+10', result: 100 }]);
  return Buffer.from(await workbook.xlsx.writeBuffer());
}

/** A presentation with two slides of text. */
export async function makePptx(): Promise<Buffer> {
  const zip = new JSZip();
  zip.file('[Content_Types].xml', CONTENT_TYPES('ppt/presentation.xml', 'application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml'));
  zip.file('_rels/.rels', RELS('ppt/presentation.xml', OFFICE_DOC));
  zip.file('ppt/presentation.xml', '<?xml version="1.0"?><p:presentation xmlns:p="http://schemas.openxmlformats.org/presentationml/2006/main"/>');
  const slide = (lines: string[]) =>
    `<?xml version="1.0"?><p:sld xmlns:p="http://schemas.openxmlformats.org/presentationml/2006/main" xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main"><p:cSld><p:spTree><p:sp><p:txBody>${lines
      .map((l) => `<a:p><a:r><a:t>${l}</a:t></a:r></a:p>`)
      .join('')}</p:txBody></p:sp></p:spTree></p:cSld></p:sld>`;
  zip.file('ppt/slides/slide1.xml', slide(['Roadmap 2027', 'Ship the &amp; mobile app']));
  zip.file('ppt/slides/slide2.xml', slide(['Risks', 'Hiring']));
  return zip.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE' });
}

/** A zip bomb in docx clothing: a valid docx whose one extra part inflates to `inflatedMb` MB of zeros. */
export async function makeZipBomb(inflatedMb: number): Promise<Buffer> {
  const zip = await JSZip.loadAsync(await makeDocx());
  zip.file('word/media/bomb.bin', Buffer.alloc(inflatedMb * 1024 * 1024));
  return zip.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE', compressionOptions: { level: 9 } });
}

/** A PNG whose header claims a canvas of width×height but carries almost no data: a pixel bomb. */
export async function makePixelBomb(width: number, height: number): Promise<Buffer> {
  const png = await makePng(1, 1);
  // IHDR starts at byte 16 (8 signature + 4 length + 4 type); its CRC must be redone for the header to parse.
  const out = Buffer.from(png);
  out.writeUInt32BE(width, 16);
  out.writeUInt32BE(height, 20);
  const { crc32 } = await import('node:zlib');
  out.writeUInt32BE(crc32(out.subarray(12, 29)) >>> 0, 29);
  return out;
}
