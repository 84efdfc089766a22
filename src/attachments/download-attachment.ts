import { UserFacingError } from '../domain/errors.js';
import type { InboundAttachment } from '../domain/inbound-message.js';
import { formatBytes } from './format-bytes.js';

export interface DownloadOptions {
  /**
   * Origins (`https://files.slack.com`) the file may come from. A URL anywhere else is refused before any request,
   * so credentials in `headers` reach only the platform's own file hosts.
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

/**
 * Fetches an attached file, never more than `maxBytes` of it: a declared size over the limit is refused before the
 * request, a Content-Length over it before the body, and a body that keeps coming is cut off as soon as it passes
 * the limit. Redirects are refused, not followed: a redirect could carry the credentials to another host.
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
  if (!options.allowedOrigins.includes(url.origin)) {
    throw new UserFacingError(`I did not download ${name}: it is not on ${platform}'s own file servers, and I only fetch files from there.`);
  }
  if (attachment.size > maxBytes) throw tooLarge(attachment.size);

  const timeout = AbortSignal.timeout(options.timeoutMs ?? 30_000);
  const response = await fetch(url, {
    headers: options.headers ?? {},
    redirect: 'error',
    signal: options.signal ? AbortSignal.any([options.signal, timeout]) : timeout,
  });
  const where = `${url.origin}${url.pathname}`; // no query: it may carry a signature
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
