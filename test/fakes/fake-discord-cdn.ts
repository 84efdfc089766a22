// Attachment URLs (the CDN's part of Discord): a stored file's bytes, served on the fake's own host, no token needed.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FakeWorld } from './fake-discord-model.js';

export interface AttachmentDownload {
  path: string;
  /** Whether the GET carried an Authorization header (Discord's CDN needs none). */
  withAuthorization: boolean;
}

/** Serves `/attachments/{channel}/{attachment}/{name}` and returns true, or returns false for any other request. */
export function serveAttachment(
  world: FakeWorld,
  origin: string,
  downloads: AttachmentDownload[],
  req: IncomingMessage,
  res: ServerResponse,
): boolean {
  const path = new URL(req.url ?? '/', origin).pathname;
  const match = /^\/attachments\/(\d+)\/(\d+)\/[^/]+$/.exec(path);
  if (!match || req.method !== 'GET') return false;
  downloads.push({ path, withAuthorization: req.headers.authorization !== undefined });
  const file = world
    .stored(match[1]!)
    .map((m) => ({ m, index: (m.message.attachments as { id: string }[]).findIndex((a) => a.id === match[2]) }))
    .find(({ index }) => index >= 0);
  const loose = world.interactionFiles.get(match[2]!);
  if (!file && loose) {
    res.writeHead(200, { 'content-type': loose.contentType, 'content-length': String(loose.data.length) });
    res.end(loose.data);
    return true;
  }
  const data = file?.m.files[file.index]?.data;
  if (!file || !data) {
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end('not found');
    return true;
  }
  res.writeHead(200, { 'content-type': file.m.files[file.index]!.contentType, 'content-length': String(data.length) });
  res.end(data);
  return true;
}
