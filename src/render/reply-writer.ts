import type { AnswerControls, EditOptions, Egress, OutboundFile, PostKey } from '../domain/egress.js';
import type { Platform, ReplyAddress } from '../domain/inbound-message.js';
import type { Logger } from '../log/create-logger.js';
import { isDatabaseDown, type Sql } from '../store/database.js';
import { loadReplies, saveReply } from '../store/replies.js';
import { splitMessage } from './split-message.js';

export const PLACEHOLDER = '_Thinking…_';
/** The thread status shown from the start of an answer. */
export const THINKING_STATUS = 'is thinking…';
const CONTINUED = ' …';
/** How long a posted message's record waits for Postgres to come back, and how often it tries. */
const RECORD_PATIENCE_MS = 5 * 60_000;
const RECORD_RECHECK_MS = 1000;
/** The first part number of files attached with `attach`. */
const ATTACHMENT_PART = 100;

/**
 * Everything one answer posts, for one delivery. Each posted message is recorded in Postgres by part number the
 * moment it exists, so a retried job edits the messages it already posted instead of posting them again.
 * While the model streams, part 0 is edited at most once per `editIntervalMs`, or, where the platform streams
 * natively, appended to; the final text is then split into parts, or attached as a file when it would take more
 * than `maxParts` messages.
 * Every call counts against the platform's rate limits, so none is spent on text already shown or about to be: the
 * first preview waits an interval after the placeholder (or the stream) opened, so a short answer finished by then
 * goes out in the one final write (the edit, or the closing chat.stopStream); a placeholder post that waited for the
 * platform carries whatever is known when it goes; and a final text that is already on screen is not sent again.
 */
export class ReplyWriter {
  private posted = new Map<number, string>();
  private loaded = false;
  private latest: string | undefined;
  private shown: string | undefined;
  private lastEditAt = 0;
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> | undefined;
  private finished = false;
  /** The last status shown, so the same one is not sent twice. */
  private statusShown: string | undefined;
  /** The status call in flight, if any. */
  private statusInFlight: Promise<unknown> | undefined;
  /** Set while part 0 is a native stream: the Markdown appended to it so far. */
  private streamed: string | undefined;
  /** The whole answer, once `finish` has it: a placeholder still waiting to be posted carries it instead. */
  private final: string | undefined;
  /** The answer whose buttons part 0 and the last part carry (offerControls); undefined: no buttons. */
  private answerId: string | undefined;
  /** What the finished answer's buttons say: 'stopped' once Stop ended it. */
  private endState: 'done' | 'stopped' = 'done';
  /** The buttons part 0 shows now, so a final text already on screen is not sent again for them alone. */
  private shownControls: AnswerControls['state'] | undefined;
  /** The answer so far, as last streamed: what Stop keeps. */
  private soFar = '';

  constructor(
    private readonly egress: Egress,
    private readonly address: ReplyAddress,
    private readonly deliveryId: string,
    private readonly sql: Sql,
    private readonly log: Logger,
    /** A delivery handled for the first time has posted nothing yet: no need to look. */
    firstTime = false,
    /** Who asked: native streams are addressed to them. */
    private readonly recipientId = '',
  ) {
    this.loaded = firstTime;
    this.retry = !firstTime;
  }

  /** A later attempt of the delivery: a part not recorded may still have been posted by the one before. */
  private readonly retry: boolean;

  /**
   * Puts the answer's buttons on it (src/interactions/): Stop while it streams, Regenerate and 👍 / 👎 once it ends.
   * Called before `start` by the commands whose answers they fit (chat, skills, summarize).
   */
  offerControls(answerId: string): void {
    this.answerId = answerId;
  }

  /** The text streamed so far (what Stop keeps of an answer cut off mid-stream). */
  get textSoFar(): string {
    return this.soFar;
  }

  /** Ends the answer as stopped: what was written so far stays, marked, with Regenerate and feedback under it. */
  async stopped(mark: string): Promise<void> {
    this.endState = 'stopped';
    const kept = this.soFar.trimEnd();
    await this.finish(kept ? `${kept}\n\n${mark}` : mark);
  }

  /** Adds "Remember this" to the answer's buttons once it ends (Claude suggested a memory, src/memory/suggest-memory-tool.ts). */
  offerMemory(): void {
    this.rememberOffered = true;
  }

  private rememberOffered = false;

  private controls(state: AnswerControls['state']): AnswerControls | undefined {
    if (this.answerId === undefined) return undefined;
    const remember = this.rememberOffered && (state === 'done' || state === 'stopped');
    return { answerId: this.answerId, state, ...(remember ? { remember: true } : {}) };
  }

