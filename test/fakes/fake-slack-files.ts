// Slack's file hosts, for the fake Slack: files someone shared, served at their `url_private` and
// `url_private_download` with the bot token, the way Slack serves them — redirects included.
//
// Slack serves one file from several hosts: `url_private` and `url_private_download` on files.slack.com, and other
// Slack hosts (slack-files.com, files-origin.slack.com) that `url_private` can redirect to. The fake serves them all
// on its own origin, as it serves slack.com/api there too; the other host is the path /files-origin/.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { presentedToken } from './fake-slack-wire.js';

/** A file as a message event lists it (`files[]`). */
export interface HostedFile {
  id: string;
  name: string;
  mimetype: string;
  size: number;
  url_private: string;
  url_private_download: string;
}

/** Every request for a hosted file's bytes (redirects aside), and whether it presented the bot token. */
export interface FileDownload {
  fileId: string;
  authorized: boolean;
}

/** Every request to a file URL, redirects included: which URL was asked for and how the fake answered. */
export interface FileRequest {
  fileId: string;
  /** Which of the file's URLs: url_private, url_private_download, or the other Slack host url_private sent it to. */
  url: 'url_private' | 'url_private_download' | 'files-origin';
  authorized: boolean;
  status: number;
}

export interface FakeSlackFilesOptions {
  /** When set, only requests presenting it get the bytes. */
  botToken?: string;
  teamId: string;
  /**
   * An Enterprise Grid workspace: `url_private` of every file answers with a redirect to another Slack file host
   * (not only PDFs). Default false.
   */
  enterpriseGrid?: boolean;
}

const FILE_PATH = /^\/(files-pri|files-origin)\/[A-Z0-9]+-(F[A-Z0-9]+)\/(download\/)?[^/]+$/;

export class FakeSlackFiles {
  readonly downloads: FileDownload[] = [];
  readonly requests: FileRequest[] = [];
  private readonly files = new Map<string, { bytes: Buffer; mimetype: string }>();

  constructor(
    private readonly baseUrl: () => string,
    private readonly options: FakeSlackFilesOptions,
  ) {}

  host({ name, mimetype = 'text/plain', content, size }: { name: string; mimetype?: string; content: Buffer | string; size?: number }): HostedFile {
    const bytes = Buffer.isBuffer(content) ? content : Buffer.from(content, 'utf8');
    const id = `F${(this.files.size + 1).toString(36).toUpperCase().padStart(8, '0')}`;
    this.files.set(id, { bytes, mimetype });
    const path = `${this.options.teamId}-${id}`;
    const file = encodeURIComponent(name);
    return {
      id,
      name,
      mimetype,
      size: size ?? bytes.length,
      url_private: `${this.baseUrl()}/files-pri/${path}/${file}`,
      url_private_download: `${this.baseUrl()}/files-pri/${path}/download/${file}`,
    };
  }

  /** Serves a file URL; false when the path is not one. */
  handle(req: IncomingMessage, res: ServerResponse, path: string): boolean {
    const match = FILE_PATH.exec(path);
    if (!match || req.method !== 'GET') return false;
    const [, host, fileId, download] = match as unknown as [string, string, string, string | undefined];
    const url = host === 'files-origin' ? 'files-origin' : download ? 'url_private_download' : 'url_private';
    const authorized = this.options.botToken === undefined || presentedToken(req, {}) === this.options.botToken;
    const file = this.files.get(fileId);
    const answer = (status: number) => this.requests.push({ fileId, url, authorized, status });

    if (!file) {
      answer(404);
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('file not found');
      return true;
    }
    // url_private answers a PDF, and on Enterprise Grid every file, with a 302 to another Slack file host:
    // slack-files.com for PDFs, files-origin.slack.com on Grid. url_private_download answers with the bytes.
    // Slack's file object documents both URLs (https://docs.slack.dev/reference/objects/file-object); the redirects
    // are not documented there, and were measured against live Slack:
    // https://github.com/curie-eng/curie/issues/2715 (PDF: url_private 302 to slack-files.com as text/html,
    // url_private_download 200 application/pdf) and https://github.com/NousResearch/hermes-agent/pull/114483
    // (Enterprise Grid: files.slack.com 302 to files-origin.slack.com; a second hop without the token gets the
    // sign-in page).
    if (url === 'url_private' && (file.mimetype === 'application/pdf' || this.options.enterpriseGrid)) {
      answer(302);
      const rest = path.replace(/^\/files-pri\//, '/files-origin/');
      res.writeHead(302, { location: `${this.baseUrl()}${rest}`, 'content-type': 'text/html; charset=utf-8' });
      res.end('<html><body>Moved</body></html>');
      return true;
    }
    answer(200);
    this.downloads.push({ fileId, authorized });
    // Without the token (or with one lacking files:read) Slack answers its sign-in page, as 200 HTML.
    if (!authorized) {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end('<!DOCTYPE html><html><body>Sign in to Fake Workspace</body></html>');
      return true;
    }
    res.writeHead(200, { 'content-type': file.mimetype || 'application/octet-stream', 'content-length': String(file.bytes.length) });
    res.end(file.bytes);
    return true;
  }
}
