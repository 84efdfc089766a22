import { parseRelayMessageId, type RelayEvent } from '../../src/relay/relay-events.js';

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
  /** The text changed other than by growing (an error, or a retried attempt writing anew): show this instead. */
  replace(text: string): void;
  file(file: AnswerFile): void;
  /** The question waits in line, `ahead` questions before it (null: unknown). */
  queued?(ahead: number | null): void;
  /** What Xiaoliu is doing on the way to the answer ("Searching the web for …"). */
  activity?(text: string): void;
  /** A tool call waits for the asker's approval (POST /v1/approvals/{id}/approve or /deny). */
  approval?(id: string, text: string): void;
}

/**
 * Turns the relayed answer of one delivery into appends, replacements and files, and resolves `done` when the worker
 * says the answer is complete. Part 0 is the message that streams; with one part per answer, a long answer ends as a
 * head in part 0 and the whole text as a file.
 */
export class AnswerCollector {
  /** The text of part 0 as shown so far. */
  text = '';
  readonly files: AnswerFile[] = [];
  readonly done: Promise<void>;
  private resolveDone!: () => void;

  constructor(private readonly listener?: AnswerListener) {
    this.done = new Promise((resolve) => (this.resolveDone = resolve));
  }

  onEvent(event: RelayEvent): void {
    switch (event.type) {
      case 'open':
        if (this.text !== '') this.replace('');
        return;
      case 'append':
        return this.grow(event.text);
      case 'post':
      case 'edit':
        // A tool call's approval request: its own event, and in the answer's text, so a JSON client sees it too.
        if (event.type === 'post' && event.approval) {
          this.listener?.approval?.(event.approval, event.text);
          return this.grow(`\n\n${event.text}`);
        }
        // Not produced while maxParts is 1; kept so a larger limit later degrades to appending.
        if (parseRelayMessageId(event.messageId).part !== 0) return this.grow(`\n\n${event.text}`);
        if (this.text === '') return this.grow(event.text);
        if (event.text !== this.text) this.replace(event.text);
        return;
      case 'file': {
        const { id = '', filename, mimeType, size } = event.file;
        const file = { id, filename, mime_type: mimeType, size, url: `/v1/files/${id}` };
        this.files.push(file);
        this.listener?.file(file);
        return;
      }
      case 'queued':
        return this.listener?.queued?.(event.ahead);
      case 'activity':
        return this.listener?.activity?.(event.text);
      case 'done':
        this.resolveDone();
    }
  }

  private grow(text: string): void {
    if (!text) return;
    this.text += text;
    this.listener?.delta(text);
  }

  private replace(text: string): void {
    this.text = text;
    this.listener?.replace(text);
  }
}