  /**
   * Shows at once that Xiaoliu is working: a placeholder message that the answer will replace. The model may be asked
   * meanwhile: text streamed, and every other call, waits for it. Calling it again (a skill Claude handed over to)
   * waits for the same start.
   */
  start(placeholder = PLACEHOLDER): Promise<void> {
    this.starting ??= this.open(placeholder).catch((error: unknown) => {
      this.startFailed = true;
      throw error;
    });
    return this.starting;
  }

  /** The start failed: no previews then (they would post part 0 a second time); the caller fails the job. */
  private startFailed = false;

  /** The start in flight or done; a later call waits for it, whether it worked or not (the caller sees its error). */
  private starting: Promise<void> | undefined;

  private async started(): Promise<void> {
    await this.starting?.catch(() => {});
  }

  private async open(placeholder: string): Promise<void> {
    await this.load();
    // Best effort: a platform that cannot show a status here still shows the placeholder or the stream.
    this.statusShown = THINKING_STATUS;
    await this.egress.setStatus?.(this.address, THINKING_STATUS).catch(() => {});
    if (this.posted.has(0)) {
      // A retry: part 0 may still be an open stream from the failed attempt; close it, then edit as usual.
      await this.egress.nativeStream?.stop(this.address, this.posted.get(0)!).catch(() => {});
    } else if (this.egress.nativeStream) {
      const opened = await this.egress.nativeStream.start(this.address, this.recipientId, this.keyOf(0)).catch((error: unknown) => {
        // A platform that refuses the stream here still gets the answer, by edits.
        this.log.warn({ err: error }, 'could not open a native stream; editing a message instead');
        return undefined;
      });
      if (opened) {
        await this.remember(0, opened.messageId);
        if (opened.open) {
          this.streamed = '';
          this.lastEditAt = Date.now();
          return;
        }
        // The dead attempt's stream, closed since: it becomes part 0, edited like a posted placeholder.
      }
    }
    if (this.posted.has(0)) this.shown = placeholder;
    else await this.postOpening(placeholder);
    this.lastEditAt = Date.now();
  }

  /**
   * Posts part 0. The post may wait for the platform's rate limit (Slack: a message a second per channel), and the
   * model is asked meanwhile: when `finish` has the whole answer by the time the post goes, and it fits one message,
   * the post carries it and needs no edit after it; otherwise it is the placeholder.
   */
  private async postOpening(placeholder: string): Promise<void> {
    let sent = placeholder;
    // Read by the egress after the text: a post that carries the whole answer carries its final buttons too.
    const options = { controls: this.controls('streaming') };
    const opening = () => {
      const whole = this.final === undefined ? [] : splitMessage(this.final, this.egress.limits.maxMessageChars);
      if (whole.length === 1) {
        sent = whole[0]!;
        options.controls = this.controls(this.endState);
      }
      return sent;
    };
    const { messageId } = await this.egress.post(this.address, opening, this.keyOf(0), options);
    await this.remember(0, messageId);
    this.shown = sent;
    this.shownControls = options.controls?.state;
  }

  /**
   * Says what Xiaoliu is doing (thinking, reading) where the platform shows a status: Slack's thread status, Discord's
   * typing indicator. Best effort, and nothing is posted for it.
   */
  status(text: string): void {
    // The same status again says nothing new (and would be a second Discord typing call for the same wait).
    if (this.finished || !this.egress.setStatus || text === this.statusShown) return;
    this.statusShown = text;
    // Kept so the answer's end waits for it: a status set after the platform cleared it would linger.
    this.statusInFlight = this.started()
      .then(() => this.egress.setStatus?.(this.address, text))
      .catch((error: unknown) => this.log.debug({ err: error }, 'could not show a status'));
  }

  /**
   * Says what Xiaoliu is doing on the way to the answer (searching the web, reading a page), where the platform can:
   * a client that shows it (the relays: the web console, the terminal); a status with words (Slack's thread status,
   * `status`, "is searching the web…"); elsewhere (Discord, whose status is only "typing") the placeholder says `line`
   * until the answer's text replaces it. Best effort: nothing here is ever retried.
   */
  activity(line: string, status: string): void {
    if (this.finished) return;
    const { egress } = this;
    if (egress.activity) {
      void this.started()
        .then(() => egress.activity?.(this.address, this.deliveryId, line))
        .catch((error: unknown) => this.log.debug({ err: error }, 'could not show what Xiaoliu is doing'));
      return;
    }
    this.status(status);
    // Only while the placeholder shows nothing else: the answer's own text always wins.
    if (egress.statusShowsText || this.streamed !== undefined || this.soFar) return;
    this.latest = `_${line}_`;
    this.schedule();
  }

  /** Shows the answer so far; cheap to call on every streamed token, it edits at the platform's pace. */
  stream(textSoFar: string): void {
    if (this.finished) return;
    this.latest = textSoFar;
    this.soFar = textSoFar;
    this.schedule();
  }

