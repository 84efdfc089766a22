import type { InboundAttachment } from '../../src/domain/inbound-message.js';

/** What a message event's `files[]` entry carries that matters here (Slack's file object). */
export interface SlackFile {
  name?: string;
  mimetype?: string;
  size?: number;
  url_private?: string;
  url_private_download?: string;
}

/**
 * The files shared in a message, as attachments. The link is `url_private_download`, Slack's download URL, which
 * answers with the file itself; `url_private` answers a PDF (and every file on Enterprise Grid) with a redirect to
 * another Slack file host, so it is the fallback only (https://docs.slack.dev/reference/objects/file-object).
 */
export function slackAttachments(files: readonly SlackFile[] | undefined): InboundAttachment[] {
  // Fields are checked, not trusted: the event is JSON from the network.
  const text = (value: unknown) => (typeof value === 'string' && value !== '' ? value : undefined);
  return (files ?? [])
    .filter((f): f is SlackFile => typeof f === 'object' && f !== null)
    .map((f) => ({
      name: text(f.name) ?? 'file',
      mimeType: text(f.mimetype) ?? 'application/octet-stream',
      size: typeof f.size === 'number' && f.size >= 0 ? f.size : 0,
      url: text(f.url_private_download) ?? text(f.url_private) ?? '',
    }));
}
