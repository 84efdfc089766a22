import { existsSync, readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOidcProvider, type FakeOidcProvider } from './fakes/fake-oidc-provider.js';
import { appMentionEvent, sendSlackEvent } from './fakes/slack-events.js';
import { PERSONA_V1, PERSONA_V2, seedConsoleData } from './support/console-seed.js';
import { freePort } from './support/redis-server.js';
import { SLACK_TEST_SECRET, startSlackTestApp, type SlackTestApp } from './support/slack-test-app.js';
import { testConfig } from './support/test-app.js';
import { waitFor } from './support/wait-for.js';
import { addMcpServer, markMcpTool } from '../src/store/mcp-servers.js';

// Debian's Chromium (.ci/run installs it); playwright-core drives it and never downloads a browser of its own.
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** `npm run screenshots` writes them to docs/ (shown in the README); a plain test run keeps them in test-artifacts/. */
const SHOTS = process.env.CONSOLE_SCREENSHOTS ?? 'test-artifacts';
const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

describe.skipIf(!existsSync(CHROMIUM))('the admin console in headless Chromium, signed in through a real OIDC provider', () => {
  let t: SlackTestApp;
  let idp: FakeOidcProvider;
  /** Stands in for slack.com's OIDC: the same protocol, with Slack's own claims naming the user and team. */
  let slackIdp: FakeOidcProvider;
  let browser: Browser;
  let origin: string;
  let mention = 0;

  beforeAll(async () => {
    const port = await freePort();
    origin = `http://127.0.0.1:${port}`;
    idp = await startFakeOidcProvider({
      clients: [{ client_id: 'xiaoliu-console', client_secret: 'console-client-secret', redirect_uris: [`${origin}/admin/auth/callback`] }],
      people: {
        ada: { name: 'Ada Admin', email: 'ada@example.com' },
        mo: { name: 'Mo Member', email: 'mo@example.com' },
      },
    });
    slackIdp = await startFakeOidcProvider({
      clients: [{ client_id: 'slack-client', client_secret: 'slack-client-secret', redirect_uris: [`${origin}/admin/auth/callback`] }],
      // Sign in with Slack's ID token carries these (https://docs.slack.dev/authentication/sign-in-with-slack/).
      people: { bea: { name: 'Bea Slack', email: 'bea@example.com', extra: { 'https://slack.com/user_id': 'UBEA', 'https://slack.com/team_id': 'T0FAKE' } } },
    });
    t = await startSlackTestApp({
      PORT: String(port),
      CONSOLE_PUBLIC_URL: origin,
      OIDC_ISSUER_URL: idp.issuer,
      OIDC_CLIENT_ID: 'xiaoliu-console',
      OIDC_CLIENT_SECRET: 'console-client-secret',
      OIDC_NAME: 'Acme SSO',
      SLACK_OIDC_ISSUER_URL: slackIdp.issuer,
      SLACK_OIDC_CLIENT_ID: 'slack-client',
      SLACK_OIDC_CLIENT_SECRET: 'slack-client-secret',
      LIMIT_WORKSPACE_DAILY: '5usd',
      LIMIT_USER_DAILY: '1usd, 200k tokens',
    });
    await seedConsoleData(t.database.sql, testConfig(t.database, t.model.url));
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      // As root in a sandbox, with no network: no sandbox, and none of Chromium's own background connections.
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    await mkdir(SHOTS, { recursive: true });
  }, 90_000);
  afterAll(async () => {
    await browser?.close();
    await t?.close();
    await idp?.close();
    await slackIdp?.close();
  });

  /** A fresh browser (its own cookies) at a size that suits the screenshots. */
  const newPage = async (): Promise<{ context: BrowserContext; page: Page }> => {
    const context = await browser.newContext({ viewport: { width: 1100, height: 900 }, locale: 'en-US' });
    return { context, page: await context.newPage() };
  };

  /** Signs in through the provider's own login and consent pages, as a person would. */
  const signIn = async (page: Page, login: string, provider = 'Acme SSO') => {
    await page.goto(`${origin}/admin`);
    await page.getByRole('link', { name: `Sign in with ${provider}` }).click();
    await page.fill('input[name=login]', login);
    await page.fill('input[name=password]', 'any password');
    await page.click('button[type=submit]');
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.waitForURL(`${origin}/admin/usage`);
  };

  /** `console link` in a Slack channel; the code comes back in a DM, which is read from the fake Slack. */
  const codeFromSlackDm = async (slackUser: string): Promise<string> => {
    const before = t.slack.messages(slackUser).length;
    mention++;
    const event = appMentionEvent({ channel: 'C1', user: slackUser, text: '<@UBOT> console link', ts: `1770000${mention}.000100` });
    expect((await sendSlackEvent(t.events, SLACK_TEST_SECRET, event)).status).toBe(200);
    const dm = await waitFor('the link code in a Slack DM', () => t.slack.messages(slackUser).slice(before).find((m) => /link code/.test(m.text)));
    return /([2-9A-Z]{8})/.exec(dm.text)![1]!;
  };

  /** Ada as the admin of T0FAKE, linking her Slack account unless an earlier test did (links outlive sessions). */
  const signInAsLinkedAdmin = async (page: Page) => {
    await signIn(page, 'ada');
    if ((await page.getByRole('link', { name: 'Channels' }).count()) === 0) await link(page, 'UADA');
  };

  const link = async (page: Page, slackUser: string) => {
    const code = await codeFromSlackDm(slackUser);
    await page.goto(`${origin}/admin/link`);
    await page.fill('#code', code.toLowerCase().replace(/(....)/, '$1-'));
    await page.getByRole('button', { name: 'Link', exact: true }).click();
    await page.getByRole('status').filter({ hasText: 'Linked' }).waitFor();
  };

  /**
   * axe-core on the page as shown. Its source cannot go in as a <script> (addScriptTag's path makes an inline script,
   * and the console's CSP, script-src 'self', refuses it: checked below), and the CSP is the thing under test, so it
   * is not bypassed. Playwright's evaluate runs through the DevTools protocol, which page CSP does not govern, so the
   * same file is evaluated that way; the page itself still allows nothing inline.
   */
  const axeViolations = async (page: Page) => {
    await page.evaluate(AXE_SOURCE);
    return page.evaluate(`axe.run(document, { resultTypes: ['violations'] }).then((r) => r.violations.map((v) => ({ id: v.id, help: v.help, nodes: v.nodes.map((n) => n.target.join(' ')) })))`);
  };

  it('signs in, links a Slack account by a DM code, shows charts, rolls back a prompt, revokes a key and signs out', async () => {
    const { context, page } = await newPage();
    const blocked: string[] = [];
    page.on('console', (m) => m.type() === 'error' && /Content Security Policy/.test(m.text()) && blocked.push(m.text()));

    await page.goto(`${origin}/admin`);
    await page.waitForURL(`${origin}/admin/sign-in`);
    expect(await axeViolations(page)).toEqual([]);
    await page.screenshot({ path: `${SHOTS}/console-sign-in.png` });
    // The CSP holds: axe's file added as a script tag is refused.
    await expect(page.addScriptTag({ path: createRequire(import.meta.url).resolve('axe-core/axe.min.js') })).rejects.toThrow();
    await signIn(page, 'ada');

    // The cookie: HttpOnly, SameSite=Lax; Secure and __Host- only on https (this is http://127.0.0.1).
    const [cookie] = (await context.cookies()).filter((c) => c.name === 'xiaoliu-session');
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Lax', secure: false, path: '/' });
    const [session] = await t.database.sql<{ id_hash: string }[]>`select id_hash from console_sessions`;
    expect(session!.id_hash).not.toBe(cookie!.value); // stored hashed

    // Not linked yet: only the person's own API workspace, as a member: no admin pages.
    expect(await page.getByRole('link', { name: 'Channels' }).count()).toBe(0);
    await link(page, 'UADA');
    expect(await axeViolations(page)).toEqual([]);
    const [linked] = await t.database.sql`select platform, workspace_id, user_id from console_links`;
    expect(linked).toMatchObject({ platform: 'slack', workspace_id: 'T0FAKE', user_id: 'UADA' });
    // The code worked once: it is gone.
    expect((await t.database.sql`select count(*)::int as n from console_link_codes`)[0]!.n).toBe(0);

    // Usage: four charts, each with its figures in a table, and the budgets.
    await page.goto(`${origin}/admin/usage?w=slack:T0FAKE`);
    for (const name of ['By day (USD)', 'By person (USD)', 'By channel (USD)', 'By model (USD)']) {
      await expect(page.getByRole('img', { name }).count()).resolves.toBe(1);
      await expect(page.getByRole('table', { name }).count()).resolves.toBe(1);
    }
    expect(await page.locator('svg.chart rect.bar').count()).toBeGreaterThan(14);
    expect(await page.getByRole('table', { name: 'Budgets today (UTC)' }).textContent()).toContain('This workspace');
    // Another workspace's spending is nowhere: TOTHER's $4.50 on Opus.
    expect(await page.content()).not.toContain('claude-opus-5-5');
    expect(await axeViolations(page)).toEqual([]);
    await page.screenshot({ path: `${SHOTS}/console-usage.png`, fullPage: true });

    // Channel C1: roll the persona back to version 1 with the same rules and audit as `config rollback`.
    await page.getByRole('link', { name: 'Channels' }).click();
    expect(await axeViolations(page)).toEqual([]);
    await page.getByRole('link', { name: 'C1' }).click();
    expect(await page.locator('dl.settings').textContent()).toContain(PERSONA_V2);
    await page.getByRole('button', { name: 'Roll back to v1' }).click();
    await page.getByRole('status').filter({ hasText: 'restored the settings of version 1' }).waitFor();
    expect(await page.locator('dl.settings').textContent()).toContain(PERSONA_V1);
    const [newest] = await t.database.sql<{ version: number; settings: { systemPrompt: string } }[]>`
      select version, settings from channel_settings where workspace_id = 'T0FAKE' and channel_id = 'C1' order by version desc limit 1`;
    expect(newest!.version).toBe(3);
    expect(newest!.settings.systemPrompt).toBe(PERSONA_V1);
    const [audit] = await t.database.sql`select action, actor_id, detail from audit_log where action = 'config.rollback'`;
    expect(audit).toMatchObject({ action: 'config.rollback', actor_id: 'UADA' });
    expect(audit!.detail).toMatch(/^v3, rollback to v1: .*persona changed .*\(in the admin console\)$/);
    expect(audit!.detail).not.toContain('Lin'); // a persona is never copied into the log
    expect(await axeViolations(page)).toEqual([]);
    await page.screenshot({ path: `${SHOTS}/console-channel.png`, fullPage: true });

    // Feedback per config version and model, the audit log.
    await page.getByRole('link', { name: 'Feedback' }).click();
    expect(await page.getByRole('table', { name: 'By channel and config version' }).textContent()).toContain('C1 v2');
    expect(await axeViolations(page)).toEqual([]);
    await page.getByRole('link', { name: 'Audit log' }).click();
    expect(await page.getByRole('table').textContent()).toContain('config.rollback');
    expect(await axeViolations(page)).toEqual([]);

    // API keys: made here, shown once, then revoked; the API refuses it from then on.
    await page.getByRole('link', { name: 'API keys' }).click();
    await page.fill('#key-name', 'laptop');
    await page.getByRole('button', { name: 'Create a key' }).click();
    const key = await page.inputValue('#new-key');
    expect(key).toMatch(/^xlk_/);
    const ask = () => fetch(`${origin}/v1/openapi.json`).then(() => fetch(`${origin}/v1/conversations/none`, { headers: { authorization: `Bearer ${key}` } }));
    expect((await ask()).status).toBe(404); // a known key: the conversation is what is missing
    expect(await axeViolations(page)).toEqual([]);
    await page.screenshot({ path: `${SHOTS}/console-keys.png`, fullPage: true });
    await page.goto(`${origin}/admin/keys?w=slack:T0FAKE`); // the keys page again: the key is not shown again
    expect(await page.locator('#new-key').count()).toBe(0);
    const [made] = await t.database.sql<{ id: string }[]>`select id from api_keys where name = 'laptop'`;
    await page.getByRole('button', { name: `Revoke ${made!.id}` }).click();
    await page.getByRole('status').filter({ hasText: 'revoked' }).waitFor();
    expect((await ask()).status).toBe(401);
    expect((await t.database.sql`select action from audit_log where action like 'apikey.%' order by id`).map((r) => r.action)).toEqual(['apikey.create', 'apikey.revoke']);

    // Chinese, by the switch; the page is the same page.
    await page.getByRole('link', { name: '中文' }).click();
    await page.getByRole('heading', { name: '你的 API 密钥' }).waitFor();
    expect(await axeViolations(page)).toEqual([]);
    await page.getByRole('link', { name: '用量' }).click();
    await page.getByRole('heading', { name: '用量（最近 14 天）' }).waitFor();
    expect(await axeViolations(page)).toEqual([]);
    await page.screenshot({ path: `${SHOTS}/console-usage-zh.png` });
    await page.getByRole('link', { name: 'English' }).click();

    // Sign out: the session row is gone, and the old cookie is worth nothing.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(`${origin}/admin/sign-in`);
    expect((await t.database.sql`select count(*)::int as n from console_sessions`)[0]!.n).toBe(0);
    await context.addCookies([{ ...cookie!, expires: -1 }]);
    await page.goto(`${origin}/admin/usage`);
    await page.waitForURL(`${origin}/admin/sign-in`);
    expect(blocked).toHaveLength(1); // only the refused axe script tag
    await context.close();
  }, 120_000);

  it('shows a member only their own usage and keys: no admin page in the navigation, and 403 by URL', async () => {
    const { context, page } = await newPage();
    await signIn(page, 'mo');
    // Signed in but not yet linked: no key can be made (a key spends the team's budgets; the provider may know anyone).
    await page.goto(`${origin}/admin/keys`);
    expect(await page.getByRole('button', { name: 'Create a key' }).count()).toBe(0);
    const csrf = await page.locator('input[name=csrf]').first().inputValue();
    const made = await page.request.post(`${origin}/admin/keys`, { form: { csrf, name: 'sneaky' }, headers: { origin }, maxRedirects: 0 });
    expect(made.status()).toBe(403);
    expect((await t.database.sql`select count(*)::int as n from api_keys where name = 'sneaky'`)[0]!.n).toBe(0);
    await link(page, 'UMO');
    await page.goto(`${origin}/admin/keys`);
    expect(await page.getByRole('button', { name: 'Create a key' }).count()).toBe(1);
    await page.goto(`${origin}/admin/usage?w=slack:T0FAKE`);
    await page.getByRole('heading', { name: 'Your usage, last 14 days' }).waitFor();
    for (const name of ['Channels', 'Feedback', 'Audit log', 'Schedules']) expect(await page.getByRole('link', { name }).count()).toBe(0);
    expect(await page.getByRole('img', { name: 'By person (USD)' }).count()).toBe(0);
    // Only Mo's rows: UADA and UBEA are nowhere on the page.
    expect(await page.content()).not.toMatch(/UADA|UBEA/);
    expect(await axeViolations(page)).toEqual([]);
    for (const path of ['/admin/channels', '/admin/channel?c=C1', '/admin/feedback', '/admin/audit', '/admin/schedules', '/admin/mcp']) {
      const response = await page.goto(`${origin}${path}${path.includes('?') ? '&' : '?'}w=slack:T0FAKE`);
      expect(response!.status()).toBe(403);
    }
    await context.close();
  }, 90_000);

  it("keeps an admin of one workspace out of another's channels, by crafted URL or form", async () => {
    const { context, page } = await newPage();
    await signInAsLinkedAdmin(page);
    expect((await page.goto(`${origin}/admin/channel?w=slack:TOTHER&c=C9`))!.status()).toBe(404);
    expect((await page.goto(`${origin}/admin/usage?w=slack:TOTHER`))!.status()).toBe(404);
    // A rollback form aimed at TOTHER's channel: refused, and with T0FAKE as the workspace, C9 there has no versions.
    await page.goto(`${origin}/admin/channels?w=slack:T0FAKE`);
    const csrf = await page.locator('input[name=csrf]').first().inputValue();
    const post = (form: Record<string, string>) => page.request.post(`${origin}/admin/channel/rollback`, { form: { csrf, ...form }, headers: { origin }, maxRedirects: 0 });
    expect((await post({ w: 'slack:TOTHER', c: 'C9', version: '0' })).status()).toBe(404);
    expect((await post({ w: 'slack:T0FAKE', c: 'C9', version: '1' })).status()).toBe(400);
    const other = await t.database.sql`select version from channel_settings where workspace_id = 'TOTHER'`;
    expect(other.map((r) => r.version)).toEqual([1]);
    await context.close();
  }, 90_000);

  it("lists the workspace's MCP servers read-only: the address without its query, header names but never their values", async () => {
    const { context, page } = await newPage();
    await signInAsLinkedAdmin(page);
    // No server yet: no MCP entry in the navigation.
    await page.goto(`${origin}/admin/usage?w=slack:T0FAKE`);
    expect(await page.getByRole('link', { name: 'MCP servers' }).count()).toBe(0);
    const sealed = 'SEALED-VALUE-NEVER-SHOWN';
    const add = (workspaceId: string, name: string, url: string) =>
      addMcpServer(t.database.sql, { platform: 'slack', workspaceId }, { name, transport: 'http', url, command: null, headerNames: ['Authorization'], headersSealed: sealed, createdBy: 'Ada (UADA)' });
    await add('T0FAKE', 'tracker', 'https://mcp.example.com/mcp?token=secret-in-query');
    await add('TOTHER', 'other-teams', 'https://other.example.com/mcp');
    await markMcpTool(t.database.sql, { platform: 'slack', workspaceId: 'T0FAKE' }, 'tracker', 'close_issue', 'approve');
    await page.goto(`${origin}/admin/usage?w=slack:T0FAKE`);
    await page.getByRole('link', { name: 'MCP servers' }).click();
    const listing = (await page.getByRole('table', { name: 'MCP servers' }).textContent())!;
    expect(listing).toContain('tracker');
    expect(listing).toContain('https://mcp.example.com/mcp?…');
    expect(listing).toContain('Authorization');
    expect(listing).toContain('close_issue: approve');
    const content = await page.content();
    for (const hidden of [sealed, 'secret-in-query', 'other-teams']) expect(content).not.toContain(hidden);
    expect(await axeViolations(page)).toEqual([]);
    await context.close();
  }, 90_000);

  it('refuses a state-changing post without the CSRF token, or from another origin', async () => {
    const { context, page } = await newPage();
    await signInAsLinkedAdmin(page);
    await page.goto(`${origin}/admin/channels?w=slack:T0FAKE`);
    const csrf = await page.locator('input[name=csrf]').first().inputValue();
    const before = await t.database.sql`select count(*)::int as n from channel_settings`;
    const form = { w: 'slack:T0FAKE', c: 'C1', version: '2' };
    const noToken = await page.request.post(`${origin}/admin/channel/rollback`, { form, headers: { origin }, maxRedirects: 0 });
    expect(noToken.status()).toBe(403);
    const elsewhere = await page.request.post(`${origin}/admin/channel/rollback`, { form: { ...form, csrf }, headers: { origin: 'http://evil.example' }, maxRedirects: 0 });
    expect(elsewhere.status()).toBe(403);
    const signOut = await page.request.post(`${origin}/admin/sign-out`, { form: {}, headers: { origin }, maxRedirects: 0 });
    expect(signOut.status()).toBe(403);
    expect(await t.database.sql`select count(*)::int as n from channel_settings`).toEqual(before);
    // The same post with the token from the console's own origin goes through.
    const ok = await page.request.post(`${origin}/admin/channel/rollback`, { form: { ...form, csrf }, headers: { origin }, maxRedirects: 0 });
    expect(ok.status()).toBe(303);
    await context.close();
  }, 90_000);

  it('links the Slack user Sign in with Slack vouches for, with no code', async () => {
    const { context, page } = await newPage();
    await signIn(page, 'bea', 'Slack');
    const links = await t.database.sql`select l.platform, l.workspace_id, l.user_id from console_links l join console_accounts a on a.id = l.account_id where a.subject = 'bea'`;
    expect(links).toEqual([{ platform: 'slack', workspace_id: 'T0FAKE', user_id: 'UBEA' }]);
    await page.getByRole('heading', { name: 'Your usage, last 14 days' }).waitFor();
    expect(await page.getByRole('link', { name: 'Channels' }).count()).toBe(0);
    await context.close();
  }, 90_000);

  it('refuses a callback it did not start, and one whose state is not the one it sent', async () => {
    const { context, page } = await newPage();
    const stray = await page.goto(`${origin}/admin/auth/callback?code=abc&state=xyz`);
    expect(stray!.status()).toBe(400);
    await page.getByText('started in another browser').waitFor();
    // A sign-in started here (its pending cookie set), answered with another state: openid-client's check refuses it.
    await page.goto(`${origin}/admin/sign-in`);
    await page.getByRole('link', { name: 'Sign in with Acme SSO' }).click();
    await page.locator('input[name=login]').waitFor();
    await page.goto(`${origin}/admin/auth/callback?code=stolen-code&state=forged`);
    await page.getByText('did not check out').waitFor();
    expect(await context.cookies().then((c) => c.filter((k) => k.name === 'xiaoliu-session'))).toEqual([]);
    await context.close();
  }, 90_000);
});
