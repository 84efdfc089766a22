import { UserFacingError } from '../domain/errors.js';
import type { InboundAttachment } from '../domain/inbound-message.js';
import type { Logger } from '../log/create-logger.js';
import { FILE_LIMITS } from './attachment-limits.js';
import { FileUnreadable } from './file-unreadable.js';
import { formatBytes } from './format-bytes.js';
import { prepareFile, type PreparedFile } from './prepare-file.js';

/** Downloads one attachment from its platform, refusing more than maxBytes (Egress.download). */
export type Download = (attachment: InboundAttachment, maxBytes: number, signal?: AbortSignal) => Promise<Buffer>;

/** The files of a message that were read, and a sentence for each that was not (or was only partly). */
export interface ReadFiles {
  files: PreparedFile[];
  /** "I could not read `demo.mov`: video is not supported." — said in the answer, never left out silently. */
  notes: string[];
}

export interface ReadOptions {
  /** Largest file downloaded (ATTACHMENT_MAX_BYTES). */
  maxBytes: number;
  signal?: AbortSignal;
  log: Logger;
}

/** A file's name as an answer shows it, in code quotes. */
export const quotedName = (name: string): string => `\`${name.replace(/`/g, "'")}\``;

/**
 * Every way a file reaches the model goes through here: chat, every skill, a thread's earlier messages. Each file is
 * downloaded from its platform (platform hosts only, size checked before and during: Egress.download) and prepared
 * by what its bytes are (prepareFile). One file failing never fails the others or the message: it gets its note.
 * A shutdown (the signal) is the one error passed on, so the job is retried.
 */
export async function readAttachments(attachments: readonly InboundAttachment[], download: Download | undefined, options: ReadOptions): Promise<ReadFiles> {
  const read: ReadFiles = { files: [], notes: [] };
  const cannot = (name: string, reason: string) => read.notes.push(`I could not read ${quotedName(name)}: ${reason}.`);
  for (const [index, attachment] of attachments.entries()) {
    if (index >= FILE_LIMITS.filesPerMessage) {
      const rest = attachments.slice(index).map((a) => quotedName(a.name)).join(', ');
      read.notes.push(`I did not read ${rest}: I read at most ${FILE_LIMITS.filesPerMessage} files per message.`);
      break;
    }
    if (!download) {
      cannot(attachment.name, 'files cannot be downloaded here');
      continue;
    }
    if (attachment.size > options.maxBytes) {
      cannot(attachment.name, `it is ${formatBytes(attachment.size)}, over the ${formatBytes(options.maxBytes)} limit for files`);
      continue;
    }
    let data: Buffer;
    try {
      data = await download(attachment, options.maxBytes, options.signal);
    } catch (error) {
      if (options.signal?.aborted) throw error;
      if (error instanceof UserFacingError) read.notes.push(error.userMessage);
      else {
        options.log.warn({ err: error, file: attachment.name }, 'could not download an attached file');
        cannot(attachment.name, 'the download failed just now; please try again');
      }
      continue;
    }
    try {
      const file = await prepareFile(attachment.name, data);
      read.files.push(file);
      if (file.note) read.notes.push(`${quotedName(attachment.name)}: ${file.note}.`);
    } catch (error) {
      if (error instanceof FileUnreadable) {
        cannot(attachment.name, error.reason);
      } else {
        // A reader that crashed on a hostile file: the file is refused, the message still answered.
        options.log.warn({ err: error, file: attachment.name }, 'could not read an attached file');
        cannot(attachment.name, 'it could not be opened (damaged, or a format I do not read)');
      }
    }
  }
  return read;
}
