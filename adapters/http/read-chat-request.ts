import type { IncomingMessage } from 'node:http';
import { ApiError } from './http-io.js';
import type { HttpApiConfig } from './http-config.js';

/** A file sent with a question. */
export interface UploadedFile {
  name: string;
  mimeType: string;
  data: Buffer;
}

/** What POST /v1/chat asks. */
export interface ChatRequestBody {
  message: string;
  conversationId: string | undefined;
  files: UploadedFile[];
}

/** Most files one request may carry (the worker reads at most ten per message, and names the rest). */
const MAX_FILES = 10;

/**
 * Reads POST /v1/chat's body: JSON (`{ message, conversation_id?, files?: [{ name, data: base64, mime_type? }] }`) or
 * multipart/form-data (fields `message` and `conversation_id`, one `file` part per file, as a browser's form or
 * `curl -F file=@shot.png` sends them). A JSON body, base64 files and all, is held to HTTP_MAX_BODY_BYTES as before
 * (raise it for larger base64 files); a multipart body may be HTTP_MAX_BODY_BYTES plus ATTACHMENT_MAX_BYTES of files.
 * A declared length over the limit is refused before the body is read, and one that grows past it is cut off.
 */
export async function readChatRequest(req: IncomingMessage, config: HttpApiConfig): Promise<ChatRequestBody> {
  const type = req.headers['content-type'] ?? '';
  const multipart = /^multipart\/form-data\b/i.test(type);
  if (!multipart && !/^application\/json\b/i.test(type)) {
    req.resume();
    throw new ApiError(415, 'unsupported_media_type', 'Send the body as JSON ("Content-Type: application/json") or as multipart/form-data with files.');
  }
  const cap = multipart ? config.maxBodyBytes + config.maxUploadBytes + 4096 : config.maxBodyBytes;
  const raw = await readCapped(req, cap);
  const parsed = multipart ? await fromMultipart(raw, type) : fromJson(raw);
  const fileBytes = parsed.files.reduce((n, f) => n + f.data.length, 0);
  if (fileBytes > config.maxUploadBytes) {
    throw new ApiError(413, 'files_too_large', `The files are ${fileBytes} bytes together, more than the ${config.maxUploadBytes} allowed (ATTACHMENT_MAX_BYTES).`);
  }
  if (parsed.files.length > MAX_FILES) throw new ApiError(400, 'too_many_files', `Send at most ${MAX_FILES} files with one message.`);
  return { ...checked(parsed.body, config), files: parsed.files };
}

const tooLarge = (bytes: number) => new ApiError(413, 'payload_too_large', `The request body is larger than ${bytes} bytes.`, { connection: 'close' });

async function readCapped(req: IncomingMessage, cap: number): Promise<Buffer> {
  if (Number(req.headers['content-length'] ?? 0) > cap) throw tooLarge(cap);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > cap) throw tooLarge(cap);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

function fromJson(raw: Buffer): { body: Record<string, unknown>; files: UploadedFile[] } {
  let body: unknown;
  try {
    body = JSON.parse(raw.toString('utf8'));
  } catch {
    throw new ApiError(400, 'invalid_json', 'The request body is not valid JSON.');
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new ApiError(400, 'invalid_request', 'The body must be a JSON object: { "message": "…", "conversation_id"?: "…", "files"?: […] }.');
  }
  const given = (body as Record<string, unknown>).files;
  if (given !== undefined && !Array.isArray(given)) throw new ApiError(400, 'invalid_request', '"files" must be a list of { "name", "data" (base64) }.');
  const files = (given ?? []).map((f: unknown, i: number): UploadedFile => {
    const { name, data, mime_type: mimeType } = (f ?? {}) as Record<string, unknown>;
    if (typeof name !== 'string' || !name.trim() || typeof data !== 'string' || !/^[A-Za-z0-9+/=\s_-]*$/.test(data)) {
      throw new ApiError(400, 'invalid_request', `files[${i}] needs "name" (a string) and "data" (the file's bytes in base64).`);
    }
    return { name: name.trim().slice(0, 255), mimeType: typeof mimeType === 'string' ? mimeType : 'application/octet-stream', data: Buffer.from(data, 'base64') };
  });
  return { body: body as Record<string, unknown>, files };
}

/** A multipart body, parsed by the runtime's own Fetch implementation (undici's FormData parser). */
async function fromMultipart(raw: Buffer, type: string): Promise<{ body: Record<string, unknown>; files: UploadedFile[] }> {
  let form: FormData;
  try {
    form = await new Response(raw, { headers: { 'content-type': type } }).formData();
  } catch {
    throw new ApiError(400, 'invalid_multipart', 'The multipart body could not be parsed.');
  }
  const files: UploadedFile[] = [];
  const body: Record<string, unknown> = {};
  for (const [field, value] of form.entries()) {
    if (typeof value === 'string') {
      if (field === 'message' || field === 'conversation_id') body[field] = value;
    } else if (field === 'file' || field === 'files') {
      files.push({ name: (value.name || 'file').slice(0, 255), mimeType: value.type || 'application/octet-stream', data: Buffer.from(await value.arrayBuffer()) });
    }
  }
  return { body, files };
}

function checked(body: Record<string, unknown>, config: HttpApiConfig): { message: string; conversationId: string | undefined } {
  const { message, conversation_id: conversationId } = body;
  if (typeof message !== 'string' || message.trim() === '') {
    throw new ApiError(400, 'invalid_request', '"message" must be a non-empty string.');
  }
  if (message.length > config.maxMessageChars) {
    throw new ApiError(413, 'message_too_long', `"message" is longer than ${config.maxMessageChars} characters.`);
  }
  if (conversationId !== undefined && conversationId !== null && typeof conversationId !== 'string') {
    throw new ApiError(400, 'invalid_request', '"conversation_id" must be a string returned by an earlier answer.');
  }
  return { message: message.trim(), conversationId: (conversationId as string | null | undefined) ?? undefined };
}
