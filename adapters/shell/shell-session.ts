import { randomUUID } from 'node:crypto';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { Writable } from 'node:stream';
import type { Redis } from 'ioredis';
import type { InboundMessage } from '../../src/domain/inbound-message.js';
import { queuedStatus } from '../../src/ingress/herald.js';
import type { Ingress } from '../../src/ingress/ingress.js';
import type { RelayEvent, RelayedFile } from '../../src/relay/relay-events.js';
import { RelayHub } from '../../src/relay/relay-hub.js';
import { formatBytes } from '../../src/attachments/format-bytes.js';
import type { InboundAttachment } from '../../src/domain/inbound-message.js';
import type { Sql } from '../../src/store/database.js';
import { saveUpload } from '../../src/store/uploads.js';
import { shellChannel } from './shell-egress.js';

export interface ShellSessionOptions {
  /** A connection of its own: it is put in subscriber mode. */
  subscriber: Redis;
  ingress: Ingress;
  prefix: string;
  /** The machine, as the conversation's workspace. */
  workspaceId: string;
  /** `<user>.<session name>`: one conversation per named session, resumed across restarts. */
  channelId: string;
  user: { id: string; name: string };
  output: Writable;
  /** Where attached files (long answers, documents) are saved. */
  filesDir: string;
  /** Whether the output is a terminal that understands cursor control. */
  tty: boolean;
  /** How long to wait for an answer before giving the prompt back. */
  answerTimeoutMs?: number;
  /** Where `/attach` holds a file for the worker (the uploads table), and the largest it sends; without it, no `/attach`. */
  uploads?: { sql: Sql; maxFileBytes: number };
}

const BOT = 'xiaoliu> ';
const THINKING = '\x1b[2mthinking…\x1b[22m';

/** "in line: 3 messages ahead of yours…", for a line of the terminal's own. */
function queuedLine(ahead: number | null): string {
  return queuedStatus(ahead ?? undefined).replace(/^is /, '');
}

/**
 * The terminal's side of the shell adapter: sends each line through the same queue as Slack and Discord, and prints
 * the answer as the workers relay it (src/relay/): each streamed piece is written as it comes.
 */
export class ShellSession {
  private readonly hub: RelayHub;
  /** The message being written, if any. */
  private current: string | undefined;
  /** Whether the dim "thinking…" is showing, to be replaced by the first words (on a terminal only). */
  private thinking = false;
  private waiting = new Map<string, () => void>();
  /** The question whose place in line was printed: once is enough on a terminal. */
  private queuedShown: string | undefined;
  /** Files attached with `/attach`, sent with the next message. */
  private pending: InboundAttachment[] = [];

  constructor(private readonly options: ShellSessionOptions) {
    this.hub = new RelayHub(options.subscriber);
  }

  async start(): Promise<void> {
    const { prefix, workspaceId, channelId } = this.options;
    await this.hub.listen(shellChannel(prefix, workspaceId, channelId), (event) => void this.render(event));
  }

  /**
   * `/attach PATH`: holds a file (an image, a PDF, a document, code) to go with the next message, as a file attached in
   * Slack would. Its size is checked before it is read; what it is, the worker tells from its bytes.
   */
  async attach(path: string): Promise<void> {
    const { uploads, workspaceId, user } = this.options;
    if (!uploads) return this.write('(files cannot be attached here)\n');
    try {
      const info = await stat(path);
      if (!info.isFile()) return this.write(`(${path} is not a file)\n`);
      if (info.size > uploads.maxFileBytes) {
        return this.write(`(${path} is ${formatBytes(info.size)}, over the ${formatBytes(uploads.maxFileBytes)} limit for files: ATTACHMENT_MAX_BYTES)\n`);
      }
      const data = await readFile(path);
      this.pending.push(await saveUpload(uploads.sql, { platform: 'shell', workspaceId, userId: user.id }, { name: basename(path), mimeType: 'application/octet-stream', data }));
      this.write(`📎 ${basename(path)} (${formatBytes(data.length)}) goes with your next message\n`);
    } catch (error) {
      this.write(`(could not attach ${path}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message})\n`);
    }
  }

