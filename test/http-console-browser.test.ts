import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../adapters/http/api-keys.js';
import type { RunningApp } from '../src/app/start-app.js';
import { startFakeAnthropic, type FakeAnthropic } from './fakes/fake-anthropic.js';
import { startTestApp, testConfig } from './support/test-app.js';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';
import { makePng } from './support/make-files.js';

// Debian's Chromium (.ci/run installs it); playwright-core drives it and never downloads a browser of its own.
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const SCREENSHOT = 'test-artifacts/web-console.png';
/** The console with an answer's buttons; docs/web-console-controls.png (in the README) is a copy of one run's. */
const CONTROLS_SCREENSHOT = 'test-artifacts/web-console-controls.png';

describe.skipIf(!existsSync(CHROMIUM))('the web console in headless Chromium (install Debian\'s chromium to run)', () => {
  let database: TestDatabase;
  let model: FakeAnthropic;
  let app: RunningApp;
  let browser: Browser;
  let key: string;

  beforeAll(async () => {
    database = await createTestDatabase();
    model = await startFakeAnthropic({ tokensPerSecond: 30 });
    app = await startTestApp(testConfig(database, model.url), []);
    key = (await createApiKey(database.sql, 'console-user', 'browser test')).key;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      // As root in a sandbox, with no network: no sandbox, and none of Chromium's own background connections.
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await model?.close();
    await database?.drop();
  });

  it('takes a key once, streams an answer, and shows model HTML as text', async () => {
    const page = await browser.newPage();
    const dialogs: string[] = [];
    page.on('dialog', (dialog) => void dialogs.push(dialog.message()));
    await page.goto(`http://127.0.0.1:${app.port}/`);
    await page.fill('#key-input', key);
    await page.click('#key-form button[type=submit]');

    model.enqueue({ kind: 'text', text: 'Here is **bold**, `code` and <script>alert(1)</script><img src=x onerror="alert(2)"> as text.' });
    await page.fill('#question', 'show me something');
    await page.click('#send');
    // Streaming: the answer grows in place before it is complete.
    await page.locator('#messages', { hasText: 'Here is' }).waitFor();
    await page.locator('#messages', { hasText: 'as text.' }).waitFor({ timeout: 15_000 });

    const html = await page.innerHTML('#messages');
    expect(html).toContain('<strong>bold</strong>');
    expect(html).toContain('&lt;script&gt;');
    expect(await page.locator('#messages img').count()).toBe(0);
    expect(await page.locator('#messages script').count()).toBe(0);
    expect(dialogs).toEqual([]);
    // The key was kept: a reload does not ask for it again.
    await page.reload();
    expect(await page.isVisible('#key-panel')).toBe(false);

    await mkdir('test-artifacts', { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
  }, 60_000);

  it('puts Stop on a streaming answer, then Regenerate and 👍 / 👎 on it; each acts through the API', async () => {
    const page = await browser.newPage({ viewport: { width: 900, height: 560 } });
    await page.goto(`http://127.0.0.1:${app.port}/`);
    await page.evaluate(`localStorage.setItem('xiaoliu.apiKey', ${JSON.stringify(key)})`);
    await page.reload();
    let resume!: () => void;
    model.enqueue({ kind: 'paused', textBefore: 'A long answer that goes on', textAfter: ' and on.', resume: new Promise<void>((r) => (resume = r)) });
    await page.fill('#question', 'write me an essay');
    await page.click('#send');
    const stop = page.locator('.controls button', { hasText: 'Stop' });
    await stop.waitFor();
    await page.locator('#messages', { hasText: 'goes on' }).waitFor();
    await stop.click();
    await page.locator('#messages', { hasText: '(stopped)' }).waitFor({ timeout: 15_000 });
    await page.locator('.controls button', { hasText: 'Regenerate' }).waitFor();
    resume();
    // Regenerate: the same bubble streams the new answer.
    model.enqueue({ kind: 'text', text: 'A **shorter** essay, in full.' });
    await page.locator('.controls button', { hasText: 'Regenerate' }).click();
    await page.locator('#messages', { hasText: 'in full.' }).waitFor({ timeout: 15_000 });
    expect(await page.locator('.msg.assistant').count()).toBe(1);
    expect(await page.locator('#messages', { hasText: '(stopped)' }).count()).toBe(0);
    await page.locator('.controls button', { hasText: /^Helpful$/ }).click();
    await page.locator('.controls button.rated').waitFor();
    const [rated] = await database.sql`select rating from answer_feedback where user_id = 'console-user'`;
    expect(rated!.rating).toBe('good');
    // The stored conversation holds one answer to the question: the regenerated one.
    const stored = await database.sql<{ text: string }[]>`select text from messages where role = 'assistant' and text like '%essay%'`;
    expect(stored.map((m) => m.text)).toEqual(['A **shorter** essay, in full.']);
    await mkdir('test-artifacts', { recursive: true });
    await page.screenshot({ path: CONTROLS_SCREENSHOT });
  }, 60_000);

  it('sends files picked, dropped or pasted with the question, and the model reads each', async () => {
    const page = await browser.newPage();
    await page.goto(`http://127.0.0.1:${app.port}/`);
    // Browser code as strings: this project's TypeScript has no DOM types.
    await page.evaluate(`localStorage.setItem('xiaoliu.apiKey', ${JSON.stringify(key)})`);
    await page.reload();
    const png = await makePng(20, 10);

    // Picked with the 📎 button's file input.
    await page.setInputFiles('#file-input', { name: 'picked.png', mimeType: 'image/png', buffer: png });
    // Dropped on the page, as a file manager's drag does.
    await page.evaluate(`(() => {
      const transfer = new DataTransfer();
      transfer.items.add(new File(['name,score\\nann,3\\n'], 'dropped.csv', { type: 'text/csv' }));
      document.dispatchEvent(new DragEvent('drop', { dataTransfer: transfer, bubbles: true, cancelable: true }));
    })()`);
    // Pasted from the clipboard, as a screenshot is.
    await page.evaluate(`(() => {
      const bytes = Uint8Array.from(atob('${png.toString('base64')}'), (c) => c.charCodeAt(0));
      const transfer = new DataTransfer();
      transfer.items.add(new File([bytes], 'image.png', { type: 'image/png' }));
      document.dispatchEvent(new ClipboardEvent('paste', { clipboardData: transfer, bubbles: true, cancelable: true }));
    })()`);
    expect(await page.locator('#pending span').allTextContents()).toEqual(['📎 picked.png ×', '📎 dropped.csv ×', '📎 pasted-3.png ×']);

    const before = model.requests.length;
    await page.fill('#question', 'what are these?');
    await page.click('#send');
    await page.locator('#messages .msg.assistant', { hasText: 'Echo: ' }).last().waitFor({ timeout: 15_000 });
    // (A locator, not waitForFunction: the console's policy forbids the eval that would need.)
    await page.locator('#send:not([disabled])').waitFor();
    expect(model.requests.length).toBeGreaterThan(before);
    const blocks = model.requests.at(-1)!.body.messages.at(-1).content as { type: string; text?: string; source?: { data: string } }[];
    expect(blocks.filter((b) => b.type === 'image').map((b) => b.source!.data)).toEqual([png.toString('base64'), png.toString('base64')]);
    expect(blocks.find((b) => b.text?.includes('Attached file `dropped.csv`'))!.text).toContain('ann,3');
    expect(await page.locator('#pending span').count()).toBe(0);
  }, 60_000);
});
