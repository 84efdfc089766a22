import { readAttachments, type Download } from '../attachments/read-attachments.js';
import type { InboundAttachment } from '../domain/inbound-message.js';
import type { CommandContext } from '../commands/command.js';
import { hasAttachments, saveAttachments } from '../store/attachments.js';
import { deleteUploads, readUpload, UPLOAD_SCHEME } from '../store/uploads.js';

/**
 * Reads the files of one message (the question, or an earlier message of a thread Xiaoliu was summoned into) and keeps
 * them with the conversation, so this answer and every follow-up see them. What was not read is said under the
 * answer. A retried job finds them stored and downloads nothing again.
 */
export async function takeFiles(
  context: CommandContext,
  owner: { deliveryId: string; authorId: string },
  attachments: readonly InboundAttachment[],
  /** Largest file read; ATTACHMENT_MAX_BYTES unless a command reads less (analyze: ANALYZE_MAX_FILE_BYTES). */
  maxBytes = context.config.attachments.maxBytes,
): Promise<void> {
  const { sql, conversation, egress, signal, log, reply, message } = context;
  if (attachments.length === 0 || (await hasAttachments(sql, owner.deliveryId))) return;
  // Files sent to the HTTP API or attached in the terminal wait in Postgres, readable by their sender only (the
  // message's author, in its workspace); every other file comes from its platform's own file hosts.
  const uploader = { platform: message.platform, workspaceId: message.address.workspaceId, userId: owner.authorId };
  const download: Download | undefined = async (attachment, maxBytes, abort) => {
    if (!attachment.url.startsWith(UPLOAD_SCHEME)) return egress.download!(attachment, maxBytes, abort);
    const data = await readUpload(sql, uploader, attachment.url);
    if (!data) throw new Error('the uploaded file is gone (deleted, or not this sender\'s)');
    return data;
  };
  const canDownload = egress.download || attachments.some((a) => a.url.startsWith(UPLOAD_SCHEME));
  const read = await readAttachments(attachments, canDownload ? download : undefined, { maxBytes, signal, log });
  for (const note of read.notes) reply.note(note);
  await saveAttachments(sql, { conversationId: conversation.id, ...owner }, read.files);
  // Read and kept as the model reads them: the upload itself is not needed again.
  await deleteUploads(sql, uploader, attachments.map((a) => a.url));
  if (read.files.length) log.info({ files: read.files.map((f) => ({ kind: f.kind, bytes: f.data.length, tokens: f.tokens })) }, 'read attached files');
}