  /** Sends one line (with the files attached since the last) and resolves once its answer is complete (or the wait times out). */
  async ask(text: string): Promise<void> {
    const { workspaceId, channelId, user } = this.options;
    const attachments = this.pending;
    this.pending = [];
    const message: InboundMessage = {
      v: 1,
      id: `shell-${randomUUID()}`,
      platform: 'shell',
      kind: 'dm',
      address: { workspaceId, channelId },
      author: { id: user.id, name: user.name, isBot: false },
      text,
      attachments,
      sentAt: new Date().toISOString(),
    };
    const answered = new Promise<void>((resolve) => this.waiting.set(message.id, resolve));
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        this.write('\n(no answer yet: is a worker running? It will appear here when ready.)\n');
        resolve();
      }, this.options.answerTimeoutMs ?? 300_000);
    });
    // Typed lines are never sent again: wait out a Redis outage.
    await this.options.ingress.submit(message, { receivedAt: performance.now(), ifRedisDown: 'wait' });
    await Promise.race([answered, timeout]);
    clearTimeout(timer);
    this.waiting.delete(message.id);
  }

  async close(): Promise<void> {
    await this.hub.close();
  }

  private async render(event: RelayEvent): Promise<void> {
    switch (event.type) {
      case 'open':
        this.begin(event.messageId);
        if (this.options.tty) {
          this.write(THINKING);
          this.thinking = true;
        }
        break;
      case 'append':
        if (event.messageId !== this.current) this.begin(event.messageId);
        this.clearThinking();
        this.write(event.text);
        if (event.text) this.hasText = true;
        break;
      case 'post':
        this.begin(event.messageId);
        this.write(event.text);
        this.hasText = true;
        break;
      case 'edit':
        // A message's whole text again (an error, or a retried attempt writing anew): redrawn in place on a terminal.
        if (event.messageId === this.current && this.options.tty) {
          this.write(`\r\x1b[J${BOT}${event.text}`);
          this.thinking = false;
        } else {
          this.write('\n');
          this.current = undefined;
          this.begin(event.messageId);
          this.write(event.text);
        }
        break;
      case 'file':
        await this.save(event.file);
        break;
      case 'queued':
        // Once, on a line of its own, before any answer: the terminal's sign that the question waits in line.
        if (this.current !== undefined || this.queuedShown === event.deliveryId) break;
        this.queuedShown = event.deliveryId;
        this.write(this.options.tty ? `\x1b[2m(${queuedLine(event.ahead)})\x1b[22m\n` : `(${queuedLine(event.ahead)})\n`);
        break;
      case 'activity':
        // What Xiaoliu is doing before the answer starts (searching the web, reading a page), each on a line of its
        // own above the answer's prompt; once the answer's text shows, it speaks for itself.
        if (this.hasText) break;
        if (this.current !== undefined) this.write(this.options.tty ? '\r\x1b[J' : '\n');
        this.write(this.options.tty ? `\x1b[2m(${event.text})\x1b[22m\n` : `(${event.text})\n`);
        if (this.current !== undefined) this.write(this.thinking ? `${BOT}${THINKING}` : BOT);
        break;
      case 'done':
        this.write('\n');
        this.current = undefined;
        this.thinking = false;
        this.waiting.get(event.deliveryId)?.();
        break;
    }
  }

  /** Starts a message of Xiaoliu's on a line of its own. */
  private begin(messageId: string): void {
    if (this.current !== undefined) this.write('\n');
    this.write(BOT);
    this.current = messageId;
    this.hasText = false;
  }

  /** Whether the message begun last shows text of its own yet. */
  private hasText = false;

  private clearThinking(): void {
    if (!this.thinking) return;
    this.write(`\r\x1b[J${BOT}`);
    this.thinking = false;
  }

  private async save(file: RelayedFile): Promise<void> {
    if (file.dataBase64 === undefined) return;
    await mkdir(this.options.filesDir, { recursive: true });
    const path = join(this.options.filesDir, `${Date.now()}-${file.filename.replace(/[^\w.-]/g, '_')}`);
    await writeFile(path, Buffer.from(file.dataBase64, 'base64'));
    this.write(`\n📎 ${file.comment ?? file.filename} saved to ${path}`);
  }

  private write(text: string): void {
    this.options.output.write(text);
  }
}
