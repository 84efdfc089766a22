import { randomUUID } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import type { Redis } from 'ioredis';
import type { InboundMessage } from '../../src/domain/inbound-message.js';
import type { InboundProducer } from '../../src/queue/inbound-queue.js';
import { PLACEHOLDER } from '../../src/render/reply-writer.js';
import { shellChannel, type ShellEvent } from './shell-events.js';

export interface ShellSessionOptions {
  /** A connection of its own: it is put in subscriber mode. */
  subscriber: Redis;
  producer: InboundProducer;
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
}

const BOT = 'xiaoliu> ';

/**
 * The terminal's side of the shell adapter: sends each line through the same queue as Slack and Discord, and prints
 * the posts and edits the workers publish, so the answer streams in place.
 */
export class ShellSession {
  private lastId: string | undefined;
  private lastText = '';
  private waiting = new Map<string, () => void>();

  constructor(private readonly options: ShellSessionOptions) {}

  async start(): Promise<void> {
    const { subscriber, prefix, workspaceId, channelId } = this.options;
    subscriber.on('message', (_channel: string, raw: string) => {
      void this.render(JSON.parse(raw) as ShellEvent);
    });
    await subscriber.subscribe(shellChannel(prefix, workspaceId, channelId));
  }

  /** Sends one line and resolves once its answer is complete (or the wait times out). */
  async ask(text: string): Promise<void> {
    const { workspaceId, channelId, user } = this.options;
    const message: InboundMessage = {
      v: 1,
      id: `shell-${randomUUID()}`,
      platform: 'shell',
      kind: 'dm',
      address: { workspaceId, channelId },
      author: { id: user.id, name: user.name, isBot: false },
      text,
      attachments: [],
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
    await this.options.producer.enqueue(message, { patient: true });
    await Promise.race([answered, timeout]);
    clearTimeout(timer);
    this.waiting.delete(message.id);
  }

  async close(): Promise<void> {
    await this.options.subscriber.quit().catch(() => {});
  }

  private async render(event: ShellEvent): Promise<void> {
    switch (event.type) {
      case 'post':
        if (this.lastId !== undefined) this.write('\n');
        this.write(BOT + this.show(event.text));
        this.lastId = event.messageId;
        this.lastText = event.text;
        break;
      case 'edit':
        if (event.messageId === this.lastId && event.text.startsWith(this.lastText) && this.lastText !== PLACEHOLDER) {
          this.write(event.text.slice(this.lastText.length));
        } else if (event.messageId === this.lastId && this.options.tty) {
          // Redraw in place: the placeholder, or text a retried attempt is writing again.
          this.write(`\r\x1b[J${BOT}${event.text}`);
        } else {
          this.write(`\n${BOT}${event.text}`);
        }
        this.lastId = event.messageId;
        this.lastText = event.text;
        break;
      case 'upload': {
        await mkdir(this.options.filesDir, { recursive: true });
        const path = join(this.options.filesDir, `${Date.now()}-${event.filename.replace(/[^\w.-]/g, '_')}`);
        await writeFile(path, Buffer.from(event.dataBase64, 'base64'));
        this.write(`\n📎 ${event.comment ?? event.filename} saved to ${path}`);
        break;
      }
      case 'done':
        this.write('\n');
        this.lastId = undefined;
        this.lastText = '';
        this.waiting.get(event.deliveryId)?.();
        break;
    }
  }

  private show(text: string): string {
    return text === PLACEHOLDER && this.options.tty ? '\x1b[2mthinking…\x1b[22m' : text;
  }

  private write(text: string): void {
    this.options.output.write(text);
  }
}
