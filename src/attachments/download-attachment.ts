import { UserFacingError } from '../domain/errors.js';
import type { InboundAttachment } from '../domain/inbound-message.js';
import { isAllowedOrigin } from './allowed-origin.js';
import { formatBytes } from './format-bytes.js';

export interface DownloadOptions {
  /**
   * Origins (`https://cdn.discordapp.com`, or `https://*.slack.com` for a domain and its subdomains) the file may
   * come from, or be redirected to. A URL anywhere else is refused before any request, so credentials in `headers`
   * reach only the platform's own file hosts.
   */
  allowedOrigins: readonly string[];
  /** Sent with the request (the bot token, for Slack). */
  headers?: Record<string, string>;
  maxBytes: number;
  /** The platform, for messages ("Slack"). */
  platform: string;
  signal?: AbortSignal;
  /** Longest a download may take (default 30 s). */
  timeoutMs?: number;
}

// Slack serves a file from several hosts and redirects between them (url_private of a PDF, every file on Enterprise
// Grid); more hops than this is a loop.
const MAX_REDIRECTS = 3;
const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/**
 * Fetches an attached file, never more than `maxBytes` of it: a declared size over the limit is refused before the
 * request, a Content-Length over it before the body, and a body that keeps coming is cut off as soon as it passes
 * the limit. Redirects are followed by hand, and only to allowed origins, with the same headers: fetch would drop
 * the credentials on a redirect to another host (so Slack's second host answers its sign-in page), or, worse,
 * carry them anywhere. A redirect elsewhere is refused without a request there.
 */
export async function downloadAttachment(attachment: InboundAttachment, options: DownloadOptions): Promise<Buffer> {
  const { maxBytes, platform } = options;
  const name = `\`${attachment.name.replace(/`/g, "'")}\``;
  const tooLarge = (size?: number) =>
    new UserFacingError(`${name} is ${size === undefined ? 'larger than' : `${formatBytes(size)}, over`} the ${formatBytes(maxBytes)} limit for files.`);
  let url: URL;
  try {
    url = new URL(attachment.url);
  } catch {
    throw new UserFacingError(`I could not download ${name}: ${platform} gave no link to it.`);
  }
  if (!isAllowedOrigin(url, options.allowedOrigins)) {
    throw new UserFacingError(`I did not download ${name}: it is not on ${platform}'s own file servers, and I only fetch files from there.`);
  }
  if (attachment.size > maxBytes) throw tooLarge(attachment.size);

  const timeout = AbortSignal.timeout(options.timeoutMs ?? 30_000);
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
  let response: Response;
  for (let hops = 0; ; hops++) {
    response = await fetch(url, { headers: options.headers ?? {}, redirect: 'manual', signal });
    if (!REDIRECTS.has(response.status)) break;
    await response.body?.cancel();
    const from = placeOf(url);
    const next = parseUrl(response.headers.get('location'), url);
    if (!next) throw new Error(`${platform} redirected ${from} without a usable Location`);
    if (hops >= MAX_REDIRECTS) throw new Error(`${platform} sent ${from} through more than ${MAX_REDIRECTS} redirects: not followed further`);
    if (!isAllowedOrigin(next, options.allowedOrigins)) {
      throw new Error(`${platform} redirected ${from} to ${next.origin}, which is not one of its file hosts: not followed, so nothing is sent there`);
    }
    url = next;
  }
  const where = placeOf(url);
  if (!response.ok) {
    await response.body?.cancel();
    throw new Error(`downloading ${where} failed: HTTP ${response.status}`);
  }
  // Slack answers a token without files:read with its sign-in page, as 200: not the file.
  const type = response.headers.get('content-type') ?? '';
  if (type.startsWith('text/html') && !attachment.mimeType.startsWith('text/html')) {
    await response.body?.cancel();
    throw new Error(`${platform} answered ${where} with a web page, not the file: does the app have permission to read files (Slack: files:read)?`);
  }
  const declared = Number(response.headers.get('content-length') ?? Number.NaN);
  if (declared > maxBytes) {
    await response.body?.cancel();
    throw tooLarge(declared);
  }
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = response.body?.getReader();
  for (;;) {
    const next = await reader?.read();
    if (!next || next.done) break;
    total += next.value.byteLength;
    if (total > maxBytes) {
      // Stop reading: the rest is never downloaded.
      await reader!.cancel();
      throw tooLarge();
    }
    chunks.push(next.value);
  }
  return Buffer.concat(chunks);
}

/** A URL for logs: origin and path, no query (it may carry a signature) and no user name. */
function placeOf(url: URL): string {
  return `${url.origin}${url.pathname}`;
}

/** A redirect's Location, resolved against the URL that sent it; undefined when there is none or it is not a URL. */
function parseUrl(location: string | null, base: URL): URL | undefined {
  if (!location) return undefined;
  try {
    return new URL(location, base);
  } catch {
    return undefined;
  }
}
