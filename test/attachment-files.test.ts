import { describe, expect, it } from 'vitest';
import { FileUnreadable } from '../src/attachments/file-unreadable.js';
import { prepareFile } from '../src/attachments/prepare-file.js';
import { makeDocx, makeJpeg, makePdf, makePixelBomb, makePng, makePptx, makeXlsx, makeZipBomb } from './support/make-files.js';

/** Why a file was refused (FileUnreadable's reason), or fails the test if it was read. */
async function refusal(name: string, data: Buffer): Promise<string> {
  const error = await prepareFile(name, data).then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(FileUnreadable);
  return (error as FileUnreadable).reason;
}

// Real files, made on the spot, through the real readers (sharp, PDF.js, mammoth, exceljs): no mocks.
describe('reading attached files (src/attachments/)', () => {
  it('tells the type from the bytes, not the name: a PNG named .txt is an image, a CSV named .png is text', async () => {
    const png = await makePng(40, 30);
    expect(await prepareFile('notes.txt', png)).toMatchObject({ kind: 'image', mediaType: 'image/png', tokens: Math.ceil((40 * 30) / 750) });
    expect(await prepareFile('chart.png', Buffer.from('a,b\n1,2\n'))).toMatchObject({ kind: 'text', mediaType: 'text/plain' });
  });

  it('keeps an image within the limits byte for byte, and scales a larger one down to what the model reads', async () => {
    const small = await makePng(200, 100);
    expect((await prepareFile('s.png', small)).data).toEqual(small);
    const big = await prepareFile('big.jpg', await makeJpeg(3000, 2000));
    expect(big).toMatchObject({ kind: 'image', mediaType: 'image/jpeg' });
    expect(big.note).toMatch(/^scaled down to 1313×876 pixels/);
    expect(big.tokens).toBeLessThanOrEqual(1600);
  });

  it('counts the pages of a PDF and refuses one past the 100 pages a request takes', async () => {
    expect(await prepareFile('r.pdf', makePdf(30))).toMatchObject({ kind: 'document', pages: 30 });
    expect(await refusal('long.pdf', makePdf(101))).toBe('it has 101 pages, and Claude reads at most 100 pages of PDF per request');
  });

  it('converts Word, Excel and PowerPoint files to Markdown', async () => {
    const text = async (name: string, data: Buffer) => (await prepareFile(name, data)).data.toString('utf8');
    expect(await text('plan.docx', await makeDocx())).toBe('# Launch plan\n\nThe launch is on **March 3**.\n\n| Owner | Task |\n| --- | --- |\n| Mei | Press release |');
    expect(await text('sales.xlsx', await makeXlsx())).toBe('## Sheet: Sales\n\n| Region | Q1 | Q2 |\n| --- | --- | --- |\n| North | 120 | 135 |\n| South | 90 | 100 |');
    expect(await text('deck.pptx', await makePptx())).toBe('## Slide 1\n\nRoadmap 2027\nShip the & mobile app\n\n## Slide 2\n\nRisks\nHiring');
  });

  it('refuses decompression bombs with a clear reason, without unpacking or decoding them', async () => {
    const zip = await makeZipBomb(70);
    expect(zip.length).toBeLessThan(1024 * 1024);
    expect(await refusal('bomb.docx', zip)).toBe('it unpacks to far more than its size (a decompression bomb?), so I did not open it');
    expect(await refusal('bomb.png', await makePixelBomb(60_000, 60_000))).toMatch(/more than the 100 megapixels I open \(a decompression bomb\?\)$/);
  });

  it('refuses damaged and unsupported files, naming why', async () => {
    expect(await refusal('cut.png', (await makePng(300, 300, { noise: true })).subarray(0, 5000))).toMatch(/^it is a damaged image/);
    expect(await refusal('bad.pdf', Buffer.from('%PDF-1.7\ngarbage'))).toMatch(/^it is a damaged PDF/);
    expect(await refusal('demo.mov', Buffer.concat([Buffer.from([0, 0, 0, 20]), Buffer.from('ftypqt  '), Buffer.alloc(64)]))).toBe('video is not supported');
    expect(await refusal('a.zip', (await makeZipBomb(1)).subarray(0, 40))).toBe('a damaged zip file is not supported');
    expect(await refusal('x.bin', Buffer.from([1, 2, 0, 3]))).toMatch(/^this kind of file is not supported/);
    expect(await refusal('empty.txt', Buffer.alloc(0))).toBe('it is empty');
  });
});
