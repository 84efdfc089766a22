import Anthropic from '@anthropic-ai/sdk';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_MAX_IMAGE_BASE64_BYTES } from '../src/attachments/attachment-limits.js';
import { startFakeAnthropic, type FakeAnthropic } from './fakes/fake-anthropic.js';
import { makePdf, makePng } from './support/make-files.js';

// The fake refuses image and document blocks the way the Messages API does (limits cited in
// fakes/fake-anthropic-content.ts), so a test of Xiaoliu's file handling can fail.
describe('the fake Anthropic checks images and PDFs as the API does (real SDK)', () => {
  let fake: FakeAnthropic;
  let client: Anthropic;
  beforeAll(async () => {
    fake = await startFakeAnthropic();
    // The SDK's own retries (the default 2): a 400 is never retried, so every refusal below is still the first answer,
    // while a kept-alive socket the fake closed as a large request set out on it (seconds apart on a loaded machine)
    // is retried, as it is for Xiaoliu, instead of failing the test with "Connection error.".
    client = new Anthropic({ apiKey: 'test-key', baseURL: fake.url });
  });
  afterAll(async () => {
    await fake?.close();
  });

  const image = (data: Buffer, media: string): Anthropic.ImageBlockParam => ({
    type: 'image',
    source: { type: 'base64', media_type: media as 'image/png', data: data.toString('base64') },
  });
  const ask = (content: Anthropic.ContentBlockParam[]) =>
    client.messages.create({ model: 'claude-haiku-4-5', max_tokens: 100, messages: [{ role: 'user', content: [...content, { type: 'text', text: 'what is this?' }] }] });
  const refusal = async (content: Anthropic.ContentBlockParam[]) => {
    const error = await ask(content).then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(Anthropic.APIError);
    return error as InstanceType<typeof Anthropic.APIError>;
  };

  it('takes a valid PNG and a valid PDF, and counts the image by (width × height) / 750 tokens', async () => {
    const answer = await ask([image(await makePng(750, 100), 'image/png'), { type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: makePdf(2).toString('base64') } }]);
    expect(answer.usage.input_tokens).toBeGreaterThanOrEqual(100);
  });

  it('refuses an image whose bytes are not the media type it claims', async () => {
    const error = await refusal([image(await makePng(10, 10), 'image/jpeg')]);
    expect(error.status).toBe(400);
    expect(error.message).toContain('Image does not match the provided media type image/jpeg');
  });

  it('refuses an image over 8000 px on a side, and one over 5 MB of base64', async () => {
    const wide = await sharp({ create: { width: 8001, height: 2, channels: 3, background: '#fff' } }).png().toBuffer();
    expect((await refusal([image(wide, 'image/png')])).message).toContain('exceed max allowed size: 8000 pixels');
    const heavy = Buffer.concat([await makePng(10, 10), Buffer.alloc(API_MAX_IMAGE_BASE64_BYTES)]);
    expect((await refusal([image(heavy, 'image/png')])).message).toContain('image exceeds 5 MB maximum');
  });

  it('refuses more than 100 PDF pages in one request, and a PDF that is not one', async () => {
    const doc = (data: Buffer): Anthropic.DocumentBlockParam => ({ type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: data.toString('base64') } });
    expect((await refusal([doc(makePdf(60)), doc(makePdf(41))])).message).toContain('A maximum of 100 PDF pages may be provided.');
    expect((await refusal([doc(Buffer.from('%PDF-1.7 nothing'))])).message).toContain('The PDF specified was not valid.');
  });

  it('allows only 2000 px per side once a request has more than 20 images', async () => {
    const big = await makePng(2100, 10);
    await expect(ask([image(big, 'image/png')])).resolves.toBeDefined();
    const small = await makePng(10, 10);
    const many = [image(big, 'image/png'), ...Array.from({ length: 20 }, () => image(small, 'image/png'))];
    expect((await refusal(many)).message).toContain('2000 pixels');
  });
});