  /** Schedules the next preview at the platform's pace, unless one is waiting or in flight already. */
  private schedule(): void {
    if (this.timer || this.inFlight) return;
    const { editIntervalMs, appendIntervalMs } = this.egress.limits;
    const interval = this.streamed !== undefined ? (appendIntervalMs ?? editIntervalMs) : editIntervalMs;
    const wait = this.lastEditAt + interval - Date.now();
    this.timer = setTimeout(() => this.flush(), Math.max(0, wait));
  }

  /** Lines said under the answer whatever it is (files not read, and why): see `note`. */
  private readonly notes: string[] = [];

  /**
   * Adds a line under the final answer, whichever command writes it: an attached file that was not read, or only in
   * part, is named there with the reason, never left out silently.
   */
  note(line: string): void {
    if (!this.notes.includes(line)) this.notes.push(line);
  }

  /** Posts the final answer: split into parts, or attached as a file when too long for a few messages. */
  async finish(answer: string): Promise<void> {
    const text = this.notes.length ? `${answer}\n\n${this.notes.map((n) => `📎 ${n}`).join('\n')}` : answer;
    // At once, before any wait: a preview or placeholder still waiting to go out sees that the answer is whole.
    this.final = text;
    this.finished = true;
    await this.statusInFlight;
    await this.settle();
    // A caller may finish without waiting for the start (chat does, so a waiting placeholder can carry the answer): a
    // start that failed fails the job here, as it would have there.
    if (this.startFailed) await this.starting;
    await this.load();
    const { maxMessageChars, maxParts } = this.egress.limits;
    const parts = splitMessage(text, maxMessageChars);
    if (parts.length === 0) parts.push('_(no answer)_');
    if (this.streamed !== undefined) {
      const streamed = this.streamed;
      this.streamed = undefined;
      if (parts.length === 1 && text.startsWith(streamed)) {
        // The usual case: the closing call carries all the stream does not show yet (a short answer: all of it).
        await this.egress.nativeStream!.stop(this.address, this.posted.get(0)!, text.slice(streamed.length), this.controls(this.endState));
        this.shown = text;
        return;
      }
      // Too long for one message, or the text changed under a retry: close the stream and edit it like any message.
      await this.egress.nativeStream!.stop(this.address, this.posted.get(0)!);
      this.shown = undefined;
    }
    if (parts.length <= maxParts || !this.egress.upload) {
      // The buttons go under the last part; part 0 loses its Stop.
      for (const [index, part] of parts.entries()) {
        const state = index === parts.length - 1 ? this.endState : 'none';
        await this.writePart(index, part, { ...(index === 0 || state !== 'none' ? { controls: this.controls(state) } : {}) });
      }
      return;
    }
    const note = `${CONTINUED}\n\n_The full answer is long, so it is attached as \`answer.md\`._`;
    // The first part is cut again with room for the note: a platform's limit is hard (Discord refuses 2001).
    const [head = ''] = splitMessage(text, maxMessageChars - note.length);
    await this.writePart(0, `${head}${note}`, { controls: this.controls(this.endState) });
    if (!this.posted.has(1)) {
      const file = await this.egress.upload(
        this.address,
        { filename: 'answer.md', mimeType: 'text/markdown', data: Buffer.from(text, 'utf8') },
        this.keyOf(1),
      );
      await this.remember(1, file.messageId);
    }
  }

  /**
   * Attaches a file a skill made (a document, a swatch image) below the answer, once: `slot` tells files of one
   * answer apart, so a retry finds the file it already posted. Parts from 100 on, clear of the answer's own parts.
   */
  async attach(file: OutboundFile, slot = 0): Promise<void> {
    await this.started();
    await this.load();
    const part = ATTACHMENT_PART + slot;
    if (this.posted.has(part)) return;
    if (!this.egress.upload) {
      // Every adapter uploads today; one that cannot still tells the user what they are missing.
      await this.postPart(part, `_(I made \`${file.filename}\`, but I cannot attach files here.)_`);
      return;
    }
    const posted = await this.egress.upload(this.address, file, this.keyOf(part));
    await this.remember(part, posted.messageId);
  }

