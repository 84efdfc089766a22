import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../adapters/http/api-keys.js';
import { escapeHtml, renderMarkdown } from '../adapters/http/console/markdown.js';
import { HTTP_API_ROUTES } from '../adapters/http/http-ingress.js';
import type { RunningApp } from '../src/app/start-app.js';
import { startFakeAnthropic, type FakeAnthropic } from './fakes/fake-anthropic.js';
import { startTestApp, testConfig } from './support/test-app.js';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';

const CONSOLE = 'adapters/http/console';

describe('the web console and the OpenAPI document', () => {
  let database: TestDatabase;
  let model: FakeAnthropic;
  let app: RunningApp;
  let base: string;

  beforeAll(async () => {
    database = await createTestDatabase();
    model = await startFakeAnthropic();
    app = await startTestApp(testConfig(database, model.url), []);
    base = `http://127.0.0.1:${app.port}`;
  });
  afterAll(async () => {
    await app?.close();
    await model?.close();
    await database?.drop();
  });

  it('serves the console at / with a policy that forbids inline scripts', async () => {
    const page = await fetch(`${base}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self';");
    expect(await page.text()).toContain('<script type="module" src="/console/console.js"></script>');
    for (const file of ['console.js', 'markdown.js']) {
      const script = await fetch(`${base}/console/${file}`);
      expect(script.status).toBe(200);
      expect(script.headers.get('content-type')).toMatch(/^text\/javascript/);
    }
  });

  it('never puts text into the page as HTML except through renderMarkdown', () => {
    const html = readFileSync(`${CONSOLE}/index.html`, 'utf8');
    const js = ['console.js', 'markdown.js'].map((f) => readFileSync(`${CONSOLE}/${f}`, 'utf8')).join('\n');
    // Every script is an external file (the CSP would block inline ones anyway), and no element has a handler.
    for (const tag of html.match(/<script\b[^>]*>/g) ?? []) expect(tag).toMatch(/\ssrc="\/console\/[\w-]+\.js"/);
    expect(html).not.toMatch(/<script\b[^>]*>\s*\S[\s\S]*?<\/script>/);
    expect(html).not.toMatch(/\son[a-z]+\s*=/i);
    // The only HTML sink is innerHTML, and only ever given renderMarkdown's output.
    const sinks = [...js.matchAll(/\.innerHTML\s*=\s*([^;]+);/g)].map((m) => m[1]!.trim());
    expect(sinks.length).toBeGreaterThan(0);
    for (const value of sinks) expect(value).toMatch(/^renderMarkdown\([\w.]+\)$/);
    expect(js.match(/innerHTML/g)?.length).toBe(sinks.length);
    expect(js).not.toMatch(/outerHTML|insertAdjacentHTML|document\.write|\beval\(|new Function|srcdoc/);
  });

  it('renders an answer with <script> and <img onerror> as text', async () => {
    const evil = 'Here: <script>alert(1)</script> and <img src=x onerror="alert(2)"> and **bold** `<b>code</b>`';
    model.enqueue({ kind: 'text', text: evil });
    const { key } = await createApiKey(database.sql, 'dora', 'console');
    const response = await fetch(`${base}/v1/chat`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ message: 'say something nasty' }),
    });
    const { answer } = (await response.json()) as { answer: string };
    expect(answer).toBe(evil);
    const html = renderMarkdown(answer);
    expect(html).not.toMatch(/<script|<img|<b>/i);
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('&lt;img src=x onerror=&quot;alert(2)&quot;&gt;');
    expect(html).toContain('<strong>bold</strong>');
    expect(html).toContain('<code>&lt;b&gt;code&lt;/b&gt;</code>');
  });

  it('applies only a safe subset of Markdown', () => {
    expect(escapeHtml(`<a href="x" onclick='y'>&</a>`)).toBe('&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;&lt;/a&gt;');
    expect(renderMarkdown('# Title\n\n- one\n- two\n\n1. first\n\nplain _em_ text')).toBe(
      '<h3>Title</h3>\n<ul><li>one</li><li>two</li></ul>\n<ol><li>first</li></ol>\n<p>plain <em>em</em> text</p>',
    );
    expect(renderMarkdown('```html\n<script>x</script>\n```')).toBe('<pre><code class="language-html">&lt;script&gt;x&lt;/script&gt;</code></pre>');
    expect(renderMarkdown('[docs](https://example.com/a?b=1&c=2)')).toBe(
      '<p><a href="https://example.com/a?b=1&amp;c=2" rel="noopener noreferrer nofollow" target="_blank">docs</a></p>',
    );
    // Only http(s) links; a quote cannot end the attribute, because it was escaped before the link was made.
    expect(renderMarkdown('[x](javascript:alert(1))')).not.toContain('<a');
    expect(renderMarkdown('[x](https://e.example/"onmouseover="alert(1))')).not.toMatch(/href="[^"]*"\s*onmouseover/);
  });

  it('documents exactly the routes the API mounts', async () => {
    const document = (await (await fetch(`${base}/v1/openapi.json`)).json()) as { openapi: string; paths: Record<string, Record<string, unknown>> };
    expect(document.openapi).toBe('3.1.0');
    const documented = Object.entries(document.paths)
      .flatMap(([path, methods]) => Object.keys(methods).map((m) => `${m.toUpperCase()} ${path}`))
      .sort();
    const mounted = HTTP_API_ROUTES.map((r) => `${r.method} ${r.path.replace(/:(\w+)/g, '{$1}')}`).sort();
    expect(documented).toEqual(mounted);
    // And each is really served: without a key, 401 (never the server's "No route" 404).
    for (const { method, path } of HTTP_API_ROUTES) {
      const response = await fetch(`${base}${path.replace(':id', '00000000-0000-0000-0000-000000000000')}`, { method });
      expect(response.status, `${method} ${path}`).toBe(path === '/v1/openapi.json' ? 200 : 401);
    }
  });

  it('serves no console when HTTP_CONSOLE=false', async () => {
    const gateway = await startTestApp(testConfig(database, model.url, { HTTP_CONSOLE: 'false' }), [], { gateway: true, worker: false });
    try {
      expect((await fetch(`http://127.0.0.1:${gateway.port}/`)).status).toBe(404);
      expect((await fetch(`http://127.0.0.1:${gateway.port}/v1/openapi.json`)).status).toBe(200);
    } finally {
      await gateway.close();
    }
  });
});
