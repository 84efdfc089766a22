import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SafeHtml } from './html.js';

/**
 * The console's pages allow nothing inline, styles included (unlike the chat page, which has inline styles), and
 * forms may post only back to the console. Charts are SVG in the page itself: no image source is needed beyond 'self'.
 */
export const ADMIN_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/** A request the console refuses, shown as a page with its status. */
export class PageError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export function readCookie(req: IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** How the console's cookies are set: decided once, by the public URL's scheme. */
export interface CookiePolicy {
  /** https: Secure and the `__Host-` prefix (no Domain, Path=/, so no sibling host can set or read it). */
  secure: boolean;
}

export function cookieName(policy: CookiePolicy, base: string): string {
  return policy.secure ? `__Host-${base}` : base;
}

/**
 * A cookie the page's scripts cannot read (HttpOnly), sent on top-level navigations from elsewhere but not on
 * cross-site posts (SameSite=Lax: the identity provider's redirect back is a top-level GET).
 */
export function setCookie(policy: CookiePolicy, name: string, value: string, maxAgeSeconds: number): string {
  return [`${name}=${value}`, 'Path=/', 'HttpOnly', 'SameSite=Lax', `Max-Age=${maxAgeSeconds}`, ...(policy.secure ? ['Secure'] : [])].join('; ');
}

export function clearCookie(policy: CookiePolicy, name: string): string {
  return setCookie(policy, name, '', 0);
}

export function sendPage(res: ServerResponse, status: number, page: SafeHtml, headers: Record<string, string | string[]> = {}): void {
  res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'content-security-policy': ADMIN_CSP,
    'x-content-type-options': 'nosniff',
    // Not no-referrer: under it Chromium sends `Origin: null` on the console's own form posts, which the CSRF check
    // must then refuse. same-origin still gives other sites nothing.
    'referrer-policy': 'same-origin',
    'cache-control': 'no-store',
    ...headers,
  });
  res.end(page.text);
}

/** After a POST, a GET: the browser's back button never posts again. */
export function redirect(res: ServerResponse, location: string, headers: Record<string, string | string[]> = {}): void {
  res.writeHead(303, { location, 'cache-control': 'no-store', ...headers });
  res.end();
}

/** A form post's fields; at most 16 KB (the longest thing posted is a key's name), anything else is refused. */
export async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  const max = 16_384;
  if (!/^application\/x-www-form-urlencoded\b/i.test(req.headers['content-type'] ?? '')) {
    req.resume();
    throw new PageError(415, 'send the form as application/x-www-form-urlencoded.');
  }
  if (Number(req.headers['content-length'] ?? 0) > max) throw new PageError(413, 'the form is too large.');
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > max) throw new PageError(413, 'the form is too large.');
    chunks.push(chunk);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

/**
 * CSRF, twice over: the browser's Origin must be the console's own (every browser sends it on a POST), and the form
 * must carry the session's synchronizer token, which a page on another site cannot read.
 */
export function checkCsrf(req: IncomingMessage, form: URLSearchParams, publicOrigin: string, sessionToken: string): boolean {
  if (req.headers.origin !== publicOrigin) return false;
  const sent = Buffer.from(form.get('csrf') ?? '', 'utf8');
  const expected = Buffer.from(sessionToken, 'utf8');
  return sent.length === expected.length && timingSafeEqual(sent, expected);
}
