import { PLACEHOLDER } from '../../src/render/reply-writer.js';
import type { HttpEvent } from './http-events.js';

/** A file an answer attached, as the API shows it. */
export interface AnswerFile {
  id: string;
  filename: string;
  mime_type: string;
  size: number;
  url: string;
}

/** What a streaming client is told as the answer grows. */
export interface AnswerListener {
  /** More text at the end of what was sent so far. */
  delta(text: string): void;
  /** The text changed other than by growing (a retried model call rewrote it): show this instead. */
  replace(text: string): void;
  file(file: AnswerFile): void;
}

/**
 * Turns the worker's posts and edits of one answer into appends, replacements and files, and resolves `done` when
 * the worker says the answer is complete. Part 0 is the message that streams; with one part per answer, a long
 * answer ends as a head in part 0 and the whole text as a file.
 */
export class AnswerCollector {
  /** The text of part 0 as last shown. */
  text = '';
  readonly files: AnswerFile[] = [];
  readonly done: Promise<void>;
  private resolveDone!: () => void;

  constructor(private readonly listener?: AnswerListener) {
    this.done = new Promise((resolve) => (this.resolveDone = resolve));
  }

  onEvent(event: HttpEvent): void {
    switch (event.type) {
      case 'post':
      case 'edit': {
        if (event.part !== 0) {
          // Not produced while maxParts is 1; kept so a larger limit later degrades to appending.
          this.show(`${this.text}\n\n${event.text}`);
          return;
        }
        this.show(event.text === PLACEHOLDER ? '' : event.text);
        return;
      }
      case 'file': {
        const file = { id: event.id, filename: event.filename, mime_type: event.mimeType, size: event.size, url: `/v1/files/${event.id}` };
        this.files.push(file);
        this.listener?.file(file);
        return;
      }
      case 'done':
        this.resolveDone();
    }
  }

  private show(text: string): void {
    if (text === this.text) return;
    if (text.startsWith(this.text)) this.listener?.delta(text.slice(this.text.length));
    else this.listener?.replace(text);
    this.text = text;
  }
}