  /**
   * This attempt will write nothing more (it was handed back, or will be retried): a preview still waiting for its
   * turn must not land on top of what the next attempt writes.
   */
  abandon(): void {
    this.finished = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Replaces the answer with a message for the user (an error they should read). */
  async fail(userMessage: string): Promise<void> {
    await this.settle();
    await this.load();
    if (this.streamed !== undefined) {
      this.streamed = undefined;
      await this.egress.nativeStream!.stop(this.address, this.posted.get(0)!).catch(() => {});
      this.shown = undefined;
    }
    await this.writePart(0, userMessage, { controls: this.controls('none') });
  }

  private async flush(): Promise<void> {
    this.timer = undefined;
    const text = this.latest;
    if (this.finished || text === undefined || text === this.shown) return;
    this.lastEditAt = Date.now();
    // Sent once the placeholder is out, with the text known by then; none once the answer is finished, as the final
    // write carries the whole of it.
    const preview = () => {
      const now = this.latest ?? text;
      return this.startFailed || this.finished || now === this.shown ? undefined : this.writePreview(now);
    };
    this.inFlight = this.started().then(preview).finally(() => {
      this.inFlight = undefined;
      // More text arrived while the edit was in flight: schedule the next edit.
      if (!this.finished && this.latest !== this.shown) this.stream(this.latest ?? '');
    });
    await this.inFlight;
  }

  private async writePreview(text: string): Promise<void> {
    if (this.streamed !== undefined) return this.appendPreview(text);
    try {
      await this.writePart(0, this.previewOf(text), { preview: true, controls: this.controls('streaming') });
    } catch (error) {
      // A lost preview edit costs nothing: the final edit carries the whole answer.
      this.log.warn({ err: error }, 'could not update the streaming message');
    }
  }

  /** The answer so far as one message shows it: cut with a mark where it is too long, the placeholder while empty. */
  private previewOf(text: string): string {
    const max = this.egress.limits.maxMessageChars - CONTINUED.length;
    return text.length > max ? `${text.slice(0, max)}${CONTINUED}` : text || PLACEHOLDER;
  }

  /** Appends what is new since the last append; a retried attempt that rewrites the text falls back to edits. */
  private async appendPreview(text: string): Promise<void> {
    const streamed = this.streamed ?? '';
    const stream = this.egress.nativeStream!;
    const messageId = this.posted.get(0)!;
    try {
      if (text.startsWith(streamed)) {
        const delta = text.slice(streamed.length);
        // Held back last time (the platform's rate budget was tight): an empty append sends what it kept.
        const sent = delta || this.shown !== text ? await stream.append(this.address, messageId, delta) : undefined;
        this.streamed = text;
        if (sent !== false) this.shown = text;
        return;
      }
      this.streamed = undefined;
      await stream.stop(this.address, messageId);
    } catch (error) {
      this.log.warn({ err: error }, 'could not append to the native stream; editing instead');
      this.streamed = undefined;
      await stream.stop(this.address, messageId).catch(() => {});
    }
    this.shown = undefined; // a closed stream is edited like any message from now on
    await this.writePreview(text);
  }

  /** Stops streaming edits and waits for one in flight, so the final edit is the last one. */
  private async settle(): Promise<void> {
    this.finished = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.started();
    await this.inFlight;
  }

  private async writePart(part: number, text: string, options?: EditOptions): Promise<void> {
    const messageId = this.posted.get(part);
    const controls = options?.controls;
    if (messageId === undefined) await this.postPart(part, text, controls);
    // Already on screen (the post carried it, or the last preview did): sending it again would only spend a call.
    else if (part === 0 && text === this.shown && controls?.state === this.shownControls) return;
    // A preview the platform skipped (its rate budget is tight) leaves `shown` behind, so the next flush tries again.
    else if ((await this.egress.edit(this.address, messageId, text, controls ? options : { ...options, controls: undefined })) === false) return;
    if (part === 0) {
      this.shown = text;
      this.shownControls = controls?.state;
    }
  }

  private async postPart(part: number, text: string, controls?: AnswerControls): Promise<void> {
    const { messageId } = await this.egress.post(this.address, text, this.keyOf(part), controls ? { controls } : {});
    await this.remember(part, messageId);
  }

  private keyOf(part: number): PostKey {
    return { deliveryId: this.deliveryId, part, ...(this.retry ? { retry: true } : {}) };
  }

  /**
   * Records a posted message. The post exists now: if the record is lost, the job's retry cannot know of it and posts
   * again. So a database outage is waited out here (checking every RECORD_RECHECK_MS, for up to RECORD_PATIENCE_MS),
   * where every other step of the job would fail and wait for Postgres from its queue.
   */
  private async remember(part: number, messageId: string): Promise<void> {
    this.posted.set(part, messageId);
    const reply = { deliveryId: this.deliveryId, part, platform: this.egress.platform as Platform, messageId };
    for (const started = Date.now(); ; ) {
      try {
        await saveReply(this.sql, reply);
        return;
      } catch (error) {
        if (!isDatabaseDown(error) || Date.now() - started > RECORD_PATIENCE_MS) throw error;
        this.log.warn({ part }, 'Postgres is unreachable: waiting to record a posted message, so a retry edits it');
        await new Promise((resolve) => setTimeout(resolve, RECORD_RECHECK_MS));
      }
    }
  }

  private async load(): Promise<void> {
    if (this.loaded) return;
    this.posted = await loadReplies(this.sql, this.deliveryId);
    this.loaded = true;
  }
}
